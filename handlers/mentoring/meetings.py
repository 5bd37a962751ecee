"""`mentor log` and `mentor meetings`: the meeting log, objective reviews and private notes."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Button, Fields, Form, Heading, Hint, Input, Message, Option, Section
from handlers.mentoring import fit, schedule
from handlers.mentoring.common import (
    card,
    for_relationship,
    own_active_relationship,
    partner_of,
    today,
)
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import Meeting, PrivateNote, Relationship

REVIEW = {"": "No change", "progressed": "Progressed", "achieved": "Achieved"}


@for_relationship("log", "mentor.log", "log a meeting for", summary="Log a mentoring meeting")
async def log(ctx: Context, relationship: Relationship) -> None:
    ctx.open_form(await log_form(ctx, relationship))


async def log_form(ctx: Context, relationship: Relationship, held_on: date | None = None) -> Form:
    objectives = await store.objectives_of(ctx.session, relationship.id)
    reviews = [
        Input(
            name=f"objective_{objective.id}",
            label=f"Objective: {objective.text[:120]} (now {objective.state})",
            kind="select",
            required=False,
            options=[Option(label=label, value=value or "none") for value, label in REVIEW.items()],
        )
        for objective in objectives
        if objective.state != "achieved"
    ]
    return Form(
        form_id="mentor.log",
        title="Log a meeting",
        state=str(relationship.id),
        inputs=[
            Input(
                name="held_on",
                label="Date",
                kind="date",
                initial=(held_on or today(ctx)).isoformat(),
            ),
            Input(
                name="happened",
                label="Did the meeting happen?",
                kind="select",
                options=[Option(label="Yes", value="yes"), Option(label="No", value="no")],
                initial="yes",
            ),
            *reviews,
            Input(
                name="next_meeting_on",
                label="Next meeting (if booked)",
                kind="date",
                required=False,
            ),
            Input(
                name="note",
                label="Private note",
                kind="long_text",
                required=False,
                max_length=2000,
                hint="Only you will ever see this note — not your partner, not the coordinator.",
            ),
        ],
    )


@router.form("mentor.log")
async def save(ctx: Context, submitted: FormSubmission) -> None:
    relationship = await own_active_relationship(ctx, submitted.state)
    if relationship is None:
        return
    form = await log_form(ctx, relationship)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    held_on, next_on = values.get("held_on"), values.get("next_meeting_on")
    if held_on and values.get("happened") == "yes" and held_on > today(ctx):
        errors["held_on"] = "That date is still to come. Log a meeting once it has happened."
    if held_on and next_on and next_on <= held_on:
        errors["next_meeting_on"] = "The next meeting should be after this one."
    if ctx.errors_shown(form, submitted, errors):
        return
    objectives = {o.id: o for o in await store.objectives_of(ctx.session, relationship.id)}
    reviewed = []
    for objective_id, objective in objectives.items():
        verdict = values.get(f"objective_{objective_id}")
        if verdict in ("progressed", "achieved"):
            objective.state, objective.updated_at = verdict, ctx.now()
            reviewed.append(objective_id)
    happened = values["happened"] == "yes"
    meeting = Meeting(
        relationship_id=relationship.id,
        held_on=held_on,
        happened=happened,
        objectives_reviewed=reviewed,
        next_meeting_on=next_on,
        logged_by=ctx.member.id,
        created_at=ctx.now(),
    )
    ctx.session.add(meeting)
    await ctx.session.flush()
    if values.get("note"):
        ctx.session.add(
            PrivateNote(
                meeting_id=meeting.id,
                author_id=ctx.member.id,
                text=values["note"],
                created_at=ctx.now(),
            )
        )
    first_meeting = happened and relationship.last_meeting_on is None
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    if scheme is not None and held_on is not None:  # held_on is required: always given
        schedule.logged(relationship, scheme, held_on, happened, next_on, today(ctx))
    if first_meeting:
        await fit.ask_both(ctx, relationship)
    await ctx.session.flush()
    booked = f" Next meeting: {next_on:%A %-d %B}." if next_on else ""
    see = Button(label="See your meetings", action_id="mentor.meetings", value=str(relationship.id))
    ctx.reply(card(f"Meeting logged.{booked}", see))


@for_relationship(
    "meetings",
    "mentor.meetings",
    "see the meetings of",
    summary="See your meeting log and your own notes",
)
async def meetings(ctx: Context, relationship: Relationship) -> None:
    ctx.reply(await meetings_message(ctx, relationship))


async def meetings_message(ctx: Context, relationship: Relationship) -> Message:
    partner = await partner_of(ctx, relationship)
    logged = await store.meetings_of(ctx.session, relationship.id)
    mine = await store.notes_by(ctx.session, ctx.member.id, [m.id for m in logged])
    objectives = await store.objectives_of(ctx.session, relationship.id)
    heading = f"Meetings with {partner.display_name}"
    blocks: list = [Heading(text=heading)]
    lines = [heading]
    for meeting in logged:
        line = f"{meeting.held_on:%-d %B %Y}: " + ("met" if meeting.happened else "didn't happen")
        for note in mine.get(meeting.id, []):
            line += f"\nYour private note: {note}"
        blocks.append(Section(text=line))
        lines.append(line)
    if not logged:
        log_one = Button(label="Log a meeting", action_id="mentor.log", value=str(relationship.id))
        blocks.append(Section(text="No meetings logged yet.", button=log_one))
        lines.append("No meetings logged yet.")
    if objectives:
        pairs = [(o.text[:80], o.state) for o in objectives]
        blocks.append(Fields(pairs=pairs))
        lines += [f"Objective: {text} — {state}" for text, state in pairs]
    blocks.append(Hint(text="Private notes are shown only to the person who wrote them."))
    return Message(text="\n".join(lines), blocks=blocks)
