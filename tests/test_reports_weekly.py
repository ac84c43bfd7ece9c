"""Weekly reports: drafted from a simulated week, edited, kept as written, exported."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gocoach.plans.plan import PlanState
from gocoach.plans.timelog import log_time
from gocoach.reports.activity import ExerciseInfo, ExerciseStats
from gocoach.reports.weekly import (
    draft_report,
    ensure_drafts,
    list_reports,
    report_markdown,
    save_report,
)
from gocoach.store.settings import load_settings
from gocoach.store.tables import User
from gocoach.web.app import create_app
from plan_fixtures import MONDAY, at, make_plan, mark, reload

DAY = timedelta(days=1)
WeekOne = tuple[PlanState, ExerciseStats]
CALC = "Написать CLI калькулятор с основными операциями"


@pytest.fixture
def week_one(session: Session, user: User) -> WeekOne:
    """A plan whose first week had two topics, the assignment, notes, time and an exercise."""
    state = make_plan(session, user, "backend-16-weeks")
    items = state.week(1).items
    calc = next(i for i in items if i.title == CALC)
    mark(session, user, items[:2], MONDAY + DAY)
    mark(session, user, [calc], MONDAY + 3 * DAY, evidence=["https://github.com/me/calc"],
         note="Проблема: деление на ноль\nРешение: проверять делитель")
    log_time(session, user=user, minutes=120, source="manual", day=MONDAY + 2 * DAY,
             now=at(MONDAY), note="#problem GOPATH confusion")
    log_time(session, user=user, minutes=30, source="manual", day=MONDAY + 4 * DAY,
             now=at(MONDAY), note="Solution: modules only")
    exercises = ExerciseStats(available=True, exercises=(
        ExerciseInfo("calc", "Калькулятор", (calc.key,), passed_at=at(MONDAY + 3 * DAY),
                     link="https://coach.local/exercises/calc"),
        ExerciseInfo("later", "Later one", (calc.key,), passed_at=at(MONDAY + 9 * DAY)),
    ))
    return reload(session, user, state), exercises


def test_draft_is_filled_from_the_weeks_activity(session: Session, user: User,
                                                 week_one: WeekOne) -> None:
    state, exercises = week_one
    report = draft_report(session, user=user, state=state, week=1, today=MONDAY + 7 * DAY,
                          now=at(MONDAY + 7 * DAY), exercises=exercises)
    s = report.sections
    assert s["studied"] == ("- Установка Go (последняя стабильная версия)\n"
                            "- Настройка GOPATH и GOROOT")
    assert s["practice"] == (f"- {CALC}\n- Калькулятор — https://coach.local/exercises/calc")
    assert s["code"] == "- https://github.com/me/calc\n- https://coach.local/exercises/calc"
    assert s["problems"] == (
        f"- **Проблема:** деление на ноль ({CALC})\n  **Решение:** проверять делитель\n"
        "- **Проблема:** GOPATH confusion\n  **Решение:** modules only")
    next_lines = s["next"].splitlines()
    assert next_lines[0] == "- Объявление и инициализация массивов"
    assert next_lines[-1] == "- Обработка ошибок (error type) (перенесено с этой недели)"
    assert len(next_lines) == 14 + 13
    assert s["summary"] == "" and s["figures"] == "2.5 17.5 3 16"  # values, worded later
    assert "2 ч 30 мин из 17 ч 30 мин · 3/16 пунктов недели закрыто" in report_markdown(
        report, state)
    assert "2 h 30 min of 17 h 30 min · 3/16 items of the week closed" in report_markdown(
        report, state, "en")


def test_reports_are_kept_as_written_and_edits_are_saved(session: Session, user: User,
                                                         week_one: WeekOne) -> None:
    state, exercises = week_one
    later = MONDAY + 8 * DAY
    first = draft_report(session, user=user, state=state, week=1, today=later, now=at(later),
                         exercises=exercises)
    mark(session, user, state.week(1).items[2:5], MONDAY + 5 * DAY)  # late marks of week 1
    again = draft_report(session, user=user, state=reload(session, user, state), week=1,
                         today=later, now=at(later), exercises=exercises)
    assert again.id == first.id and "Переменные" not in again.sections["studied"]
    save_report(session, user=user, state=state, week=1, today=later, now=at(later),
                sections={"studied": "- Установка Go\r\n- GOPATH и модули\r\n"})
    text = report_markdown(first, state)
    assert text.startswith("# Недельный отчёт — Неделя 1 (2026-11-02 – 2026-11-08)\n")
    assert "## Изученные темы\n\n- Установка Go\n- GOPATH и модули\n\n## Выполненные" in text
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Изученные темы", "Выполненные практические задания",
                        "Написанный код (ссылки на GitHub)", "Возникшие проблемы и их решения",
                        "Планы на следующую неделю"]
    assert "## Topics studied" in report_markdown(first, state, "en")


def test_drafts_appear_when_weeks_end(session: Session, user: User,
                                      week_one: WeekOne) -> None:
    state, exercises = week_one
    assert ensure_drafts(session, user=user, state=state, today=MONDAY + 6 * DAY,
                         now=at(MONDAY), exercises=exercises) == []
    assert ensure_drafts(session, user=user, state=state, today=MONDAY + 15 * DAY,
                         now=at(MONDAY), exercises=exercises) == [1, 2]
    assert sorted(list_reports(session, state)) == [1, 2]
    week2 = list_reports(session, state)[2].sections
    assert week2["studied"] == "" and week2["practice"] == "- Later one"
    with pytest.raises(ValueError, match="week 5 starts on 2026-11-30"):
        draft_report(session, user=user, state=state, week=5, today=MONDAY, now=at(MONDAY),
                     exercises=exercises)
    with pytest.raises(ValueError, match="weeks 1 to 16, not 17"):
        draft_report(session, user=user, state=state, week=17, today=MONDAY, now=at(MONDAY),
                     exercises=exercises)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=tmp_path / "web"))
    with TestClient(app) as test_client:
        app.state.clock = lambda: datetime(2026, 11, 10, 12, tzinfo=UTC)
        yield test_client


def test_report_page_edit_export_and_print(client: TestClient) -> None:
    client.post("/plan", data={"roadmap": ["backend-16-weeks"], "start": "2026-11-02"})
    page = client.get("/reports/1", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and "Изученные темы" in page.text
    assert '<textarea name="problems"' in page.text
    saved = client.post("/reports/1", data={
        "studied": "- Горутины", "practice": "- TODO list",
        "code": "- https://github.com/me/todo", "problems": "", "next": "- Слайсы",
        "summary": "10 из 17.5 часов"})
    assert saved.status_code == 200 and "Отчёт сохранён." in saved.text
    assert ">- Горутины</textarea>" in saved.text
    markdown = client.get("/reports/1/export.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "## Написанный код (ссылки на GitHub)\n\n- https://github.com/me/todo" in markdown.text
    printable = client.get("/reports/1/print")
    assert "@media print" in client.get("/static/plans.css").text
    assert '<li><a href="https://github.com/me/todo">' not in printable.text  # plain text link
    assert "<li>https://github.com/me/todo</li>" in printable.text
    assert "<h2>Возникшие проблемы и их решения</h2>" in printable.text
    listing = client.get("/reports")
    assert "отредактирован" in listing.text
    assert client.get("/reports/3").status_code == 400  # week 3 has not started
