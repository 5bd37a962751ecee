"""Neutral messages drawn as Block Kit, always inside Slack's limits.

Every string from the core is plain text, so each one is escaped (&, <, >)
before it reaches Slack: `<!channel>` or `<@U123>` typed by a member shows as
text and pings nobody. Slack's mrkdwn has no escape for `*bold*`, `_italic_`,
`~strike~`, backticks or a leading `>` (Slack's formatting reference offers none;
a backslash shows as a backslash), so text is drawn as Block Kit `plain_text`
wherever Block Kit allows it (section text, section fields, context elements,
headers, buttons, options): Slack never parses formatting in `plain_text`, so
member text shows exactly as typed, with no look-alike characters swapped in.
The notification text goes with `mrkdwn: false` for the same reason.

Content that would break a limit is split into more blocks, and blocks into
pages (`paginate`), never sent for Slack to reject:
adapters/slack/pages.py keeps the pages behind a "Show more" button; where it
cannot, the first page goes with a note of what was left out.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from bot.ui import (
    Actions,
    Block,
    Button,
    Confirm,
    Divider,
    Fields,
    Heading,
    Hint,
    Image,
    Message,
    Option,
    Section,
    Select,
)

# Slack's documented limits (Block Kit reference).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
ACTIONS_ELEMENTS = 25
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER = 150
URL = 3000
ALT_TEXT = 2000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
FALLBACK_TEXT = 3000
# Not in the reference, but Slack refuses a message whose blocks hold more than
# about 12,000 characters in all (`msg_blocks_too_long`, slackapi/bolt-js#2509).
# A page's blocks stay under this, counted as JSON (more than the text alone).
PAGE_CHARACTERS = 11_000

# Buttons may share a neutral action id (one "Request" per mentor); Slack wants
# them unique within a message, so repeats get "#2", "#3", ... which inbound strips.
ACTION_SUFFIX = "#"
# Link buttons still send an interaction when clicked; this id marks them to ignore.
LINK_ACTION = "slack:link"
ELLIPSIS = "…"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fit(text: str, limit: int) -> str:
    """Escaped text, cut to `limit` characters with an ellipsis, never mid-entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def pieces(text: str, limit: int) -> list[str]:
    """Escaped text split into parts of at most `limit`, at line or word breaks."""
    escaped, parts = escape(text), []
    while len(escaped) > limit:
        window = escaped[:limit]
        cut = max(window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
            amp = window.rfind("&", max(0, limit - 5))
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        parts.append(escaped[:cut].rstrip())
        escaped = escaped[cut:].lstrip()
    parts.append(escaped)
    return [part for part in parts if part] or [""]


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def literal(escaped: str) -> dict[str, Any]:
    """Already-escaped text Slack shows as typed: `plain_text` is never parsed for
    formatting, links or mentions."""
    return {"type": "plain_text", "text": escaped or " ", "emoji": True}


def neutral_action_id(action_id: str) -> str:
    return action_id.split(ACTION_SUFFIX, 1)[0]


def render_message(message: Message, max_blocks: int = MESSAGE_BLOCKS) -> dict[str, Any]:
    """`text` (notification and fallback) and `blocks` for chat.postMessage and friends."""
    return {
        "text": fallback_text(message),
        "mrkdwn": False,
        "blocks": render_blocks(message_blocks(message), max_blocks),
    }


def render_home(message: Message) -> dict[str, Any]:
    return {"type": "home", "blocks": render_blocks(message.blocks, VIEW_BLOCKS)}


def fallback_text(message: Message) -> str:
    return fit(message.text, FALLBACK_TEXT) or " "


def message_blocks(message: Message) -> list[Block]:
    return message.blocks or _as_sections(message.text)


def render_blocks(blocks: list[Block], max_blocks: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """The first page only, with a note of what did not fit (when pages cannot be kept)."""
    drawn = draw_blocks(blocks)
    return first_page(drawn, paginate(drawn, max_blocks))


def first_page(
    drawn: list[dict[str, Any]], pages: list[list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    if len(pages) == 1:
        return pages[0]
    hidden = len(drawn) - len(pages[0])
    note = f"…and {hidden} more that did not fit here. Ask me for fewer at a time to see them."
    return [*pages[0], {"type": "context", "elements": [literal(escape(note))]}]


def draw_blocks(blocks: list[Block]) -> list[dict[str, Any]]:
    """Every neutral block as Block Kit, however many that makes."""
    ids = _ActionIds()
    return [slack for block in blocks for slack in _block(block, ids)]


def paginate(drawn: list[dict[str, Any]], max_blocks: int) -> list[list[dict[str, Any]]]:
    """Blocks cut into pages Slack accepts: one page when all fit, else pages that
    leave a block free for page buttons (or a note) and stay under PAGE_CHARACTERS."""
    sizes = [len(json.dumps(block, ensure_ascii=False)) for block in drawn]
    if len(drawn) <= max_blocks and sum(sizes) <= PAGE_CHARACTERS:
        return [drawn]
    pages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for block, size in zip(drawn, sizes, strict=True):
        page = pages[-1]
        if page and (len(page) >= max_blocks - 1 or used + size > PAGE_CHARACTERS):
            carried = _trailing_headings(page)  # a heading goes with what it heads
            pages.append(carried)
            used = sum(len(json.dumps(b, ensure_ascii=False)) for b in carried)
        pages[-1].append(block)
        used += size
    return pages


def _trailing_headings(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    carried: list[dict[str, Any]] = []
    while len(page) > 1 and page[-1]["type"] in ("header", "divider"):
        carried.insert(0, page.pop())
    return [block for block in carried if block["type"] == "header"]


def _as_sections(text: str) -> list[Block]:
    return [Section(text=text)]


class _ActionIds:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def unique(self, action_id: str) -> str:
        self.seen[action_id] += 1
        count = self.seen[action_id]
        suffix = f"{ACTION_SUFFIX}{count}" if count > 1 else ""
        return action_id[: ACTION_ID - len(suffix)] + suffix


def _block(block: Block, ids: _ActionIds) -> list[dict[str, Any]]:
    match block:
        case Heading(text=text):
            return [{"type": "header", "text": plain(text, HEADER_TEXT)}]
        case Section(text=text, button=button):
            sections = [
                {"type": "section", "text": literal(part)} for part in pieces(text, SECTION_TEXT)
            ]
            if button is not None:
                sections[-1]["accessory"] = render_button(button, ids)
            return sections
        case Fields(pairs=pairs):
            fields = [literal(_field(label, value)) for label, value in pairs]
            return [{"type": "section", "fields": group} for group in _field_groups(fields)]
        case Actions(buttons=buttons):
            elements = [render_button(button, ids) for button in buttons]
            return [
                {"type": "actions", "elements": elements[start : start + ACTIONS_ELEMENTS]}
                for start in range(0, len(elements), ACTIONS_ELEMENTS)
            ]
        case Select() as select:
            return [{"type": "actions", "elements": [_select(select, ids)]}]
        case Image(url=url, alt=alt):
            if len(url) > URL:
                return []
            return [{"type": "image", "image_url": url, "alt_text": fit(alt, ALT_TEXT) or " "}]
        case Hint(text=text):
            return [{"type": "context", "elements": [literal(fit(text, SECTION_TEXT))]}]
        case Divider():
            return [{"type": "divider"}]
    return []


def _field_groups(fields: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """At most 10 fields to a section, and no more text than one section's."""
    groups: list[list[dict[str, Any]]] = [[]]
    used = 0
    for field in fields:
        size = len(field["text"])
        if groups[-1] and (len(groups[-1]) == FIELDS_PER_SECTION or used + size > SECTION_TEXT):
            groups.append([])
            used = 0
        groups[-1].append(field)
        used += size
    return [group for group in groups if group]


def _field(label: str, value: str) -> str:
    """The label on its own line above the value (plain text: a label cannot be bold
    without making the member's value mrkdwn too)."""
    title = fit(label, 200)
    return f"{title}\n" + fit(value, FIELD_TEXT - len(title) - 1)


def render_button(button: Button, ids: _ActionIds) -> dict[str, Any]:
    drawn: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, BUTTON_TEXT),
        "action_id": ids.unique(LINK_ACTION if button.url else button.action_id),
    }
    if button.value:
        # Values are ids the core made, not member text; cut, never escaped.
        drawn["value"] = button.value[:BUTTON_VALUE]
    if button.url and len(button.url) <= URL:
        drawn["url"] = button.url
    if button.style:
        drawn["style"] = button.style
    if button.confirm:
        drawn["confirm"] = _confirm(button.confirm)
    return drawn


def _confirm(confirm: Confirm) -> dict[str, Any]:
    return {
        "title": plain(confirm.title, CONFIRM_TITLE),
        "text": plain(confirm.text, CONFIRM_TEXT),
        "confirm": plain(confirm.confirm, CONFIRM_BUTTON),
        "deny": plain(confirm.deny, CONFIRM_BUTTON),
    }


def render_option(option: Option) -> dict[str, Any]:
    return {"text": plain(option.label, OPTION_TEXT), "value": option.value[:OPTION_VALUE]}


def render_options(options: list[Option]) -> list[dict[str, Any]]:
    return [render_option(option) for option in options[:OPTIONS]]


def chosen_options(options: list[dict[str, Any]], values: list[str]) -> list[dict[str, Any]]:
    """The drawn options whose values were chosen (Slack wants the same objects back)."""
    return [option for option in options if option["value"] in values]


def _select(select: Select, ids: _ActionIds) -> dict[str, Any]:
    options = render_options(select.options)
    drawn: dict[str, Any] = {
        "type": "multi_static_select" if select.multi else "static_select",
        "action_id": ids.unique(select.action_id),
        "placeholder": plain(select.placeholder, PLACEHOLDER),
        "options": options or [{"text": plain("—", OPTION_TEXT), "value": "-"}],
    }
    initial = chosen_options(options, select.initial)
    if initial and select.multi:
        drawn["initial_options"] = initial
    elif initial:
        drawn["initial_option"] = initial[0]
    return drawn
