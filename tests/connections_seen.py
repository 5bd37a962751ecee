"""Which TCP connection each request to a local fake came in on: kept connections show
that a client reuses its HTTP session instead of opening one per message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Connections:
    seen: list[Any] = field(default_factory=list)  # the server's transport, per request

    def note(self, request: web.Request) -> None:
        self.seen.append(request.transport)

    def distinct(self) -> list[Any]:
        """The connections, in the order they were first used."""
        return list({id(transport): transport for transport in self.seen}.values())

    @property
    def last(self) -> Any:
        return self.seen[-1]
