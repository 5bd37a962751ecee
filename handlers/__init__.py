"""Every feature's routes, composed into one router."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    from handlers import (
        admin,
        admin_audit,
        admin_outbox,
        admin_workspaces,
        events,
        help,
        mentoring,
        nominations,
        privacy,
        profile,
        pulse,
        report,
    )

    router = Router()
    features = (help, profile, admin, privacy, admin_outbox, admin_audit, mentoring, events)
    for feature in (*features, admin_workspaces, nominations, pulse, report):
        router.include(feature.router)
    return router
