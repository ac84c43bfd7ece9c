"""The dashboard and the plan pages in the web app, with a fixed clock; the pure parts too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gocoach.reports.activity import ExerciseStats, ModuleReadiness, ReviewStats
from gocoach.reports.dashboard import build_dashboard, streak
from gocoach.store.settings import load_settings
from gocoach.web.app import create_app

EN = {"Accept-Language": "en"}


@dataclass
class Web:
    """A test client and the clock the app reads."""

    client: TestClient
    now: datetime

    def at(self, day: str) -> None:
        """Move the clock to noon UTC of a day."""
        self.now = datetime.fromisoformat(f"{day}T12:00:00+00:00")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    app = create_app(load_settings(data_dir=tmp_path / "web"))
    with TestClient(app) as client:
        state = Web(client, datetime(2026, 11, 18, 12, tzinfo=UTC))
        app.state.clock = lambda: state.now
        yield state


def test_dashboard_without_activity(web: Web) -> None:
    page = web.client.get("/", headers=EN)
    assert page.status_code == 200
    assert "No plan yet" in page.text and 'href="/plan"' in page.text
    assert "No items marked yet." in page.text and "No review cards yet." in page.text
    assert 'data-chart="burnup"' not in page.text
    assert ">0</p><p>days in a row" in page.text.replace("\n", "")
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert web.client.get(src).status_code == 200
    assert "https://" not in page.text


def test_plan_today_and_dashboard_over_simulated_days(web: Web) -> None:
    created = web.client.post("/plan", data={"roadmap": ["backend-16-weeks"],
                                             "start": "2026-11-02", "hours": ""}, headers=EN)
    assert created.status_code == 200 and "2026-11-02 → 2027-02-21" in created.text
    for day, minutes in (("2026-11-16", "60"), ("2026-11-17", "90"), ("2026-11-18", "120")):
        web.at(day)
        web.client.post("/time", data={"minutes": minutes})
    today = web.client.get("/today", headers=EN)
    assert "Week 3 of 16" in today.text and "Веб-скрапер с concurrent обработкой" in today.text
    assert "Late (30)" in today.text
    assert "the plan will end on 2027-03-07 instead of 2027-02-21" in today.text
    key = re.search(r'hx-post="/plan/items/backend-16-weeks/(\w+)"', today.text)
    assert key
    row = web.client.post(f"/plan/items/backend-16-weeks/{key.group(1)}",
                          data={"status": "done"}, headers=EN)
    assert 'class="item s-done"' in row.text
    board = web.client.get("/", headers=EN)
    assert "4 h 30 min logged of 52 h 30 min planned up to the end of this week." in board.text
    found = re.search(r'id="chart-data">(.*?)</script>', board.text, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["burnup"]["planned"][:3] == [17.5, 35.0, 52.5]
    assert data["burnup"]["logged"][:4] == [0.0, 0.0, 4.5, None]
    assert "<td>3</td><td>52 h 30 min</td><td>4 h 30 min</td>" in board.text
    assert re.search(r'id="streak">.*?<p class="big">3</p>', board.text, re.S)
    assert "1% · 1/198" in board.text  # the roadmap counts its criteria and milestones too
    assert "Неделя 3: Базовые Go навыки" in board.text and "Nov 22, 2026 · 1/41" in board.text
    applied = web.client.post("/plan/replan", headers=EN)
    assert "2026-11-02 → 2027-03-07" in applied.text and 'id="replan"' not in applied.text
    calendar = web.client.get("/plan/calendar.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text.startswith("BEGIN:VCALENDAR")


def test_plan_pages_without_a_plan_and_bad_input(web: Web) -> None:
    assert web.client.get("/today", follow_redirects=False).headers["location"] == "/plan"
    form = web.client.get("/plan", headers=EN)
    assert "No plan yet" in form.text and 'name="roadmap" value="go-mastery"' in form.text
    bad = web.client.post("/plan", data={"roadmap": ["backend-16-weeks"], "start": "soon"})
    assert bad.status_code == 400 and "«soon» — не дата" in bad.text
    assert web.client.get("/milestones").status_code == 404


def test_time_log_page(web: Web) -> None:
    web.client.post("/plan", data={"roadmap": ["senior-3-months"], "start": "2026-11-16"})
    web.client.post("/time", data={"minutes": "45", "note": "Проблема: гонка в тесте"})
    page = web.client.get("/time", headers=EN)
    assert "<td>1</td><td>2026-11-16 – 2026-11-22</td><td>10 h</td><td>45 min</td><td>8%</td>" \
        in page.text
    assert "Проблема: гонка в тесте" in page.text
    assert web.client.post("/time", data={"minutes": "0"}).status_code == 400


def test_streak_counts_back_from_today_or_yesterday() -> None:
    today = date(2026, 11, 18)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak(days, today) == 3
    assert streak(days | {today}, today) == 4
    assert streak({today - timedelta(days=2)}, today) == 0


def test_review_forecast_and_readiness_come_from_the_stats() -> None:
    today = date(2026, 11, 18)
    reviews = ReviewStats(
        available=True, due_now=4,
        forecast=tuple((today + timedelta(days=n), n) for n in range(-1, 20)),
        readiness=(ModuleReadiness("Go Core", 0.9, 40), ModuleReadiness("Concurrency", 0.4, 12)),
        review_days=frozenset({today, today - timedelta(days=1)}))
    board = build_dashboard(today=today, roadmaps=[], state=None, minutes={},
                            active_days={today, today - timedelta(days=1)}, reviews=reviews,
                            exercises=ExerciseStats())
    assert [n for _, n in board.forecast] == list(range(14))
    assert [m.name for m in board.readiness] == ["Concurrency", "Go Core"]
    assert board.streak == 2 and board.pace is None and board.burnup == ()
