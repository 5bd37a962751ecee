"""The one router every pulse module registers on."""

from __future__ import annotations

from bot.router import Router

router = Router()
