"""A typed mock interview in real Chromium with the browser's clock under the test's control:
the question clock and the session countdown tick, run out, and stop once the answer is in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gocoach.questions.bank import load_track
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.web import routes_interviews
from gocoach.web.app import create_app
from servers import chromium, free_port, serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"


@pytest.fixture
def base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(routes_interviews, "similarity_function", lambda: None)
    port = free_port()
    app = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False, port=port))
    with serving(app, port) as url:
        with transaction(app.state.database.sessions) as session:
            load_track(session, TRACK, now=datetime.now(UTC))
        yield url


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(locale="ru-RU").new_page()


def seconds(clock_text: str) -> int:
    minutes, secs = clock_text.split(":")
    return int(minutes) * 60 + int(secs)


def test_interview_clocks_tick_run_out_and_stop(page: Any, base_url: str) -> None:
    page.clock.install()
    page.goto(f"{base_url}/interviews")
    page.get_by_label("15").check()
    page.get_by_role("button", name="Начать").click()
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    question_clock, session_clock = page.locator(".q-clock"), page.locator(".s-clock")
    assert question_clock.inner_text() == "0:00"
    assert 14 * 60 + 55 <= seconds(session_clock.inner_text()) <= 15 * 60

    page.clock.run_for("01:05")
    assert seconds(question_clock.inner_text()) in (65, 66)
    assert 13 * 60 + 50 <= seconds(session_clock.inner_text()) <= 13 * 60 + 55
    assert "over" not in (page.locator(".timer").get_attribute("class") or "")

    page.clock.run_for("15:00")
    assert session_clock.inner_text() == "0:00"
    assert "over" in (page.locator(".timer").get_attribute("class") or "")

    # The answer stops the question clock at the time the server measured.
    page.locator("textarea[name=text]").fill(
        "Горутина — легковесный поток, которым управляет планировщик Go."
    )
    page.get_by_role("button", name="Ответить", exact=True).click()
    page.wait_for_selector(".your-answer")
    stopped = page.locator(".timer").get_attribute("data-stopped")
    assert stopped is not None
    shown = question_clock.inner_text()
    page.clock.run_for("02:00")
    assert question_clock.inner_text() == shown
