"""The plan commands on a temporary data folder, with --today standing in for the clock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from gocoach.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_plan_today_log_and_replan(cli: CliRunner, tmp_path: Path) -> None:
    code, out = run(cli, "plan", "create", "backend-16-weeks", "--start", "2026-11-02",
                    "--off", "2026-12-28..2027-01-03")
    assert code == 0, out
    assert "179 items over 17 weeks, 2026-11-02 → 2027-02-28, 17.5 h/week (the roadmap's)" in out
    assert "weeks off: 9" in out
    code, out = run(cli, "today", "--today", "2026-11-04")
    assert code == 0 and "Today, Wed 2026-11-04" in out
    assert "week 1 of 17 (2026-11-02 – 2026-11-08): 0/16 done" in out
    item = re.search(r"○ ([0-9a-f]{10}) Установка Go", out)
    assert item
    assert "next milestone: Неделя 3: Базовые Go навыки — due 2026-11-22 (week 3)" in out
    code, out = run(cli, "log", "90", "--item", item.group(1)[:6], "--date", "2026-11-03",
                    "--note", "Проблема: PATH\nРешение: ~/.profile")
    assert code == 0 and "logged 90 min on Установка Go" in out and "2026-11-03" in out
    code, out = run(cli, "hours", "--today", "2026-11-10")
    assert code == 0 and re.search(r"│ 1\s+│ 2026-11-02 – 2026-11-08 │ 17.5\s+│ 1.5\s+│ 9%", out)
    code, out = run(cli, "plan", "show", "--today", "2026-11-18")
    assert code == 0 and re.search(r"│ 9\s+│ 2026-12-28 – 2027-01-03 │ 0/0 .* off", out)
    assert "pace: behind by 34 items (0 closed, 34 planned by today)" in out
    code, out = run(cli, "plan", "replan", "--today", "2026-11-18")
    assert code == 0 and "30 items are late" in out
    assert "the plan would end on 2027-03-14 instead of 2027-02-28" in out
    assert "--apply" in out
    code, out = run(cli, "plan", "replan", "--today", "2026-11-18", "--apply")
    assert code == 0 and "re-planned: the plan now ends on 2027-03-14" in out
    code, out = run(cli, "plan", "replan", "--today", "2026-11-18")
    assert "nothing is late; the plan ends on 2027-03-14" in out
    code, out = run(cli, "plan", "show", "--week", "3")
    assert code == 0 and "Установка Go" in out  # the late week 1 items moved here
    ics = tmp_path / "plan.ics"
    code, out = run(cli, "plan", "calendar", "-o", str(ics))
    assert code == 0 and "wrote" in out
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == 16 + 4  # weeks 1-2 emptied by the re-plan, week 9 is off
    assert str(events[0]["summary"]) == "Неделя 3: 15 пунктов, 17,5 ч"


def test_reports_and_milestones(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "plan", "create", "backend-16-weeks", "--start", "2026-11-02")
    run(cli, "log", "120", "--date", "2026-11-04", "--note", "Problem: flaky test\nSolution: -race")
    code, out = run(cli, "report", "draft", "1", "--today", "2026-11-09")
    assert code == 0
    assert out.startswith("# Недельный отчёт — Неделя 1 (2026-11-02 – 2026-11-08)")
    assert "2 ч из 17 ч 30 мин · 0/16 пунктов недели закрыто" in out
    assert "- **Проблема:** flaky test\n  **Решение:** -race" in out
    assert "## Планы на следующую неделю\n\n- Объявление и инициализация массивов" in out
    code, out = run(cli, "report", "draft", "1", "--today", "2026-11-09")
    assert "already has a report; it is kept as written" in out
    target = tmp_path / "week1.md"
    code, out = run(cli, "report", "export", "1", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").count("\n## ") == 5
    code, out = run(cli, "report", "show", "9", "--today", "2026-11-09")
    assert code == 1 and "week 9 starts on 2026-12-28" in out
    code, out = run(cli, "milestones")
    assert code == 0 and "○ Неделя 7: Первый backend API (backend-16-weeks) — due 2026-12-20" in out
    assert "items: 0/86" in out and "exercises: 0/3" in out
    assert "final success criteria 0/15" in out


def test_errors_are_messages_not_tracebacks(cli: CliRunner) -> None:
    for args, message in (
        (("today",), "no plan yet; make one with `gocoach plan create ROADMAP --start"),
        (("plan", "create", "nope", "--start", "2026-11-02"), "no roadmap 'nope'"),
        (("plan", "create", "go-core", "--start", "2.11.2026"), "'2.11.2026' is not a date"),
        (("plan", "create", "go-core", "--start", "2026-11-02", "--off", "xmas"),
         "'xmas' is not a range of days off"),
        (("log", "0"), "minutes must be between 1 and 1440"),
    ):
        code, out = run(cli, *args)
        assert code == 1 and message in out and "Traceback" not in out, out


def test_plan_commands_have_help(cli: CliRunner) -> None:
    for group in ("plan", "report"):
        code, out = run(cli, group, "--help")
        assert code == 0 and "Usage" in out
    for typer_group in app.registered_groups:
        assert typer_group.typer_instance is not None
        for command in typer_group.typer_instance.registered_commands:
            assert command.callback is not None and command.callback.__doc__, command.name
