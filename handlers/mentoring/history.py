"""`mentor history`: every relationship, closed ones too, and the mentee's own record.

Technicians need their mentoring as evidence of development (RSciTech, RSci, CSci
registration): the objectives, meetings, what was achieved and when. Each of the pair
can open the record of a relationship, whatever its status; it downloads as a text file
under an unguessable link. Private notes are the writer's own and are included only in
the writer's copy.
"""

from __future__ import annotations

from bot import files
from bot.context import Context
from bot.ui import Actions, Button, Fields, Heading, Hint, Message, Section
from handlers.mentoring.common import as_id, partner_of, role_in
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import EXIT_REASONS, Relationship

STATES = {"open": "open", "progressed": "progressed", "achieved": "achieved"}


@router.command(
    "mentor",
    "history",
    summary="Your mentoring relationships, past ones too, and your record to download",
)
async def history(ctx: Context, args: str) -> None:
    every = await store.relationships_of(ctx.session, ctx.member.id, active_only=False)
    if not every:
        ctx.reply("You have no mentoring relationships yet, past or present.")
        return
    blocks: list = [Heading(text="Your mentoring history")]
    lines = ["Your mentoring history"]
    for relationship in every:
        line = await _summary(ctx, relationship)
        lines.append(line)
        blocks.append(
            Section(
                text=line,
                button=Button(
                    label="Your record", action_id="mentor.record", value=str(relationship.id)
                ),
            )
        )
    blocks.append(Hint(text="Only the two of you can open a relationship's record."))
    ctx.reply(Message(text="\n".join(lines), blocks=blocks))


async def _summary(ctx: Context, relationship: Relationship) -> str:
    partner = await partner_of(ctx, relationship)
    other = "mentee" if role_in(relationship, ctx.member.id) == "mentor" else "mentor"
    since = f"{ctx.local(relationship.started_at):%-d %B %Y}"
    if relationship.status == "active":
        return f"{partner.display_name}, your {other} since {since} (ongoing)"
    until = f"{ctx.local(relationship.closed_at):%-d %B %Y}" if relationship.closed_at else "—"
    return f"{partner.display_name}, your {other}, {since} to {until}"


@router.action("mentor.record")
async def record(ctx: Context, value: str) -> None:
    relationship_id = as_id(value)
    relationship = (
        await store.relationship_for(ctx.session, relationship_id, ctx.member.id)
        if relationship_id is not None
        else None
    )
    if relationship is None:
        ctx.reply("I can't find that relationship among yours. Type mentor history to see them.")
        return
    text = await record_text(ctx, relationship)
    partner = await partner_of(ctx, relationship)
    published = await files.publish(
        ctx.session,
        public_url=ctx.settings.public_url,
        now=ctx.now(),
        data=text.encode("utf-8"),
        filename=f"mentoring-record-{partner.display_name}.txt",
        content_type="text/plain",
        owner_id=ctx.member.id,
    )
    objectives = await store.objectives_of(ctx.session, relationship.id)
    logged = await store.meetings_of(ctx.session, relationship.id)
    pairs = [
        ("Objectives", str(len(objectives))),
        ("Achieved", str(sum(o.state == "achieved" for o in objectives))),
        ("Meetings held", str(sum(m.happened for m in logged))),
    ]
    heading = f"Your mentoring record: {await _summary(ctx, relationship)}"
    ctx.reply(
        Message(
            text=f"{heading}\n{published.url}",
            blocks=[
                Heading(text="Your mentoring record"),
                Section(text=await _summary(ctx, relationship)),
                Fields(pairs=pairs),
                Actions(
                    buttons=[
                        Button(label="Download", action_id="mentor.download", url=published.url)
                    ]
                ),
                Hint(
                    text=f"The link works until {ctx.local(published.expires_at):%-d %B %Y}; "
                    "press Your record again for a fresh one."
                ),
            ],
        )
    )


async def record_text(ctx: Context, relationship: Relationship) -> str:
    """The record as evidence: who, when, the agreement, objectives and meetings."""
    partner = await partner_of(ctx, relationship)
    role = role_in(relationship, ctx.member.id)
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    objectives = await store.objectives_of(ctx.session, relationship.id)
    logged = await store.meetings_of(ctx.session, relationship.id)
    notes = await store.notes_by(ctx.session, ctx.member.id, [m.id for m in logged])
    by_id = {o.id: o.text for o in objectives}

    def day(moment: object) -> str:
        return f"{ctx.local(moment):%-d %B %Y}" if moment else "—"  # type: ignore[arg-type]

    lines = [
        "Mentoring record",
        "================",
        f"{ctx.member.display_name} ({role}) with {partner.display_name} "
        f"({'mentee' if role == 'mentor' else 'mentor'})",
        f"Scheme: {scheme.name if scheme else '—'}",
        f"Started: {day(relationship.started_at)}",
        f"Ended: {day(relationship.closed_at)}"
        + (
            f" ({EXIT_REASONS.get(relationship.exit_reason or '', relationship.exit_reason)})"
            if relationship.closed_at
            else " (ongoing)"
        ),
        "",
        "Agreement",
        "---------",
        f"Agreed: {day(relationship.agreed_at)}",
        f"How often: {relationship.agreed_cadence or '—'}",
        f"Format: {relationship.agreed_format or '—'}",
        "",
        "Objectives",
        "----------",
    ]
    lines += [
        f"- {o.text} — {STATES.get(o.state, o.state)}"
        + (f" (updated {day(o.updated_at)})" if o.state != "open" else "")
        for o in objectives
    ] or ["(none recorded)"]
    lines += ["", "Meetings", "--------"]
    for meeting in logged:
        line = f"- {meeting.held_on:%-d %B %Y}: " + ("met" if meeting.happened else "didn't happen")
        reviewed = [by_id[i] for i in meeting.objectives_reviewed or [] if i in by_id]
        if reviewed:
            line += "; progress on: " + "; ".join(reviewed)
        lines.append(line)
        lines += [f"  My note: {note}" for note in notes.get(meeting.id, [])]
    if not logged:
        lines.append("(none logged)")
    lines += ["", f"Exported from Benchmate on {day(ctx.now())}."]
    return "\n".join(lines) + "\n"
