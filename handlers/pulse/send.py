"""The preview and Send: the coordinator sees the card and the questions as a member would,
who it reaches and when, then presses Send (once: a conditional update).

Send schedules every numbered round and opens the first at once, queueing its
invitations in the same transaction (handlers/pulse/rounds.py).
"""

from __future__ import annotations

from bot.context import Context
from bot.ui import Actions, Block, Button, Confirm, Hint, Message, Section
from handlers.audience import audience_words, reach_of
from handlers.pulse import questions
from handlers.pulse.common import in_words, invitation, plural, run_by_asker
from handlers.pulse.rounds import open_due
from handlers.pulse.router import router
from store.pulse import queries as store
from store.pulse.models import PulseSurvey


def schedule_words(survey: PulseSurvey) -> str:
    open_for = f"open {plural(survey.open_days, 'day')}"
    if survey.every_weeks:
        when = (
            f"{plural(survey.rounds, 'round')}, one every "
            f"{plural(survey.every_weeks, 'week')}, each {open_for}"
        )
    else:
        when = f"once, {open_for}"
    if survey.reminder_days:
        when += f"; reminders on day {in_words(survey.reminder_days)} to those who haven't answered"
    return when


async def preview(ctx: Context, survey: PulseSurvey) -> Message:
    reach = await reach_of(ctx.session, survey.audience)
    card = invitation(survey, None, ctx.timezone, preview=True)
    asked = [f"{n}. {questions.described(q)}" for n, q in enumerate(survey.questions, 1)]
    reaches = reach.words()
    who = await audience_words(ctx.session, survey.audience)
    summary = (
        f"This goes to {reaches} ({who}): {schedule_words(survey)}. "
        "The first round opens when you press Send."
    )
    value = str(survey.id)
    blocks: list[Block] = [
        Section(text="Here's your pulse survey as members will see it:"),
        *card.blocks,
        Section(text="Answer opens these questions:\n" + "\n".join(asked)),
        Section(text=summary),
        Hint(text="Results show once a round closes, only where at least 5 people answered."),
        Actions(
            buttons=[
                Button(
                    label="Send",
                    action_id="pulse.send",
                    value=value,
                    style="primary",
                    confirm=Confirm(
                        title="Send this survey?",
                        text=f"It goes to {reaches} now, and can't be unsent.",
                        confirm="Send",
                    ),
                ),
                Button(label="Edit", action_id="pulse.edit", value=value),
                Button(label="Discard", action_id="pulse.discard", value=value, style="danger"),
            ]
        ),
    ]
    return Message(text=f"Preview: {survey.title}. {summary}", blocks=blocks)


@router.action("pulse.send")
async def send(ctx: Context, value: str) -> None:
    survey = await run_by_asker(ctx, value)
    if survey is None:
        return
    if not await store.mark_sent(ctx.session, survey.id, ctx.now()):
        ctx.reply("That survey has already been sent — type pulse results to follow it.")
        return
    await store.schedule_rounds(ctx.session, survey, ctx.now())
    opened = await open_due(ctx.session, ctx.settings, ctx.now(), survey_id=survey.id)
    await ctx.notify_many(opened.messages)
    ctx.update(
        f"Sent! Round 1 of “{survey.title}” is on its way to "
        f"{plural(opened.invited, 'person', 'people')}. "
        "Results appear with pulse results once a round closes."
    )


@router.action("pulse.discard")
async def discard(ctx: Context, value: str) -> None:
    survey = await run_by_asker(ctx, value)
    if survey is None:
        return
    if survey.status != "draft":
        ctx.reply("That survey has been sent, so it can't be discarded.")
        return
    await ctx.session.delete(survey)
    ctx.update(f"Discarded the draft “{survey.title}”. Nothing was sent.")
