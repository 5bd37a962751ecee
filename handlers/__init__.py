"""Every feature's routes, composed into one router."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    from handlers import (
        admin,
        admin_audit,
        admin_outbox,
        admin_workspaces,
        data_rights,
        events,
        help,
        mentoring,
        nominations,
        privacy,
        profile,
        pulse,
        report,
        retention,
    )

    router = Router()
    features = (help, profile, admin, privacy, admin_outbox, admin_audit, mentoring, events)
    more = (admin_workspaces, data_rights, nominations, pulse, report, retention)
    for feature in (*features, *more):
        router.include(feature.router)
    return router
