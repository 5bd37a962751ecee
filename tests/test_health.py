from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.root import create_app, create_runtime
from bot.runtime import Runtime
from tests.conftest import UNREACHABLE, settings_for


async def get_health(runtime: Runtime) -> tuple[int, dict]:
    async with TestClient(TestServer(create_app(runtime))) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


async def test_healthy_when_the_database_answers(runtime: Runtime) -> None:
    assert await get_health(runtime) == (200, {"status": "ok", "database": "ok"})


async def test_503_when_the_database_is_unreachable() -> None:
    runtime = create_runtime(settings_for(UNREACHABLE))
    try:
        status, _ = await get_health(runtime)
    finally:
        await runtime.close()
    assert status == 503
