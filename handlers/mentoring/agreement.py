"""`mentor agreement`: the mentoring agreement and objectives, which either of the pair can edit."""

from __future__ import annotations

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Button, Form, Input, Option
from handlers.mentoring import schedule
from handlers.mentoring.common import (
    card,
    for_relationship,
    own_active_relationship,
    partner_of,
)
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import FORMATS, Relationship

MAX_OBJECTIVES = 8
CADENCES = ("every 2 weeks", "every 4 weeks", "every 6 weeks", "every 8 weeks")
DEFAULT_CONFIDENTIALITY = "What we discuss stays between us unless we both agree otherwise."


@for_relationship(
    "agreement",
    "mentor.agreement",
    "write the agreement for",
    summary="Fill in or edit your mentoring agreement and objectives",
)
async def agreement(ctx: Context, relationship: Relationship) -> None:
    ctx.open_form(await agreement_form(ctx, relationship))


async def agreement_form(ctx: Context, relationship: Relationship) -> Form:
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    objectives = await store.objectives_of(ctx.session, relationship.id)
    cadence = relationship.agreed_cadence or f"every {scheme.cadence_weeks if scheme else 4} weeks"
    return Form(
        form_id="mentor.agreement",
        title="Mentoring agreement",
        intro="Agree these together, ideally at your first meeting. Either of you can edit them.",
        state=str(relationship.id),
        inputs=[
            Input(
                name="objectives",
                label="Objectives (one per line)",
                kind="long_text",
                max_length=2000,
                initial="\n".join(o.text for o in objectives) or None,
                hint="What the mentee wants to achieve, e.g. Submit my RSciTech application",
            ),
            Input(
                name="cadence",
                label="How often we meet",
                kind="select",
                options=[Option(label=c, value=c) for c in dict.fromkeys([*CADENCES, cadence])],
                initial=cadence,
            ),
            Input(
                name="format",
                label="Format",
                kind="select",
                options=[Option(label=f, value=f) for f in FORMATS],
                initial=relationship.agreed_format or "either",
            ),
            Input(
                name="confidentiality",
                label="Confidentiality",
                kind="long_text",
                max_length=1000,
                initial=relationship.confidentiality or DEFAULT_CONFIDENTIALITY,
            ),
            Input(
                name="months",
                label="Expected length (months)",
                kind="number",
                min_value=1,
                max_value=24,
                initial=str(
                    relationship.expected_months or (scheme.length_months if scheme else 9)
                ),
            ),
        ],
    )


@router.form("mentor.agreement")
async def save(ctx: Context, submitted: FormSubmission) -> None:
    relationship = await own_active_relationship(ctx, submitted.state)
    if relationship is None:
        return
    form = await agreement_form(ctx, relationship)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    objectives = [
        " ".join(line.lstrip("-•*0123456789.) ").split())
        for line in (checked.values.get("objectives") or "").splitlines()
    ]
    objectives = list(dict.fromkeys(o for o in objectives if o))
    if "objectives" not in errors and not objectives:
        errors["objectives"] = "Please add at least one objective — one per line."
    elif len(objectives) > MAX_OBJECTIVES:
        errors["objectives"] = f"Please keep to {MAX_OBJECTIVES} objectives or fewer."
    elif any(len(o) > 300 for o in objectives):
        errors["objectives"] = "Please keep each objective under 300 characters."
    if ctx.errors_shown(form, submitted, errors):
        return
    values = checked.values
    first_time = relationship.agreed_at is None
    relationship.agreed_cadence = values["cadence"]
    relationship.agreed_format = values["format"]
    relationship.confidentiality = values["confidentiality"]
    relationship.expected_months = int(values["months"])
    relationship.agreed_at = ctx.now()
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    if scheme is not None:
        schedule.agreed(relationship, scheme)
    await store.replace_objectives(ctx.session, relationship.id, objectives, ctx.now())
    partner = await partner_of(ctx, relationship)
    verb = "filled in" if first_time else "updated"
    count = f"{len(objectives)} objective{'s' if len(objectives) != 1 else ''}"
    value = str(relationship.id)
    await ctx.notify(
        partner.id,
        card(
            f"{ctx.member.display_name} {verb} your mentoring agreement ({count}).",
            Button(label="See the agreement", action_id="mentor.agreement", value=value),
        ),
        key=f"mentor.agreement:{relationship.id}:{ctx.now().isoformat()}",
        kind="mentor",
    )
    ctx.reply(
        card(
            f"Agreement saved with {count}. I've let {partner.display_name} know. "
            "After each meeting, log it here.",
            Button(label="Log a meeting", action_id="mentor.log", value=value),
        )
    )
