"""Replies longer than one Slack message or view, shown a page at a time.

`render.paginate` cuts a reply's blocks into pages Slack accepts (50 blocks to
a message, 100 to a view, and under Slack's unwritten total of characters).
When that makes more than one page, every page is kept in the database
(store/overflow.py) and drawn with page buttons: "Show more" and, after the
first, "Back". A button's value is the kept reply's unguessable token and the
page it shows, so pressing it twice shows the same page, from any web process.
Should the database be unable to keep them, the first page goes with a note of
what was left out: the reply is trimmed, never refused by Slack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.slack.render import (
    MESSAGE_BLOCKS,
    VIEW_BLOCKS,
    draw_blocks,
    fallback_text,
    first_page,
    message_blocks,
    paginate,
    plain,
)
from bot.clock import Clock
from bot.ui import Block, Message
from store import overflow

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Adapter-only buttons: "slack:more" shows the next page, "slack:more#back" the one before.
MORE_ACTION = "slack:more"
BACK_ACTION = MORE_ACTION + "#back"
GONE = "I no longer have the rest of that list — please ask me again to see it all."
NOT_YOURS = "That list was for someone else, so I can't show you more of it."
AWAY = "Sorry — I can't reach my records just now. Please press the button again in a minute."

Drawn = list[dict[str, Any]]


@dataclass(frozen=True)
class Page:
    """One page to show, or (`found` False) a note saying why there is none."""

    text: str
    blocks: Drawn
    found: bool = True


def page_buttons(token: str, number: int, total: int) -> dict[str, Any]:
    buttons = []
    if number > 1:
        buttons.append(
            {
                "type": "button",
                "text": plain(f"Back ({number - 1} of {total})", 75),
                "action_id": BACK_ACTION,
                "value": f"{token}:{number - 1}",
            }
        )
    if number < total:
        buttons.append(
            {
                "type": "button",
                "text": plain(f"Show more ({number + 1} of {total})", 75),
                "action_id": MORE_ACTION,
                "value": f"{token}:{number + 1}",
                "style": "primary",
            }
        )
    return {"type": "actions", "elements": buttons}


def note(text: str) -> Page:
    return Page(text, [], found=False)


class Pager:
    """Draws replies as their first page, keeping the rest; finds a kept page again."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def message(self, message: Message, workspace: str, reader: str | None) -> dict[str, Any]:
        """`text` and `blocks` for a message; `reader` None when everyone there sees it."""
        text = fallback_text(message)
        blocks = await self.blocks(message_blocks(message), MESSAGE_BLOCKS, text, workspace, reader)
        return {"text": text, "blocks": blocks}

    async def home(self, message: Message, workspace: str, user_id: str) -> dict[str, Any]:
        blocks = await self.blocks(
            message.blocks, VIEW_BLOCKS, fallback_text(message), workspace, user_id
        )
        return {"type": "home", "blocks": blocks}

    async def blocks(
        self,
        neutral: list[Block],
        max_blocks: int,
        text: str,
        workspace: str,
        reader: str | None,
    ) -> Drawn:
        """The first page of `neutral` drawn as blocks; further pages kept for its buttons."""
        drawn = draw_blocks(neutral)
        pages = paginate(drawn, max_blocks)
        if len(pages) == 1:
            return pages[0]
        token = overflow.new_token()
        shown = [[*page, page_buttons(token, n, len(pages))] for n, page in enumerate(pages, 1)]
        try:
            await overflow.keep(
                self.sessions,
                token,
                PLATFORM,
                workspace,
                reader,
                {"text": text, "pages": shown},
                self.clock.now(),
            )
        except Exception:  # the database is away: trimmed beats nothing at all
            log.warning("could not keep the pages of a long reply", exc_info=True)
            return first_page(drawn, pages)
        return shown[0]

    async def page(self, value: str, user_id: str) -> Page:
        """The page a button asks for (`<token>:<number>`), if this person may see it."""
        token, _, number = value.rpartition(":")
        kept = None
        if token and number.isdigit():
            try:
                kept = await overflow.find(self.sessions, PLATFORM, token, self.clock.now())
            except Exception:
                log.warning("could not read the pages of a long reply", exc_info=True)
                return note(AWAY)
        if kept is None:
            return note(GONE)
        if kept.reader is not None and kept.reader != user_id:  # Slack user ids are unique
            return note(NOT_YOURS)
        pages = kept.content["pages"]
        index = min(max(int(number), 1), len(pages)) - 1
        return Page(kept.content["text"], pages[index])
