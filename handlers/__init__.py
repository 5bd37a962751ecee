"""Every feature's routes, composed into one router."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    from handlers import (
        admin,
        admin_audit,
        admin_outbox,
        events,
        help,
        mentoring,
        privacy,
        profile,
    )

    router = Router()
    for feature in (help, profile, admin, privacy, admin_outbox, admin_audit, mentoring, events):
        router.include(feature.router)
    return router
