"""Mentoring schemes: everyone can list them; an admin sets one up; its coordinator
(or an admin) changes its settings.

A scheme has a coordinator, an application window, a default meeting cadence,
when the mid-point and end evaluations fall, how long a mentor has to answer a
request, whether mentees choose their own mentor (`mentor find`) or the
coordinator matches them, and when the meeting nudges flag a quiet pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from handlers.mentoring import schedule
from handlers.mentoring.common import (
    COORDINATORS_ONLY,
    STALE_BUTTON,
    as_id,
    is_coordinator_of,
    scheme_to_run,
    today,
    window_text,
)
from handlers.mentoring.router import router
from store.members import grant_role, member_by_reference, members_with_role
from store.mentoring import queries as store
from store.mentoring.models import Scheme

ADMINS_ONLY = (
    "Sorry, only a network admin can set up a new mentoring scheme. "
    "If you'd like one, please ask a network admin."
)
RESERVED_SHORT_NAMES = ("new", "edit", "csv")  # words the scheme commands read as verbs
MAX_COORDINATOR_OPTIONS = 100  # the most a Slack select offers


@dataclass(frozen=True)
class Number:
    """A whole-number setting of a scheme, with the range the form accepts."""

    name: str
    label: str
    low: int
    high: int
    hint: str | None = None

    def input(self, initial: int) -> Input:
        return Input(
            name=self.name,
            label=self.label,
            kind="number",
            min_value=self.low,
            max_value=self.high,
            initial=str(initial),
            hint=self.hint,
        )


WINDOW = (
    ("opens_on", "Applications open", "Leave empty to take applications now."),
    ("closes_on", "Applications close", "Leave empty to keep taking applications."),
)
TIMING = (
    Number("cadence_weeks", "Default meeting cadence (weeks between meetings)", 1, 12),
    Number("midpoint_months", "Mid-point evaluation after (months)", 1, 23),
    Number("length_months", "Length of a mentoring relationship (months)", 2, 24),
    Number("request_days", "Days a mentor has to answer a request", 1, 14),
)
NUDGES = (
    Number(
        "nudge_lead_days",
        "Nudge the mentee to book this many days before a meeting is due",
        1,
        28,
    ),
    Number("stall_missed_cycles", "Flag a quiet pair after this many missed meetings", 1, 6),
    Number(
        "stall_weeks",
        "…or after this many weeks without a meeting",
        2,
        52,
        hint="Flagged pairs are told to the coordinator privately.",
    ),
)


# --- everyone: the list ------------------------------------------------------------------


@router.command(
    "mentor",
    "schemes",
    summary="The network's mentoring schemes and who runs them",
    example="mentor schemes",
)
async def list_schemes(ctx: Context, args: str) -> None:
    schemes = await store.schemes(ctx.session)
    mine = {s.id for s in await store.schemes_of(ctx.session, ctx.member.id)}
    runs = {s.id for s in await store.coordinates(ctx.session, ctx.member.id)}
    names = await store.names_of(
        ctx.session, [s.coordinator_id for s in schemes if s.coordinator_id]
    )
    heading = "Mentoring schemes"
    blocks: list[Block] = [Heading(text=heading)]
    lines = [heading]
    for scheme in schemes:
        text = (
            f"{scheme.name} ({scheme.short_name})"
            + (" — you're in this one" if scheme.id in mine else "")
            + f"\nCoordinator: {names.get(scheme.coordinator_id or 0, 'not yet named')}"
            + f"\n{window_text(scheme, today(ctx))}. {how_matched(scheme)}"
        )
        edit = Button(label="Edit", action_id="mentor.scheme_edit", value=str(scheme.id))
        blocks.append(Section(text=text, button=edit if scheme.id in runs else None))
        lines.append(text)
    if not schemes:
        blocks.append(Section(text="There are no mentoring schemes yet."))
        lines.append("There are no mentoring schemes yet.")
    if ctx.has_role("admin"):
        hint = "Type mentor scheme new to set up another scheme."
    elif not mine and schemes:
        hint = "Type mentor profile edit to join the scheme that's taking applications."
    else:
        hint = "Ask a scheme's coordinator if you have questions about it."
    blocks.append(Hint(text=hint))
    ctx.reply(Message(text="\n".join([*lines, hint]), blocks=blocks))


def how_matched(scheme: Scheme) -> str:
    if scheme.self_select:
        return "Mentees choose their own mentor (mentor find)."
    return "The coordinator matches mentees with mentors."


# --- admins and coordinators: the form ---------------------------------------------------


@router.command(
    "mentor",
    "scheme",
    summary="Change your scheme's settings (coordinators), or set one up (admins: new)",
    example="mentor scheme edit cims",
    shown_to="coordinator",
)
async def scheme_command(ctx: Context, args: str) -> None:
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() == "new":
        if not ctx.has_role("admin"):
            ctx.reply(ADMINS_ONLY)
            return
        ctx.open_form(await scheme_form(ctx, None))
    elif verb.lower() == "edit":
        scheme = await scheme_to_run(ctx, rest)
        if scheme is not None:
            ctx.open_form(await scheme_form(ctx, scheme))
    else:
        ctx.reply(
            "Type mentor scheme edit and the scheme's short name to change its settings, "
            "e.g. mentor scheme edit cims"
            + (", or mentor scheme new to set one up" if ctx.has_role("admin") else "")
            + ". Type mentor schemes to see them all."
        )


@router.action("mentor.scheme_edit")
async def edit_button(ctx: Context, value: str) -> None:
    scheme = await _scheme_to_change(ctx, value)
    if scheme is not None:
        ctx.open_form(await scheme_form(ctx, scheme))


async def _scheme_to_change(ctx: Context, value: str) -> Scheme | None:
    """The scheme a button or form names, only if the asker may change it (checked here)."""
    scheme_id = as_id(value)
    scheme = await store.scheme(ctx.session, scheme_id) if scheme_id else None
    if scheme is None:
        ctx.reply(STALE_BUTTON)
        return None
    if not await is_coordinator_of(ctx, scheme.id):
        ctx.reply(COORDINATORS_ONLY)
        return None
    return scheme


async def scheme_form(ctx: Context, scheme: Scheme | None) -> Form:
    """The settings of `scheme`, or of a new scheme with the usual defaults."""

    def initial(name: str) -> Any:
        if scheme is not None:
            return getattr(scheme, name)
        default = Scheme.__table__.c[name].default  # the model's, for a new scheme
        return default.arg if default is not None else None

    def day(name: str) -> str | None:
        value = initial(name)
        return value.isoformat() if value else None

    coordinator_inputs = await _coordinator_inputs(ctx, scheme)
    return Form(
        form_id="mentor.scheme",
        title="Mentoring scheme" if scheme else "New mentoring scheme",
        intro=None if scheme else "You can change any of this later with mentor scheme edit.",
        state=str(scheme.id) if scheme else "new",
        inputs=[
            Input(name="name", label="Name", max_length=200, initial=initial("name")),
            Input(
                name="short_name",
                label="Short name",
                max_length=40,
                initial=initial("short_name"),
                hint="One word for commands, e.g. cims for mentor report cims.",
            ),
            *coordinator_inputs,
            *(
                Input(
                    name=name,
                    label=label,
                    kind="date",
                    required=False,
                    initial=day(name),
                    hint=hint,
                )
                for name, label, hint in WINDOW
            ),
            *(number.input(initial(number.name)) for number in TIMING),
            Input(
                name="self_select",
                label="Mentees choose their own mentor with mentor find "
                "(untick for the coordinator to match them)",
                kind="checkbox",
                required=False,
                initial=bool(initial("self_select")),
            ),
            *(number.input(initial(number.name)) for number in NUDGES),
        ],
    )


async def _coordinator_inputs(ctx: Context, scheme: Scheme | None) -> list[Input]:
    """A choice of members with the coordinator role; an admin may also name anyone."""
    current = scheme.coordinator_id if scheme else None
    choices = {m.id: m.display_name for m in await members_with_role(ctx.session, "coordinator")}
    if current is not None and current not in choices:
        choices.update(await store.names_of(ctx.session, [current]))
    options = [
        Option(label=name[:75], value=str(member_id))
        for member_id, name in list(choices.items())[:MAX_COORDINATOR_OPTIONS]
    ]
    inputs = []
    if options:
        inputs.append(
            Input(
                name="coordinator",
                label="Coordinator",
                kind="select",
                required=False,
                options=options,
                initial=str(current) if current else None,
            )
        )
    if ctx.has_role("admin"):
        inputs.append(
            Input(
                name="coordinator_other",
                label="…or name someone else as coordinator" if options else "Coordinator",
                required=False,
                max_length=200,
                hint="A handle, e-mail address or @mention. They'll be given the coordinator role.",
            )
        )
    return inputs


# --- saving --------------------------------------------------------------------------------


@router.form("mentor.scheme")
async def save(ctx: Context, submitted: FormSubmission) -> None:
    if submitted.state == "new":
        if not ctx.has_role("admin"):
            ctx.reply(ADMINS_ONLY)
            return
        scheme = None
    else:
        scheme = await _scheme_to_change(ctx, submitted.state)
        if scheme is None:
            return
    scheme_id = scheme.id if scheme else None
    form = await scheme_form(ctx, scheme)
    checked = check(form, submitted.fields)
    values, errors = checked.values, dict(checked.errors)
    coordinator_id = await _coordinator_chosen(ctx, values, errors, form)
    _check_settings(values, errors)
    await _check_names(ctx, values, errors, scheme_id)
    if ctx.errors_shown(form, submitted, errors):
        return
    before = scheme.coordinator_id if scheme else None
    scheme = scheme or Scheme(created_at=ctx.now())
    for name in ("name", "short_name", "opens_on", "closes_on", "self_select"):
        setattr(scheme, name, values[name])
    for number in (*TIMING, *NUDGES):
        setattr(scheme, number.name, values[number.name])
    scheme.coordinator_id = coordinator_id
    if not await store.saved_unless_taken(ctx.session, scheme):
        taken: dict[str, str] = {}  # by another scheme saved since the check above
        await _check_names(ctx, values, taken, scheme_id)
        ctx.errors_shown(form, submitted, taken or {"name": _taken("name", values["name"])})
        return
    if scheme_id is not None:
        await _reschedule_pairs(ctx, scheme)
    await ctx.audit(
        "scheme.change" if scheme_id else "scheme.create",
        subject=f"scheme:{scheme.id}",
        detail={"name": scheme.name},
    )
    await _welcome_coordinator(ctx, scheme, changed=coordinator_id != before)
    ctx.reply(await settings_message(ctx, scheme))


async def _reschedule_pairs(ctx: Context, scheme: Scheme) -> None:
    """New cadence, lead or evaluation timing: running pairs' due dates follow."""
    for relationship in await store.active_relationships_in(ctx.session, scheme.id):
        schedule.agreed(relationship, scheme)


async def _coordinator_chosen(
    ctx: Context, values: dict[str, Any], errors: dict[str, str], form: Form
) -> int | None:
    """The member named (admins) or chosen as coordinator; an error if neither."""
    named = values.get("coordinator_other")
    if named:
        member = await member_by_reference(ctx.session, named, ctx.inbound.who)
        if member is None:
            errors["coordinator_other"] = (
                f"I couldn't find exactly one member called “{named[:60]}”."
            )
            return None
        return member.id
    if values.get("coordinator"):
        return as_id(values["coordinator"])
    shown = {field.name for field in form.inputs}
    field = "coordinator" if "coordinator" in shown else "coordinator_other"
    errors.setdefault(field, "Please choose who coordinates this scheme.")
    return None


def _check_settings(values: dict[str, Any], errors: dict[str, str]) -> None:
    """What a single field can't see: whole numbers, and the settings against each other."""
    for number in (*TIMING, *NUDGES):
        if isinstance(values.get(number.name), float):
            errors.setdefault(number.name, "Please give a whole number.")
    short = values.get("short_name") or ""
    if short and not _good_short_name(short.lower()):
        errors["short_name"] = (
            "Please use one word of 2 to 40 letters, numbers or hyphens, e.g. cims."
        )
    elif short.lower() in RESERVED_SHORT_NAMES:
        errors["short_name"] = f"“{short}” is a command word — please choose another."
    opens, closes = values.get("opens_on"), values.get("closes_on")
    if opens and closes and closes < opens:
        errors.setdefault(
            "closes_on", f"Applications can't close before they open ({opens:%-d %B %Y})."
        )
    if any(n.name in errors for n in (*TIMING, *NUDGES)):
        return  # the rules below compare numbers that are all present and whole
    if values["midpoint_months"] >= values["length_months"]:
        errors["midpoint_months"] = (
            f"The mid-point should come before the end ({values['length_months']} months)."
        )
    cadence = values["cadence_weeks"]
    if values["nudge_lead_days"] >= cadence * 7:
        errors["nudge_lead_days"] = (
            f"Please make this less than the meeting cadence ({cadence * 7} days)."
        )
    if values["stall_weeks"] <= cadence:
        errors["stall_weeks"] = (
            f"Please allow more than the meeting cadence ({cadence} weeks), "
            "or pairs meeting on time would be flagged."
        )


async def _check_names(
    ctx: Context, values: dict[str, Any], errors: dict[str, str], scheme_id: int | None
) -> None:
    """Names are kept tidy (single spaces, the short name in lower case) and unique."""
    if errors.keys() & {"name", "short_name"}:
        return
    values["name"] = " ".join(values["name"].split())
    values["short_name"] = values["short_name"].lower()
    names = (values["name"], values["short_name"])
    for clash in await store.scheme_clashes(ctx.session, *names, scheme_id):
        errors[clash] = _taken(clash, values[clash])


def _good_short_name(short: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    return 2 <= len(short) <= 40 and set(short) <= allowed and short[0] != "-"


def _taken(field: str, value: str) -> str:
    what = "name" if field == "name" else "short name"
    return f"Another scheme already has the {what} “{value[:60]}” — please choose another."


async def _welcome_coordinator(ctx: Context, scheme: Scheme, *, changed: bool) -> None:
    """The coordinator holds the role (so help lists their commands); a new one gets a note."""
    coordinator_id = scheme.coordinator_id
    if coordinator_id is None:
        return
    await grant_role(ctx.session, coordinator_id, "coordinator", ctx.now(), by=ctx.member.id)
    if not changed or coordinator_id == ctx.member.id:
        return
    await ctx.notify(
        coordinator_id,
        f"{ctx.member.display_name} has made you the coordinator of the {scheme.name}. "
        f"Type mentor report {scheme.short_name} to see how it's going, or "
        f"mentor scheme edit {scheme.short_name} to change its settings.",
        key=f"mentor.coordinator:{scheme.id}:{coordinator_id}:{ctx.now().isoformat()}",
        kind="mentor",
    )


async def settings_message(ctx: Context, scheme: Scheme) -> Message:
    names = await store.names_of(ctx.session, [scheme.coordinator_id or 0])
    pairs = [
        ("Short name", scheme.short_name),
        ("Coordinator", names.get(scheme.coordinator_id or 0, "not yet named")),
        ("Applications", window_text(scheme, today(ctx))),
        ("Matching", how_matched(scheme)),
        ("Meetings", f"every {scheme.cadence_weeks} weeks"),
        (
            "Evaluations",
            f"mid-point at {scheme.midpoint_months} months, end at {scheme.length_months} months",
        ),
        ("Answering a request", f"{scheme.request_days} days"),
        (
            "Nudges",
            f"{scheme.nudge_lead_days} days ahead; quiet after {scheme.stall_missed_cycles} "
            f"missed meetings or {scheme.stall_weeks} weeks",
        ),
    ]
    heading = f"Saved: {scheme.name}"
    edit = Button(label="Edit again", action_id="mentor.scheme_edit", value=str(scheme.id))
    return Message(
        text="\n".join([heading, *(f"{k}: {v}" for k, v in pairs)]),
        blocks=[Heading(text=heading), Fields(pairs=pairs), Actions(buttons=[edit])],
    )
