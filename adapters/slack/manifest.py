"""`benchmate slack manifest`: the app manifest to create the Slack app from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.settings import Settings

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

# Each bot scope, and what in this adapter needs it. Nothing more: Slack shows
# admins this list at install time.
SCOPE_USES = {
    "commands": "slash commands and global shortcuts",
    "chat:write": "replies, ephemeral notes, DMs and channel posts (chat.post*)",
    "im:write": "opening a DM for a proactive message (conversations.open)",
    "im:history": "DMs to the bot as commands (message.im); the outbox's restart check in DMs",
    "channels:history": "the outbox's restart check in public channels (conversations.history)",
    "groups:history": "the outbox's restart check in private channels (conversations.history)",
    "app_mentions:read": "@Benchmate in a channel (app_mention)",
    "users:read": "name and time zone on first sight (users.info)",
    "users:read.email": "email on first sight, to join one person's Slack and Teams (users.info)",
}
BOT_SCOPES = list(SCOPE_USES)
BOT_EVENTS = ["app_home_opened", "app_mention", "message.im"]
# With OAuth installs, so an uninstalled workspace's token is dropped.
INSTALL_EVENTS = ["app_uninstalled", "tokens_revoked"]
# (slash command, description, usage hint)
COMMANDS = [
    ("/mentor", "Find a mentor, or manage your mentoring", "find [specialism] | status | help"),
    ("/event", "Hub events: list, RSVP, announce", "list | new | help"),
    (
        "/nominate",
        "Award nominations: nominate a colleague, review, run a drive",
        "[drive] | review | new | shortlist | export | close | report",
    ),
    ("/pulse", "Pulse surveys of the network", "[open surveys] | new | results | export"),
    ("/report", "Impact report for leads and admins", "[FROM TO] [institution NAME]"),
    ("/benchmate", "Help, your profile, privacy and admin", "help | profile | privacy | admin"),
]
# (name, callback id, the command it runs, description)
SHORTCUTS = [
    ("Find a mentor", "benchmate_mentor_find", "mentor find", "Suggest mentors for you"),
    ("Edit my profile", "benchmate_profile_edit", "profile edit", "Change your Benchmate profile"),
]


# should_escape: Slack sends @someone as <@U123>, which the core resolves to a member.


def manifest(settings: Settings, name: str = "Benchmate") -> dict[str, Any]:
    url = settings.public_url + EVENTS_PATH
    socket_mode = bool(settings.slack_app_token)
    commands = [
        {"command": command, "description": about, "usage_hint": hint, "should_escape": True}
        for command, about, hint in COMMANDS
    ]
    if not socket_mode:
        for command in commands:
            command["url"] = url
    settings_part: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings_part["event_subscriptions"]["request_url"] = url
        settings_part["interactivity"]["request_url"] = url
    oauth: dict[str, Any] = {"scopes": {"bot": BOT_SCOPES}}
    if settings.slack_client_id:
        oauth["redirect_urls"] = [settings.public_url + REDIRECT_PATH]
        settings_part["event_subscriptions"]["bot_events"] += INSTALL_EVENTS
    return {
        "display_information": {
            "name": name,
            "description": "Mentoring, events, awards and pulse surveys for technician networks.",
            "background_color": "#2c5d63",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
            "shortcuts": [
                {"name": label, "type": "global", "callback_id": callback, "description": about}
                for label, callback, _, about in SHORTCUTS
            ],
        },
        "oauth_config": oauth,
        "settings": settings_part,
    }


def add_cli(subparsers: Any) -> None:
    slack = subparsers.add_parser("slack", help="Slack app set-up").add_subparsers()
    command = slack.add_parser("manifest", help="print the Slack app manifest (JSON)")
    command.add_argument("--name", default="Benchmate", help="the app's name in Slack")
    command.set_defaults(run=_print_manifest)


def _print_manifest(args: argparse.Namespace, settings: Settings) -> int:
    print(json.dumps(manifest(settings, args.name), indent=2))
    return 0
