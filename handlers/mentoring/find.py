"""`mentor find [words]`: five suggested mentors, each with why, and more on request."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.ui import Actions, Block, Button, Heading, Hint, Message, Section
from handlers.mentoring.common import (
    NOT_IN_A_SCHEME,
    card,
    closed_to_mentees,
    scheme_for,
    setup_button,
    today,
)
from handlers.mentoring.router import router
from handlers.mentoring.suggest import PAGE, Found, Suggestion, seeker_for, suggest
from store.mentoring import queries as store

PREVIOUS_FLAG = "--previous"
MAX_WORDS = 5


@dataclass(frozen=True)
class Search:
    words: list[str]
    offset: int = 0
    include_previous: bool = False

    def encode(self, offset: int) -> str:
        flag = "1" if self.include_previous else "0"
        return f"{offset}|{flag}|{' '.join(self.words)}"[:250]

    @classmethod
    def decode(cls, value: str) -> Search:
        offset, flag, words = [*value.split("|", 2), "", "", ""][:3]
        return cls(words.split(), int(offset) if offset.isdigit() else 0, flag == "1")


@router.command(
    "mentor", "find", summary="Suggest mentors for you, with reasons", example="mentor find lc-ms"
)
async def find(ctx: Context, args: str) -> None:
    words = [w.lower() for w in args.split() if w.lower() != PREVIOUS_FLAG][:MAX_WORDS]
    await show(ctx, Search(words, 0, PREVIOUS_FLAG in args.lower().split()))


@router.action("mentor.find")
async def find_button(ctx: Context, value: str) -> None:
    await show(ctx, Search.decode(value or "0|0|"))


async def show(ctx: Context, search: Search) -> None:
    scheme = await scheme_for(ctx)
    profile = await store.profile_of(ctx.session, ctx.member.id)
    if profile is None:
        ctx.reply(
            card(
                "To suggest mentors who fit, I need a few words about what you're looking for. "
                "Once your mentoring profile is saved, I'll show you suggestions straight away.",
                setup_button(),
            )
        )
        return
    if scheme is None:
        ctx.reply(NOT_IN_A_SCHEME)
        return
    if profile.role == "mentor":
        ctx.reply(
            card(
                "Your profile says you mentor rather than look for a mentor. To look for one "
                "too, choose “Both mentor and mentee” in your mentoring profile.",
                Button(label="Edit my mentoring profile", action_id="mentor.profile"),
            )
        )
        return
    closed = closed_to_mentees(scheme, today(ctx))
    if closed:
        ctx.reply(closed)
        return
    found = await suggest(
        ctx.session,
        scheme.id,
        seeker_for(ctx.member, profile),
        today=today(ctx),
        words=search.words,
        offset=search.offset,
        count=PAGE,
        include_previous=search.include_previous,
    )
    earlier = await store.relationships_of(ctx.session, ctx.member.id, active_only=False)
    had_past = any(r.mentee_id == ctx.member.id and r.status != "active" for r in earlier)
    ctx.reply(suggestions_message(found, search, had_past))


def suggestion_block(suggestion: Suggestion, words: list[str] | None = None) -> Section:
    mentor = suggestion.mentor
    about = ", ".join(part for part in (mentor.job_title, mentor.institution_name) if part)
    reasons = list(suggestion.score.reasons)
    searched = [
        item
        for item in [*mentor.specialisms, *mentor.equipment]
        if any(word.lower() in item.lower() for word in words or [])
    ]
    if searched:  # what they looked for comes first
        reasons.insert(0, f"you searched for {', '.join(dict.fromkeys(searched))}")
    why = "; ".join(reasons)
    return Section(
        text=f"{mentor.name}" + (f" — {about}" if about else "") + f"\nWhy: {why}",
        button=Button(
            label="Request",
            action_id="mentor.request",
            value=str(mentor.member_id),
            style="primary",
        ),
    )


def suggestions_message(found: Found, search: Search, had_past: bool = True) -> Message:
    """`had_past`: whether they have had a mentor before (else no "Include past mentors")."""
    if not found.suggestions:
        return no_match(search, had_past)
    heading = "Suggested mentors" if search.offset == 0 else "More suggested mentors"
    blocks: list[Block] = [Heading(text=heading)]
    lines = [heading]
    for number, suggestion in enumerate(found.suggestions, start=search.offset + 1):
        block = suggestion_block(suggestion, search.words)
        blocks.append(block)
        lines.append(f"{number}. {block.text}")
    buttons = []
    if found.more:
        buttons.append(
            Button(
                label="Show more",
                action_id="mentor.find",
                value=search.encode(search.offset + PAGE),
            )
        )
    if had_past and not search.include_previous:
        again = Search(search.words, 0, True)
        buttons.append(
            Button(label="Include past mentors", action_id="mentor.find", value=again.encode(0))
        )
    if buttons:
        blocks.append(Actions(buttons=buttons))
    blocks.append(
        Hint(text="Ranked by shared specialisms, equipment, registration, institution and format.")
    )
    return Message(text="\n".join(lines), blocks=blocks)


def no_match(search: Search, had_past: bool = True) -> Message:
    advice = [
        "try fewer or broader words (e.g. just one technique)" if search.words else "",
        ""
        if search.include_previous or not had_past
        else "include people you've been paired with before",
        "ask your scheme coordinator about mentors at other institutions or in other schemes",
    ]
    text = (
        "I couldn't find an available mentor"
        + (f" for “{' '.join(search.words)[:60]}”" if search.words else "")
        + " just now. To widen the search: "
        + "; ".join(a for a in advice if a)
        + "."
    )
    buttons = []
    if search.words:
        buttons.append(Button(label="Search without words", action_id="mentor.find", value="0|0|"))
    if had_past and not search.include_previous:
        again = Search(search.words, 0, True)
        buttons.append(
            Button(label="Include past mentors", action_id="mentor.find", value=again.encode(0))
        )
    blocks: list[Block] = [Section(text=text)]
    if buttons:
        blocks.append(Actions(buttons=buttons))
    return Message(blocks=blocks)
