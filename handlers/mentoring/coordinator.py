"""For a scheme's coordinator (or an admin): the batch match and the scheme report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import (
    Actions,
    Block,
    Button,
    Fields,
    Form,
    Heading,
    Hint,
    Input,
    Message,
    Option,
    Section,
)
from handlers.mentoring import evaluations
from handlers.mentoring.common import (
    COORDINATORS_ONLY,
    STALE_BUTTON,
    as_id,
    is_coordinator_of,
    scheme_to_run,
    today,
)
from handlers.mentoring.matching import Score, about_the_mentee, assign, score, score_matrix
from handlers.mentoring.requests import notify_mentor, why_not
from handlers.mentoring.router import router
from handlers.mentoring.suggest import seeker_for
from store.mentoring import queries as store
from store.mentoring.models import EXIT_REASONS, MatchDraft, MentorRequest, Scheme

# --- the batch match -------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    pairs: list[tuple[int, int]]
    unmatched: list[int]


async def batch_match(session: AsyncSession, scheme_id: int, day: date) -> Plan:
    """Optimal pairs for every waiting mentee, with `find`'s score and exclusions."""
    mentees = await store.mentees_with_profiles(
        session, await store.waiting_mentees(session, scheme_id)
    )
    mentors = sorted(
        await store.mentor_rows(session, await store.open_mentor_ids(session, scheme_id, day)),
        key=lambda m: m.member_id,
    )
    if not mentees or not mentors:
        return Plan([], [member.id for member, _ in mentees])
    seekers = [seeker_for(member, profile) for member, profile in mentees]
    banned = (
        await store.pairs_ever(session)
        | await store.asked_pairs(session, scheme_id)
        | await store.dont_pair_pairs(session)
    )
    import numpy as np  # loaded on first use, as in matching.py

    column = {m.member_id: j for j, m in enumerate(mentors)}
    forbidden = np.zeros((len(seekers), len(mentors)), dtype=bool)
    for i, seeker in enumerate(seekers):
        if seeker.member_id in column:
            forbidden[i, column[seeker.member_id]] = True
    for i, seeker in enumerate(seekers):
        for mentee_id, mentor_id in banned:
            if mentee_id == seeker.member_id and mentor_id in column:
                forbidden[i, column[mentor_id]] = True
    chosen = assign(score_matrix(seekers, mentors), [m.open_places for m in mentors], forbidden)
    pairs = [(seekers[i].member_id, mentors[j].member_id) for i, j in chosen]
    matched = {mentee for mentee, _ in pairs}
    return Plan(pairs, [s.member_id for s in seekers if s.member_id not in matched])


async def pair_scores(session: AsyncSession, pairs: list[tuple[int, int]]) -> list[Score]:
    mentees = {
        member.id: seeker_for(member, profile)
        for member, profile in await store.mentees_with_profiles(
            session, [mentee for mentee, _ in pairs]
        )
    }
    mentors = {m.member_id: m for m in await store.mentor_rows(session, [b for _, b in pairs])}
    return [score(mentees[a], mentors[b]) for a, b in pairs]


@router.command(
    "mentor",
    "match",
    summary="Match everyone waiting in your scheme (coordinators)",
    example="mentor match cims",
    shown_to="coordinator",
)
async def match(ctx: Context, args: str) -> None:
    scheme = await scheme_to_run(ctx, args)
    if scheme is None:
        return
    plan = await batch_match(ctx.session, scheme.id, today(ctx))
    if not plan.pairs:
        ctx.reply(
            f"Nobody in the {scheme.name} is waiting for a mentor who can be matched just now."
            + (
                f" {len(plan.unmatched)} waiting, but no suitable mentor has room."
                if plan.unmatched
                else ""
            )
        )
        return
    draft = MatchDraft(
        scheme_id=scheme.id,
        created_by=ctx.member.id,
        pairs=[list(pair) for pair in plan.pairs],
        status="draft",
        created_at=ctx.now(),
    )
    ctx.session.add(draft)
    await ctx.session.flush()
    ctx.reply(await draft_message(ctx, draft, plan.unmatched))


async def draft_message(ctx: Context, draft: MatchDraft, unmatched: list[int] = ()) -> Message:  # type: ignore[assignment]
    pairs = [(int(a), int(b)) for a, b in draft.pairs]
    names = await store.names_of(ctx.session, [p for pair in pairs for p in pair] + list(unmatched))
    scores = await pair_scores(ctx.session, pairs)
    heading = f"Draft match: {len(pairs)} pair{'s' if len(pairs) != 1 else ''}"
    blocks: list[Block] = [Heading(text=heading)]
    lines = [heading]
    for number, ((mentee, mentor), result) in enumerate(zip(pairs, scores, strict=True), 1):
        text = (
            f"{number}. {names[mentee]} with mentor {names[mentor]} ({result.points} points)\n"
            f"Why: {'; '.join(about_the_mentee(result.reasons))}"
        )
        lines.append(text)
        blocks.append(
            Section(
                text=text,
                button=Button(
                    label="Drop", action_id="mentor.match_drop", value=f"{draft.id}:{number}"
                ),
            )
        )
    if unmatched:
        left = ", ".join(names[m] for m in unmatched)
        blocks.append(Hint(text=f"Still waiting (no suitable mentor with room): {left}"))
        lines.append(f"Still waiting: {left}")
    value = str(draft.id)
    blocks.append(
        Actions(
            buttons=[
                Button(
                    label="Approve and send requests",
                    action_id="mentor.match_approve",
                    value=value,
                    style="primary",
                ),
                Button(label="Swap two mentors", action_id="mentor.match_swap", value=value),
            ]
        )
    )
    return Message(text="\n".join(lines), blocks=blocks)


async def _own_draft(ctx: Context, value: str) -> MatchDraft | None:
    draft_id = as_id(value.split(":")[0])
    draft = await ctx.session.get(MatchDraft, draft_id) if draft_id else None
    if draft is None:
        ctx.reply(STALE_BUTTON)
        return None
    if not await is_coordinator_of(ctx, draft.scheme_id):
        ctx.reply(COORDINATORS_ONLY)
        return None
    if draft.status != "draft":
        ctx.reply("That draft has already been approved. Type mentor match for a new one.")
        return None
    return draft


@router.action("mentor.match_drop")
async def drop(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    number = as_id(value.partition(":")[2])  # the pair's number as shown, from 1
    if draft is None:
        return
    if number is None or number > len(draft.pairs):
        ctx.reply(STALE_BUTTON)
        return
    draft.pairs = [pair for n, pair in enumerate(draft.pairs, start=1) if n != number]
    ctx.update(await draft_message(ctx, draft))


def swap_form(draft: MatchDraft, names: dict[int, str]) -> Form:
    options = [
        Option(label=f"{n}. {names[a]} with {names[b]}", value=str(n - 1))
        for n, (a, b) in enumerate(draft.pairs, 1)
    ]
    return Form(
        form_id="mentor.match_swap",
        title="Swap two mentors",
        state=str(draft.id),
        submit_label="Swap",
        inputs=[
            Input(name="first", label="First pair", kind="select", options=options),
            Input(name="second", label="Second pair", kind="select", options=options),
        ],
    )


@router.action("mentor.match_swap")
async def swap_button(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is not None:
        names = await store.names_of(ctx.session, [p for pair in draft.pairs for p in pair])
        ctx.open_form(swap_form(draft, names))


@router.form("mentor.match_swap")
async def swap(ctx: Context, submitted: FormSubmission) -> None:
    draft = await _own_draft(ctx, submitted.state)
    if draft is None:
        return
    names = await store.names_of(ctx.session, [p for pair in draft.pairs for p in pair])
    form = swap_form(draft, names)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    first, second = (int(checked.values.get(k) or 0) for k in ("first", "second"))
    if not errors and first == second:
        errors["second"] = "Please choose two different pairs."
    if ctx.errors_shown(form, submitted, errors):
        return
    pairs = [list(pair) for pair in draft.pairs]
    pairs[first][1], pairs[second][1] = pairs[second][1], pairs[first][1]
    banned = (
        await store.pairs_ever(ctx.session)
        | await store.asked_pairs(ctx.session, draft.scheme_id)
        | await store.dont_pair_pairs(ctx.session)
    )
    if any((a, b) in banned or a == b for a, b in (pairs[first], pairs[second])):
        ctx.reply(
            "Those two can't be swapped: one of the new pairs has been paired or asked before, "
            "or one of them asked not to be paired with the other."
        )
        return
    draft.pairs = pairs
    ctx.reply(await draft_message(ctx, draft))


@router.action("mentor.match_approve")
async def approve(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    if not await store.approve_draft(ctx.session, draft.id):
        ctx.reply("That draft has already been approved.")
        return
    scheme = await store.scheme(ctx.session, draft.scheme_id)
    assert scheme is not None
    sent, skipped = 0, 0
    now = ctx.now()
    for mentee_id, mentor_id in draft.pairs:
        if await why_not(ctx.session, scheme, mentee_id, mentor_id, today(ctx)):
            skipped += 1
            continue
        request = MentorRequest(
            scheme_id=scheme.id,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            status="pending",
            message="",
            via_match=True,
            created_at=now,
            expires_at=now + timedelta(days=scheme.request_days),
        )
        if not await store.create_request(ctx.session, request):
            skipped += 1
            continue
        await notify_mentor(ctx, request, scheme)
        names = await store.names_of(ctx.session, [mentor_id])
        await ctx.notify(
            mentee_id,
            f"The {scheme.name} coordinator has suggested {names[mentor_id]} as your mentor. "
            "I've asked them to confirm, and I'll let you know as soon as they answer.",
            key=f"mentor.matched:{request.id}",
            kind="mentor",
        )
        sent += 1
    note = f" {skipped} skipped because things changed since the draft." if skipped else ""
    ctx.update(f"Approved: {sent} request{'s' if sent != 1 else ''} sent.{note}")


# --- the report ----------------------------------------------------------------------


@router.command(
    "mentor",
    "report",
    summary="Your scheme's pairs, meetings and evaluations (coordinators)",
    example="mentor report cims",
    shown_to="coordinator",
)
async def report(ctx: Context, args: str) -> None:
    words = args.split()
    as_csv = bool(words) and words[-1].lower() == "csv"
    scheme = await scheme_to_run(ctx, " ".join(words[:-1] if as_csv else words))
    if scheme is None:
        return
    ctx.reply(await (csv_message(ctx, scheme) if as_csv else report_message(ctx, scheme)))


@router.action("mentor.report_csv")
async def report_csv(ctx: Context, value: str) -> None:
    scheme_id = as_id(value)
    scheme = await store.scheme(ctx.session, scheme_id) if scheme_id else None
    if scheme is None or not await is_coordinator_of(ctx, scheme.id):
        ctx.reply(COORDINATORS_ONLY)
        return
    ctx.reply(await csv_message(ctx, scheme))


async def report_message(ctx: Context, scheme: Scheme) -> Message:
    lines_ = await store.pair_lines(ctx.session, scheme.id)
    requests = await store.request_counts(ctx.session, scheme.id)
    returns = await store.returns_by_stage(ctx.session, scheme.id)
    active = [p for p in lines_ if p.status == "active"]
    # The same rule as the nudges' digest: missed cycles or weeks without a meeting.
    stalled = [p for p in active if p.stalled]
    closed = [p for p in lines_ if p.status == "closed"]
    pairs = [
        ("Active pairs", str(len(active))),
        ("Closed pairs", str(len(closed))),
        ("Meetings logged", str(sum(p.meetings for p in lines_))),
        ("Requests", ", ".join(f"{k} {v}" for k, v in sorted(requests.items())) or "none"),
        (
            "Evaluations returned",
            f"mid-point {returns.get('midpoint', 0)}, end {returns.get('end', 0)}",
        ),
        ("Waiting for a mentor", str(len(await store.waiting_mentees(ctx.session, scheme.id)))),
    ]
    heading = f"{scheme.name}: report"
    blocks: list[Block] = [Heading(text=heading), Fields(pairs=pairs)]
    lines = [heading, *(f"{k}: {v}" for k, v in pairs)]
    if stalled:
        text = "Stalled (no meeting for a while): " + "; ".join(
            f"{p.mentee} with {p.mentor}" for p in stalled
        )
        blocks.append(Section(text=text))
        lines.append(text)
    reasons = [EXIT_REASONS.get(p.exit_reason or "", "—") for p in closed]
    if reasons:
        text = "Exit reasons: " + ", ".join(f"{r} {reasons.count(r)}" for r in sorted(set(reasons)))
        blocks.append(Section(text=text))
        lines.append(text)
    summary = evaluations.summary(
        await store.evaluation_responses(ctx.session, scheme.id),
        await store.returns_by_round(ctx.session, scheme.id),
        ctx.now(),
    )
    if summary:
        blocks.append(Section(text="\n".join(summary)))
        lines += summary
    declines = await store.decline_reasons(ctx.session, scheme.id)
    if declines:
        text = "Decline reasons (private to you): " + " | ".join(declines)
        blocks.append(Section(text=text))
        lines.append(text)
    blocks.append(
        Actions(
            buttons=[
                Button(label="Export CSV", action_id="mentor.report_csv", value=str(scheme.id))
            ]
        )
    )
    return Message(text="\n".join(lines), blocks=blocks)


async def csv_message(ctx: Context, scheme: Scheme) -> Message:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["mentor", "mentee", "status", "started", "meetings", "last_meeting", "exit_reason"]
    )
    for p in await store.pair_lines(ctx.session, scheme.id):
        writer.writerow(
            [
                _cell(p.mentor),
                _cell(p.mentee),
                p.status,
                ctx.local(p.started).date().isoformat(),
                p.meetings,
                p.last_meeting_on.isoformat() if p.last_meeting_on else "",
                p.exit_reason or "",
            ]
        )
    body = out.getvalue()
    return Message(
        text=f"{scheme.short_name}-pairs.csv\n{body}",
        blocks=[Heading(text=f"{scheme.short_name}-pairs.csv"), Section(text=body)],
    )


def _cell(value: str) -> str:
    """Names that a spreadsheet would run as a formula are written inert."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
