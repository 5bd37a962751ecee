"""adapters/teams/connectors.py: one Bot Connector client per service URL, not per turn."""

from __future__ import annotations

from botframework.connector.auth import ClaimsIdentity

from adapters.teams.connectors import Authentication
from adapters.teams.endpoint import Credentials


async def test_a_service_url_keeps_its_connector_client_across_turns() -> None:
    authentication = Authentication(Credentials(None, None, "MultiTenant", None))
    caller = ClaimsIdentity({}, True)
    one_turn = authentication.create_connector_factory(caller)
    next_turn = authentication.create_connector_factory(caller)
    first = await one_turn.create("https://smba.example/emea/", "https://api.botframework.com")
    again = await next_turn.create("https://smba.example/emea/", "https://api.botframework.com")
    elsewhere = await next_turn.create("https://smba.example/amer/", "https://api.botframework.com")
    assert first is again
    assert elsewhere is not first
