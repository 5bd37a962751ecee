"""`mentor profile`: say whether you mentor, want a mentor or both, and what you offer."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Actions, Button, Fields, Form, Heading, Hint, Input, Message, Option
from handlers.mentoring import find
from handlers.mentoring.common import FIND_NEXT, today
from handlers.mentoring.matching import WEIGHTS
from handlers.mentoring.router import router
from store.members import member_by_reference
from store.mentoring import queries as store
from store.mentoring.models import FORMATS, REGISTRATIONS, ROLES, STAGES, MentoringProfile

MAX_ITEMS = 12
ROLE_LABELS = {"mentor": "Mentor", "mentee": "Mentee", "both": "Both mentor and mentee"}


@router.command("mentor", "profile", summary="See your mentoring profile", example="mentor profile")
async def show(ctx: Context, args: str) -> None:
    if args.strip().lower() == "edit":
        ctx.open_form(await profile_form(ctx))
        return
    profile = await store.profile_of(ctx.session, ctx.member.id)
    if profile is None:
        ctx.reply(
            Message(
                text="You have no mentoring profile yet. Type mentor profile edit to make one.",
                blocks=[
                    Heading(text="Mentoring"),
                    Fields(pairs=[("Profile", "Not set up yet")]),
                    Actions(buttons=[_edit_button("Set up my mentoring profile")]),
                ],
            )
        )
        return
    ctx.reply(await profile_card(ctx, profile))


@router.action("mentor.profile")
async def edit_button(ctx: Context, value: str) -> None:
    ctx.open_form(await profile_form(ctx, state=FIND_NEXT if value == FIND_NEXT else ""))


@router.form("mentor.profile")
async def save(ctx: Context, submitted: FormSubmission) -> None:
    form = await profile_form(ctx, state=submitted.state)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    specialisms = _items(values.get("specialisms"), "specialisms", errors)
    equipment = _items(values.get("equipment"), "equipment", errors)
    dont_pair = await _dont_pair(ctx, values.get("dont_pair"), errors)
    if values.get("role") in ("mentor", "both") and not values.get("capacity"):
        errors["capacity"] = "As a mentor, how many mentees could you take? 1 is fine."
        form = await profile_form(ctx, state=submitted.state, as_role=values["role"])
    if ctx.errors_shown(form, submitted, errors):
        return
    fields: dict[str, Any] = {
        "role": values["role"],
        "specialisms": specialisms,
        "equipment": equipment,
        "career_stage": values.get("career_stage"),
        "registration_held": values.get("registration_held") or [],
        "registration_sought": values.get("registration_sought") or [],
        "offer": values.get("offer") or "",
        "looking_for": values.get("looking_for") or "",
        "format": values.get("format") or "either",
        "capacity": int(values.get("capacity") or 0) if values["role"] != "mentee" else 0,
        "paused_until": values.get("paused_until"),
        "prefer_other_institution": bool(values.get("prefer_other_institution")),
    }
    profile = await store.save_profile(
        ctx.session, ctx.member.id, fields, dont_pair, ctx.now(), WEIGHTS
    )
    joined = await _join_open_scheme(ctx)
    ctx.reply(await profile_card(ctx, profile, saved=True, joined=joined))
    if submitted.state == FIND_NEXT and profile.role != "mentor":
        await find.show(ctx, find.Search([]))


async def _join_open_scheme(ctx: Context) -> str | None:
    """Saving a profile joins the open scheme (the first, if several are open)."""
    if await store.schemes_of(ctx.session, ctx.member.id):
        return None
    open_now = await store.open_schemes(ctx.session, today(ctx))
    if not open_now:
        return "No mentoring scheme is taking applications just now; I'll keep your profile."
    await store.join_scheme(ctx.session, open_now[0].id, ctx.member.id, ctx.now())
    return f"You've joined the {open_now[0].name}."


async def profile_card(
    ctx: Context, profile: MentoringProfile, *, saved: bool = False, joined: str | None = None
) -> Message:
    avoid = await store.names_of(ctx.session, await store.dont_pair_of(ctx.session, ctx.member.id))
    pairs = [
        ("Role", ROLE_LABELS.get(profile.role, profile.role)),
        ("Specialisms", ", ".join(profile.specialisms) or "—"),
        ("Equipment and facilities", ", ".join(profile.equipment) or "—"),
        ("Career stage", (profile.career_stage or "—").capitalize()),
        ("Registration held", ", ".join(profile.registration_held) or "—"),
        ("Registration sought", ", ".join(profile.registration_sought) or "—"),
        ("Preferred format", profile.format),
        ("Prefer another institution", "Yes" if profile.prefer_other_institution else "No"),
    ]
    if profile.role != "mentee":
        pairs += [
            ("I can offer", profile.offer or "—"),
            ("Mentees I can take", f"{profile.capacity} ({profile.open_places} free)"),
            ("Paused until", profile.paused_until.isoformat() if profile.paused_until else "—"),
        ]
    if profile.role != "mentor":
        pairs.append(("I'm looking for", profile.looking_for or "—"))
    pairs.append(("Please don't pair me with", ", ".join(sorted(avoid.values())) or "—"))
    heading = "Mentoring profile saved" if saved else "Your mentoring profile"
    lines = [heading, *([joined] if joined else []), *(f"{k}: {v}" for k, v in pairs)]
    blocks: list = [Heading(text=heading)]
    if joined:
        blocks.append(Hint(text=joined))
    buttons = [_edit_button("Edit")]
    if profile.role != "mentor":
        buttons.append(Button(label="Find a mentor", action_id="mentor.find", value="0|0|"))
    blocks += [
        Fields(pairs=pairs),
        Actions(buttons=buttons),
        Hint(text="Only you can see your don't-pair list. Others see your name, job and offer."),
    ]
    return Message(text="\n".join(lines), blocks=blocks)


def _edit_button(label: str) -> Button:
    return Button(label=label, action_id="mentor.profile", style="primary")


async def profile_form(ctx: Context, state: str = "", as_role: str | None = None) -> Form:
    """The questions for the role they hold (or are joining as); everything for both."""
    profile = await store.profile_of(ctx.session, ctx.member.id)
    avoid = await store.names_of(ctx.session, await store.dont_pair_of(ctx.session, ctx.member.id))
    specialisms = profile.specialisms if profile else ctx.member.specialisms
    role = as_role or (profile.role if profile else ("mentee" if state == FIND_NEXT else "both"))

    def initial(name: str, default: Any = None) -> Any:
        return getattr(profile, name) if profile is not None else default

    def options(values: tuple[str, ...]) -> list[Option]:
        return [Option(label=v[0].upper() + v[1:], value=v) for v in values]

    inputs = _inputs(role, initial, options, specialisms, avoid)
    return Form(
        form_id="mentor.profile",
        title="Mentoring profile",
        intro=(
            "Tell me what you'd like from a mentor, and I'll suggest people who fit."
            if role == "mentee"
            else "Mentors needn't be senior: what matters is experience others can learn from."
        ),
        state=state,
        inputs=[i for i in inputs if i.name not in ONLY_FOR.get(role, ())],
    )


# Questions that don't apply to someone in one role only.
ONLY_FOR = {
    "mentee": ("offer", "capacity", "paused_until", "registration_held"),
    "mentor": ("looking_for", "registration_sought"),
}


def _inputs(
    role: str,
    initial: Any,
    options: Any,
    specialisms: list[str] | None,
    avoid: dict[int, str],
) -> list[Input]:
    return [
        Input(
            name="role",
            label="I'd like to be",
            kind="select",
            options=[Option(label=ROLE_LABELS[r], value=r) for r in ROLES],
            initial=initial("role", "mentee"),
        ),
        Input(
            name="specialisms",
            label="Specialisms and techniques",
            kind="long_text",
            required=False,
            max_length=600,
            initial=", ".join(specialisms or []) or None,
            hint="Separate with commas, e.g. LC-MS, sample preparation",
        ),
        Input(
            name="equipment",
            label="Equipment and facilities",
            kind="long_text",
            required=False,
            max_length=600,
            initial=", ".join(initial("equipment", [])) or None,
        ),
        Input(
            name="career_stage",
            label="Career stage",
            kind="select",
            required=False,
            options=options(STAGES),
            initial=initial("career_stage"),
        ),
        Input(
            name="registration_held",
            label="Professional registration held",
            kind="multi_select",
            required=False,
            options=options(REGISTRATIONS),
            initial=initial("registration_held", []),
        ),
        Input(
            name="registration_sought",
            label="Professional registration I'm working towards",
            kind="multi_select",
            required=False,
            options=options(REGISTRATIONS),
            initial=initial("registration_sought", []),
        ),
        Input(
            name="offer",
            label="What I can offer" + (" (as a mentor)" if role == "both" else ""),
            kind="long_text",
            required=False,
            max_length=1000,
            initial=initial("offer") or None,
        ),
        Input(
            name="looking_for",
            label="What I'm looking for" + (" (as a mentee)" if role == "both" else ""),
            kind="long_text",
            required=False,
            max_length=1000,
            initial=initial("looking_for") or None,
        ),
        Input(
            name="format",
            label="Preferred format",
            kind="select",
            options=options(FORMATS),
            initial=initial("format", "either"),
        ),
        Input(
            name="capacity",
            label="How many mentees I can take",
            kind="number",
            required=False,
            min_value=0,
            max_value=5,
            initial=str(initial("capacity")) if initial("capacity") else None,
        ),
        Input(
            name="paused_until",
            label="Pause new mentees until",
            kind="date",
            required=False,
            initial=p.isoformat() if (p := initial("paused_until")) else None,
        ),
        Input(
            name="prefer_other_institution",
            label="Prefer a match at another institution",
            kind="checkbox",
            required=False,
            initial=initial("prefer_other_institution", True),
        ),
        Input(
            name="dont_pair",
            label="Please don't pair me with",
            required=False,
            max_length=400,
            initial=", ".join(sorted(avoid.values())) or None,
            hint="Private. Names, e-mail addresses or @mentions, separated by commas.",
        ),
    ]


def _items(raw: str | None, name: str, errors: dict[str, str]) -> list[str]:
    items = [" ".join(part.split()) for part in (raw or "").split(",")]
    unique = list({item.lower(): item for item in items if item}.values())
    if len(unique) > MAX_ITEMS:
        errors[name] = f"Please list at most {MAX_ITEMS}."
    elif any(len(item) > 80 for item in unique):
        errors[name] = "Please keep each one under 80 characters."
    return unique


async def _dont_pair(ctx: Context, raw: str | None, errors: dict[str, str]) -> list[int]:
    found: list[int] = []
    for reference in (part.strip() for part in (raw or "").split(",")):
        if not reference:
            continue
        member = await member_by_reference(ctx.session, reference, ctx.inbound.who)
        if member is None:
            errors["dont_pair"] = f"I couldn't find exactly one member called “{reference[:60]}”."
            return []
        if member.id != ctx.member.id:
            found.append(member.id)
    return found
