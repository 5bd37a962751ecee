"""`benchmate teams package --out FILE.zip`: the Teams app package to upload or publish."""

from __future__ import annotations

import argparse
import io
import json
import logging
import uuid
import zipfile
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from bot.settings import Settings

log = logging.getLogger("benchmate.teams")

MANIFEST_VERSION = "1.17"
SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
# Stable, so re-packaging without an app id still updates the same sideloaded app.
PLACEHOLDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://benchmate.invalid/teams-app"))
ACCENT = "#1F6F5C"
COLOUR_BG = (31, 111, 92, 255)
WHITE = (255, 255, 255, 255)
FALLBACK_SITE = "https://github.com/"

# Teams allows at most 10 commands per list; titles up to 32, descriptions up to 128.
COMMANDS = (
    ("help", "Show what I can do for you"),
    ("home", "Your dashboard: what needs you now"),
    ("profile", "See or edit your profile"),
    ("mentor find", "Suggest mentors for you"),
    ("mentor status", "Your mentoring at a glance"),
    ("event list", "Upcoming network events"),
    ("nominate", "Nominate a colleague for an award"),
    ("pulse", "Pulse surveys open to you"),
    ("privacy", "What I keep about you, and your choices"),
    ("report", "Impact report, for institutional leads and admins"),
)
SHARED_COMMANDS = ("help", "mentor find", "event list", "nominate", "pulse")


def manifest(settings: Settings) -> dict[str, Any]:
    app_id = (settings.microsoft_app_id or "").strip()
    if not app_id:
        log.warning(
            "MICROSOFT_APP_ID is not set: the package uses the placeholder id %s. "
            "Set it to your Azure bot's app id before uploading to Teams.",
            PLACEHOLDER_ID,
        )
        app_id = PLACEHOLDER_ID
    site = settings.public_url if settings.public_url.startswith("https://") else FALLBACK_SITE
    if site == FALLBACK_SITE:
        log.warning("BENCHMATE_PUBLIC_URL is not https: Teams needs https links in the manifest.")
    host = urlsplit(settings.public_url).hostname
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": "1.0.0",
        "id": app_id,
        "developer": {
            "name": "Benchmate",
            "websiteUrl": site,
            "privacyUrl": site,
            "termsOfUseUrl": site,
        },
        "name": {"short": "Benchmate", "full": "Benchmate for technician networks"},
        "description": {
            "short": "Mentoring, events, awards and pulse surveys for technicians",
            "full": (
                "Benchmate helps a network of university and research technicians: find a "
                "mentor across institutions, get nudges for mentoring meetings, hear about hub "
                "events and RSVP, nominate colleagues for awards, and answer short anonymous "
                "pulse surveys. Type help to start."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(COMMANDS)},
                    {
                        "scopes": ["team", "groupChat"],
                        "commands": _commands(c for c in COMMANDS if c[0] in SHARED_COMMANDS),
                    },
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


def _commands(pairs: Any) -> list[dict[str, str]]:
    return [{"title": title, "description": about} for title, about in pairs]


def colour_icon() -> bytes:
    """192×192, full colour: a white workbench on the accent colour."""
    image = Image.new("RGBA", (192, 192), COLOUR_BG)
    _bench(ImageDraw.Draw(image), scale=6, fill=WHITE)
    return _png(image)


def outline_icon() -> bytes:
    """32×32, white on transparent, as Teams requires for the outline icon."""
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    _bench(ImageDraw.Draw(image), scale=1, fill=WHITE)
    return _png(image)


def _bench(draw: ImageDraw.ImageDraw, scale: int, fill: tuple[int, ...]) -> None:
    """A bench top with two legs and a flask on it, drawn on a 32-unit grid."""
    box = [(4, 17, 28, 20), (6, 20, 9, 28), (23, 20, 26, 28), (14, 6, 18, 11), (12, 11, 20, 16)]
    for left, top, right, bottom in box:
        draw.rectangle(
            (left * scale, top * scale, right * scale - 1, bottom * scale - 1), fill=fill
        )


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def build_package(settings: Settings) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(settings), indent=2))
        package.writestr("color.png", colour_icon())
        package.writestr("outline.png", outline_icon())
    return out.getvalue()


def add_package_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    teams = subparsers.add_parser("teams", help="Microsoft Teams").add_subparsers()
    package = teams.add_parser("package", help="write the Teams app package (manifest, icons)")
    package.add_argument("--out", default="benchmate-teams.zip", help="the .zip to write")
    package.set_defaults(run=_write_package)


def _write_package(args: argparse.Namespace, settings: Settings) -> int:
    with open(args.out, "wb") as out:
        out.write(build_package(settings))
    print(
        f"Wrote the Teams app package to {args.out}. Upload it in Teams: Apps → Manage your "
        "apps → Upload an app."
    )
    return 0
