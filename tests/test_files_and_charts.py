"""Published files are served by their unguessable link until they expire; charts are
real PNGs with alt text that states the figures."""

from __future__ import annotations

import io
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot import charts, files
from bot.clock import FixedClock
from bot.root import create_app, create_runtime
from bot.runtime import Runtime
from tests.conftest import UNREACHABLE, settings_for


async def _publish(runtime: Runtime, data: bytes, name: str, content_type: str, **kw) -> str:
    async with runtime.sessions.begin() as session:
        published = await files.publish(
            session,
            public_url=runtime.settings.public_url,
            now=runtime.clock.now(),
            data=data,
            filename=name,
            content_type=content_type,
            **kw,
        )
    assert published.url.startswith(runtime.settings.public_url + "/files/")
    return published.url.removeprefix(runtime.settings.public_url)


async def test_a_published_file_is_served_by_its_link_until_it_expires(
    runtime: Runtime, clock: FixedClock
) -> None:
    path = await _publish(
        runtime, b"a,b\n1,2\n", "Report 2026/27 <draft>.csv", files.CSV, lifetime=timedelta(hours=1)
    )
    assert path.endswith("/Report-2026-27-draft-.csv")
    async with TestClient(TestServer(create_app(runtime))) as client:
        response = await client.get(path)
        assert response.status == 200
        assert await response.read() == b"a,b\n1,2\n"
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"].startswith("attachment;")

        token = path.split("/")[2]
        wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert (await client.get(f"/files/{wrong}/x.csv")).status == 404
        assert (await client.get("/files/short/x.csv")).status == 404

        clock.advance(timedelta(hours=1, seconds=1))
        assert (await client.get(path)).status == 404


async def test_file_links_answer_503_when_the_database_is_away() -> None:
    runtime = create_runtime(settings_for(UNREACHABLE))
    try:
        async with TestClient(TestServer(create_app(runtime))) as client:
            response = await client.get("/files/" + "A" * 43 + "/chart.png")
            assert response.status == 503
    finally:
        await runtime.close()


def _opened(chart: charts.Chart) -> Image.Image:
    image = Image.open(io.BytesIO(chart.png))
    image.load()
    return image


def test_charts_are_pngs_whose_alt_text_states_the_figures() -> None:
    question = "How supported do you feel?"
    bars = charts.bar_chart(question, ["1", "2", "3", "4", "5"], [0, 2, 5, 9, 4])
    assert _opened(bars).format == "PNG"
    assert _opened(bars).size == (640, 360)
    assert bars.alt == "Bar chart: How supported do you feel?. 1 0, 2 2, 3 5, 4 9, 5 4"

    grouped = charts.grouped_bar_chart(
        "Attendance", ["Keele", "Derby"], {"This year": [120, 80], "Last year": [90, 85.5]}
    )
    assert _opened(grouped).format == "PNG"
    assert "Last year: Keele 90, Derby 85.5" in grouped.alt

    trend = charts.line_chart("Trend", ["Round 1", "Round 2", "Round 3"], {"Mean": [3.2, None, 4]})
    assert _opened(trend).format == "PNG"
    assert trend.alt.endswith("Mean: Round 1 3.2, Round 2 no data, Round 3 4")
