"""What every part of the pulse story shares: who may run a survey, finding a survey or a
round from a button, days in the reader's timezone, the invitation card."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.ids import as_id
from bot.quiet_hours import zone_named
from bot.settings import Settings
from bot.ui import Actions, Block, Button, Heading, Hint, Message, Section
from handlers.pulse.questions import minutes
from handlers.text import plural
from store.pulse import queries as store
from store.pulse.models import PulseRound, PulseSurvey

# Outbox kinds
INVITE = "pulse.invite"
REMIND = "pulse.remind"

STALE = "That button is from an older message and no longer works. Type pulse to see open surveys."
NOT_YOURS = "I can't find that survey among the ones you run. Type pulse results to see them."
COORDINATORS_ONLY = (
    "Sorry, setting up pulse surveys and seeing their results is only for coordinators "
    "and network admins. If you think you should have access, please ask a network admin."
)
ANONYMOUS = (
    "Your answer is anonymous: nobody — the coordinator and admins included — can see who "
    "said what, and results appear only after the round closes, when enough people answered."
)


def in_words(numbers: list[int]) -> str:
    """[3, 5] → "3 and 5"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def zone_of(settings: Settings, name: str | None) -> ZoneInfo:
    return zone_named(name, settings.benchmate_timezone)


def day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%A %-d %B}"


# --- who may run surveys ------------------------------------------------------------------


def is_coordinator(ctx: Context) -> bool:
    """Coordinators and admins run surveys; checked on the server, never from a button."""
    return ctx.has_role("coordinator") or ctx.has_role("admin")


def coordinator_or_refuse(ctx: Context) -> bool:
    if is_coordinator(ctx):
        return True
    ctx.reply(COORDINATORS_ONLY)
    return False


async def run_by_asker(ctx: Context, value: str) -> PulseSurvey | None:
    """The survey a button or form names, only if the asker runs it (or is an admin)."""
    if not coordinator_or_refuse(ctx):
        return None
    found = await store.survey(ctx.session, as_id(value))
    if found is None or not (ctx.has_role("admin") or found.coordinator_id == ctx.member.id):
        ctx.reply(NOT_YOURS)
        return None
    return found


# --- the invitation ---------------------------------------------------------------------


def invitation(
    survey: PulseSurvey, found: PulseRound | None, zone: ZoneInfo, *, preview: bool = False
) -> Message:
    """The short card members get: what it is, how long, until when, and Answer."""
    count = plural(len(survey.questions), "question")
    which = ""
    if survey.rounds > 1:
        number = found.number if found else 1
        which = f" This is round {number} of {survey.rounds}."
    closes = (
        f"Open until {day(found.closes_at, zone)}."
        if found
        else (f"Each round stays open {plural(survey.open_days, 'day')}.")
    )
    intro = (
        f"A short pulse survey for the technician network: {count}, about "
        f"{plural(minutes(survey.questions), 'minute')}.{which} {closes}"
    )
    blocks: list[Block] = [Heading(text=survey.title), Section(text=intro), Hint(text=ANONYMOUS)]
    if preview:
        blocks.append(Hint(text="Members will see an Answer button here."))
    else:
        assert found is not None
        blocks.append(
            Actions(
                buttons=[
                    Button(
                        label="Answer",
                        action_id="pulse.answer",
                        value=str(found.id),
                        style="primary",
                    )
                ]
            )
        )
    return Message(text=f"Pulse survey: {survey.title}. {intro}", blocks=blocks)
