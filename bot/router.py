"""The command router: words, button actions, forms and scheduled jobs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.inbound import FormSubmission

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Context
    from bot.runtime import Runtime
    from store.models import OutboxMessage

CommandHandler = Callable[["Context", str], Awaitable[None]]
ActionHandler = Callable[["Context", str], Awaitable[None]]
FormHandler = Callable[["Context", FormSubmission], Awaitable[None]]
JobRunner = Callable[["Runtime", datetime], Awaitable[int]]
# A feature's part of the member's dashboard: blocks, or nothing to show.
HomeSection = Callable[["Context"], Awaitable[list[Any]]]

ID_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+$")
# Top-level words every platform shares (DESIGN.md, "Commands").
TOP_LEVEL_WORDS = (
    "help",
    "home",
    "profile",
    "mentor",
    "event",
    "nominate",
    "pulse",
    "report",
    "privacy",
    "admin",
)


@dataclass(frozen=True)
class CommandRoute:
    word: str
    sub: str | None
    handler: CommandHandler
    role: str | None
    summary: str
    example: str
    # Listed in help only to members with this role (and admins), while the handler
    # checks access itself: "coordinator" for what a scheme's coordinator may do.
    shown_to: str | None = None

    @property
    def usage(self) -> str:
        return f"{self.word} {self.sub}" if self.sub else self.word

    def shown(self, roles: set[str]) -> bool:
        if self.role is not None and self.role not in roles:
            return False
        return self.shown_to is None or bool({self.shown_to, "admin"} & roles)


@dataclass(frozen=True)
class Route:
    """A button action or a form, by its `<feature>.<verb>` id."""

    id: str
    handler: Callable[..., Awaitable[None]]
    role: str | None
    # A form of anonymous answers: a failure is logged without who sent it (bot/core.py).
    anonymous: bool = False


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobRunner


@dataclass(frozen=True)
class FileBody:
    """A file a feature serves: its bytes and how a browser should take them."""

    data: bytes
    content_type: str
    filename: str
    charset: str | None = None
    inline: bool = False  # shown in the browser (a picture) rather than saved
    cache: str = "no-cache"  # Cache-Control: a file that follows changes is never cached


# Holds back a queued message at send time: a reason (the row is skipped), or None.
SendCheck = Callable[["AsyncSession", "OutboxMessage"], Awaitable[str | None]]
# Finds the file behind an unguessable token (None: no such file), in a read-only session.
FileFetcher = Callable[["AsyncSession", str, datetime], Awaitable[FileBody | None]]


@dataclass(frozen=True)
class Download:
    """Files a feature serves at GET `<prefix><token><suffix>` to whoever holds the link
    (the token is the permission). The web app factory mounts every one it is given."""

    prefix: str
    suffix: str
    fetch: FileFetcher

    @property
    def path(self) -> str:
        return f"{self.prefix}{{token}}{self.suffix}"


# What a feature holds about a member: exported as one section of `privacy export`,
# erased (or turned into an anonymous tombstone) by `privacy erase`.
PersonalExport = Callable[["AsyncSession", int], Awaitable[dict[str, Any]]]
PersonalErase = Callable[["Context", int], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    """A feature's part in data rights. `tables` names every table of the feature that
    refers to a member, so a test can check that no such table is forgotten."""

    section: str
    tables: tuple[str, ...]
    export: PersonalExport
    erase: PersonalErase


@dataclass
class Router:
    commands: dict[tuple[str, str | None], CommandRoute] = field(default_factory=dict)
    actions: dict[str, Route] = field(default_factory=dict)
    forms: dict[str, Route] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    home_sections: list[tuple[int, HomeSection]] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    send_checks: list[SendCheck] = field(default_factory=list)
    personal_data: list[PersonalData] = field(default_factory=list)

    # --- registration -------------------------------------------------------

    def command(
        self,
        word: str,
        sub: str | None = None,
        *,
        summary: str,
        example: str = "",
        role: str | None = None,
        shown_to: str | None = None,
    ) -> Callable[[CommandHandler], CommandHandler]:
        """`role` is enforced before the handler runs; `shown_to` only hides the command
        from help for members without that role (the handler decides who may use it)."""

        def register(handler: CommandHandler) -> CommandHandler:
            key = (word, sub)
            if key in self.commands:
                raise ValueError(f"command {word} {sub or ''} registered twice")
            self.commands[key] = CommandRoute(
                word,
                sub,
                handler,
                role,
                summary,
                example or f"{word} {sub or ''}".strip(),
                shown_to,
            )
            return handler

        return register

    def action(
        self, action_id: str, *, role: str | None = None
    ) -> Callable[[ActionHandler], ActionHandler]:
        return self._by_id(self.actions, action_id, role)

    def form(
        self, form_id: str, *, role: str | None = None, anonymous: bool = False
    ) -> Callable[[FormHandler], FormHandler]:
        """`anonymous=True` for a form of anonymous answers (DESIGN.md, "Anonymity")."""
        return self._by_id(self.forms, form_id, role, anonymous)

    def job(self, name: str, *, every: timedelta) -> Callable[[JobRunner], JobRunner]:
        def register(run: JobRunner) -> JobRunner:
            self.jobs[name] = Job(name, every, run)
            return run

        return register

    def home_section(self, order: int) -> Callable[[HomeSection], HomeSection]:
        """Contribute to the dashboard; lower `order` shows first."""

        def register(section: HomeSection) -> HomeSection:
            self.home_sections.append((order, section))
            return section

        return register

    def send_check(self, check: SendCheck) -> SendCheck:
        """Hold back this feature's queued messages at send time when no longer true
        (decorator): `async def check(session, row) -> reason | None`."""
        self.send_checks.append(check)
        return check

    def download(self, prefix: str, suffix: str = "") -> Callable[[FileFetcher], FileFetcher]:
        """Serve files at GET `<prefix><token><suffix>`, found by the decorated function."""

        def register(fetch: FileFetcher) -> FileFetcher:
            self.downloads.append(Download(prefix, suffix, fetch))
            return fetch

        return register

    def holds_personal_data(self, data: PersonalData) -> None:
        """Take part in `privacy export` and `privacy erase` (bot/data_rights.py)."""
        self.personal_data.append(data)

    def _by_id(
        self, table: dict[str, Route], id_: str, role: str | None, anonymous: bool = False
    ) -> Callable[[Any], Any]:
        if not ID_PATTERN.match(id_):
            raise ValueError(f"ids are <feature>.<verb>, not {id_!r}")

        def register(handler: Any) -> Any:
            if id_ in table:
                raise ValueError(f"{id_} registered twice")
            table[id_] = Route(id_, handler, role, anonymous)
            return handler

        return register

    def include(self, other: Router) -> None:
        for table, more in (
            (self.commands, other.commands),
            (self.actions, other.actions),
            (self.forms, other.forms),
            (self.jobs, other.jobs),
        ):
            clash = table.keys() & more.keys()
            if clash:
                raise ValueError(f"registered twice: {sorted(map(str, clash))}")
            table.update(more)  # type: ignore[arg-type]
        self.home_sections.extend(other.home_sections)
        paths = {d.path for d in self.downloads} & {d.path for d in other.downloads}
        if paths:
            raise ValueError(f"downloads registered twice: {sorted(paths)}")
        self.downloads.extend(other.downloads)
        self.send_checks.extend(other.send_checks)
        self.personal_data.extend(other.personal_data)

    # --- lookup ---------------------------------------------------------------

    def resolve(self, text: str) -> tuple[CommandRoute, str] | None:
        """The route for a typed command and the rest of the text as its arguments."""
        words = normalise_command(text).split(maxsplit=2)
        if not words:
            return None
        word = words[0].lower()
        if len(words) > 1:
            sub = words[1].lower()
            route = self.commands.get((word, sub))
            if route is not None:
                return route, words[2] if len(words) > 2 else ""
            helper = self.commands.get(("help", None))
            if sub == "help" and helper is not None and word != "help":
                return helper, word  # `mentor help` is `help mentor`
        route = self.commands.get((word, None))
        helper = self.commands.get(("help", None))
        if route is None and helper is not None and any(w == word for w, _ in self.commands):
            return helper, word  # `admin` alone: what `admin …` can do
        if route is None:
            return None
        return route, " ".join(words[1:])

    def nearest(self, text: str, roles: set[str]) -> str | None:
        """The command a mistyped one most likely meant, among those `help` shows them."""
        typed = " ".join(normalise_command(text).lower().split()[:2])
        open_to_them = self.visible_to(roles)
        usages = sorted({route.usage for route in open_to_them})
        words = sorted({route.word for route in open_to_them})
        for candidates, probe in ((usages, typed), (words, typed.split(" ")[0])):
            match = difflib.get_close_matches(probe, candidates, n=1, cutoff=0.6)
            if match:
                return match[0]
        return None

    def visible_to(self, roles: set[str]) -> list[CommandRoute]:
        return [route for route in self.commands.values() if route.shown(roles)]


# "@Benchmate mentor find": Teams strips its own mention; typed words carry it.
_LEADING_MENTION = re.compile(r"^@benchmate\b[\s:,]*", re.IGNORECASE)


def normalise_command(text: str) -> str:
    """`/mentor  find`, `@Benchmate mentor find` and `mentor find` are the same command."""
    return " ".join(_LEADING_MENTION.sub("", text.strip()).lstrip("/").split())
