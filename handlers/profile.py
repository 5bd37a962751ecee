"""`profile`: see and edit your own profile, and link your other platforms."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.router import Router
from bot.ui import Actions, Button, Fields, Form, Heading, Hint, Input, Message, Option
from store import members as store
from store.members import LINK_CODE_LIFETIME
from store.merge import link_by_code
from store.models import Member

router = Router()

PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "Terminal"}
MAX_SPECIALISMS = 12


@router.command("profile", summary="See your profile", example="profile")
async def show_profile(ctx: Context, args: str) -> None:
    if args.strip():
        ctx.reply("To change your profile, type profile edit. To link platforms, profile link.")
        return
    ctx.reply(profile_card(ctx.member))


@router.command("profile", "edit", summary="Change your name, job, specialisms or timezone")
async def edit_profile(ctx: Context, args: str) -> None:
    ctx.open_form(await profile_form(ctx))


@router.action("profile.edit")
async def edit_profile_button(ctx: Context, value: str) -> None:
    ctx.open_form(await profile_form(ctx))


@router.form("profile.edit")
async def save_profile(ctx: Context, submitted: FormSubmission) -> None:
    form = await profile_form(ctx)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    specialisms = _specialisms(values.get("specialisms") or "", errors)
    if values.get("timezone") and not _known_zone(values["timezone"]):
        errors["timezone"] = "I don't know that timezone. Try one like Europe/London."
    if ctx.errors_shown(form, submitted, errors):
        return
    member = ctx.member
    member.display_name = values["display_name"]
    member.job_title = values.get("job_title") or ""
    member.specialisms = specialisms
    member.timezone = values.get("timezone") or None
    member.institution_id = int(values["institution"]) if values.get("institution") else None
    member.department_id = await _department_id(ctx, member.institution_id, values)
    member.updated_at = ctx.now()
    await ctx.session.flush()
    await ctx.session.refresh(member, ["institution", "department"])
    ctx.reply(profile_card(member, saved=True))


@router.command(
    "profile", "link", summary="Use me on Slack and Teams as one person", example="profile link"
)
async def link_platforms(ctx: Context, args: str) -> None:
    code = args.strip()
    if not code:
        new_code = await store.new_link_code(ctx.session, ctx.member.id, ctx.now())
        minutes = int(LINK_CODE_LIFETIME.total_seconds() // 60)
        ctx.reply(
            f"Your link code is {new_code}. On your other platform, send me "
            f"“profile link {new_code}” within {minutes} minutes and I'll know it's you."
        )
        return
    identity = await store.identity_for(ctx.session, ctx.inbound.who)
    assert identity is not None  # the core made it before routing here
    outcome = await link_by_code(ctx.session, code, identity, ctx.now())
    if outcome is None:
        ctx.reply(
            "That code didn't work — it may have expired. Type profile link on your "
            "other platform for a new one."
        )
        return
    if outcome.conflicts:
        ctx.reply(
            "I haven't linked them yet: "
            + "; ".join(outcome.conflicts)
            + ". Nothing has changed. Sort that out on one of them (or ask a network "
            "champion to help), then use the same code again."
        )
        return
    if outcome.merged_id != outcome.survivor_id:
        await ctx.audit(
            "member.merge",
            target=outcome.survivor_id,
            subject=f"member:{outcome.merged_id}",
            detail={"moved": outcome.moved, "dropped": outcome.dropped},
        )
    survivor = await ctx.session.get(Member, outcome.survivor_id)
    assert survivor is not None
    ctx.reply(f"Linked! You're {survivor.display_name} here too.")


# --- what the member sees -------------------------------------------------------


def profile_card(member: Member, *, saved: bool = False) -> Message:
    pairs = [
        ("Name", member.display_name or "—"),
        ("Job title", member.job_title or "—"),
        ("Institution", member.institution.name if member.institution else "—"),
        ("Department", member.department.name if member.department else "—"),
        ("Specialisms", ", ".join(member.specialisms) or "—"),
        ("Timezone", member.timezone or "Europe/London (default)"),
    ]
    heading = "Profile saved" if saved else "Your profile"
    text = heading + "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    return Message(
        text=text,
        blocks=[
            Heading(text=heading),
            Fields(pairs=pairs),
            Actions(
                buttons=[Button(label="Edit profile", action_id="profile.edit", style="primary")]
            ),
            Hint(text="Only you can see this. Type profile link to join up Slack and Teams."),
        ],
    )


async def profile_form(ctx: Context) -> Form:
    member = ctx.member
    places = await store.institutions(ctx.session)
    return Form(
        form_id="profile.edit",
        title="Your profile",
        submit_label="Save",
        inputs=[
            Input(name="display_name", label="Name", initial=member.display_name, max_length=100),
            Input(
                name="job_title",
                label="Job title",
                required=False,
                initial=member.job_title or None,
                max_length=120,
                placeholder="e.g. Mass Spectrometry Technician",
            ),
            Input(
                name="institution",
                label="Institution",
                kind="select",
                required=False,
                options=[Option(label=p.name, value=str(p.id)) for p in places],
                initial=str(member.institution_id) if member.institution_id else None,
            ),
            Input(
                name="department",
                label="Department",
                required=False,
                max_length=120,
                initial=member.department.name if member.department else None,
            ),
            Input(
                name="specialisms",
                label="Specialisms",
                kind="long_text",
                required=False,
                initial=", ".join(member.specialisms) or None,
                max_length=600,
                hint="Separate them with commas, e.g. LC-MS, proteomics, health and safety",
            ),
            Input(
                name="timezone",
                label="Timezone",
                required=False,
                initial=member.timezone,
                placeholder="Europe/London",
                max_length=64,
            ),
        ],
    )


def _specialisms(raw: str, errors: dict[str, str]) -> list[str]:
    items = [" ".join(part.split()).lower() for part in raw.split(",")]
    items = list(dict.fromkeys(item for item in items if item))
    if len(items) > MAX_SPECIALISMS:
        errors["specialisms"] = f"Please list at most {MAX_SPECIALISMS} specialisms."
    elif any(len(item) > 60 for item in items):
        errors["specialisms"] = "Please keep each specialism under 60 characters."
    return items


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def _department_id(ctx: Context, institution_id: int | None, values: dict) -> int | None:
    name = values.get("department")
    if not (institution_id and name):
        return None
    department = await store.department_in(ctx.session, institution_id, name)
    if department is None:
        department = await store.add_department(ctx.session, institution_id, name)
    return department.id
