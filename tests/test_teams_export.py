"""The export of a cohort's week: the figures per learner for that week, CSV that a spreadsheet
will not run as formulas, Markdown with the cells escaped, the same from the pages and from
`gocoach cohort export`; weeks out of range and strangers are refused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from account_fixtures import add_user, cheap_hashing, database_of, server_client, sign_in
from conftest import NOW
from gocoach.cli.main import app
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Cohort, User
from gocoach.teams.accounts import create_user
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.teams.comments import add_report_comment
from gocoach.teams.export import (
    HEADER,
    cohort_week,
    markdown_cell,
    spreadsheet_safe,
    week_csv,
    week_markdown,
)
from gocoach.teams.overview import learner_report
from plan_fixtures import MONDAY, import_seed
from test_teams_cohorts import TODAY, busy_learner

HOSTILE_NAME = '=HYPERLINK("http://evil.example","x") | *bold*'


def autumn(session: Session) -> Cohort:
    """A cohort with anna (busy: see busy_learner), whose display name is a formula."""
    admin = create_user(session, username="root", password="long enough pw", role="admin",
                        now=NOW)
    roadmap = import_seed(session, admin, "senior-3-months")
    cohort = create_cohort(session, slug="autumn", title="Autumn | 2026", roadmaps=[roadmap],
                           start=MONDAY, now=NOW, hours_per_week=8)
    anna = busy_learner(session, cohort, "anna")
    anna.display_name = HOSTILE_NAME
    return cohort


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_weeks_figures(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    cohort = autumn(session)
    (first,) = cohort_week(session, cohort, 1, today=TODAY, now=NOW).rows
    (third,) = cohort_week(session, cohort, 3, today=TODAY, now=NOW).rows
    # week 1: 2 h logged on 11-03, its report edited; both items marked on 11-19 (week 3)
    assert (first.hours, first.budget_hours, first.items_done, first.report) == (
        2.0, 8.0, 0, "edited")
    assert (first.items_planned, first.planned_closed, first.streak) == (9, 2, 0)
    assert (first.exercises_passed, first.exercises_total) == (0, 0)
    assert (third.hours, third.items_done, third.streak, third.report) == (1.5, 2, 3, "none")
    assert (third.exercises_passed, third.exercises_total, third.drills_due) == (0, 2, 2)
    second = cohort_week(session, cohort, 2, today=TODAY, now=NOW).rows[0]
    assert (second.exercises_passed, second.exercises_total, second.report) == (2, 2, "edited")
    assert third.milestone is not None and third.milestone.state == "at_risk"


def test_csv_and_markdown_are_safe(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    cohort = autumn(session)
    week = cohort_week(session, cohort, 2, today=TODAY, now=NOW)
    anna = session.scalars(select(User).where(User.username == "anna")).one()
    report = week.rows[0]
    assert report.comments == 0
    _, stored = learner_report(session, anna, 2)
    add_report_comment(session, report=stored, author=anna, body="note", now=NOW)
    week = cohort_week(session, cohort, 2, today=TODAY, now=NOW)
    text = week_csv(week)
    (row,) = rows_of(text)
    assert list(row) == list(HEADER)
    assert row["name"] == "'" + HOSTILE_NAME  # a spreadsheet shows it, never runs it
    assert (row["learner"], row["hours"], row["comments"], row["report"]) == (
        "anna", "0.0", "1", "edited")
    assert text.endswith("\r\n")
    markdown = week_markdown(week)
    assert markdown.startswith("# Autumn \\| 2026 — week 2 (2026-11-09 – 2026-11-15)")
    line = next(x for x in markdown.splitlines() if x.startswith("| anna"))
    assert line.count(" | ") == len(HEADER) - 1  # the name's pipe does not split the row
    assert "\\| \\*bold\\*" in line
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=x"):
        assert str(spreadsheet_safe(cell)).startswith("'")
    assert spreadsheet_safe(-1) == -1 and spreadsheet_safe("plain") == "plain"
    assert markdown_cell("a\nb|c") == "a b\\|c"


def test_weeks_out_of_range_are_refused(session: Session,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    cohort = autumn(session)
    for week, message in ((0, "from 1 to 520"), (-3, "from 1 to 520"), (10**9, "from 1 to 520"),
                          (4, "starts on 2026-11-23: nothing to export yet")):
        with pytest.raises(ValueError, match=message):
            cohort_week(session, cohort, week, today=TODAY, now=NOW)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=lambda: NOW) as test_client:
        database = database_of(test_client)
        with transaction(database.sessions) as session:
            cohort = autumn(session)
            mira = create_user(session, username="mira", password="long enough pw",
                               role="mentor", now=NOW)
            add_member(session, cohort=cohort, user=mira, role="mentor", now=NOW)
        add_user(database, "olga", "mentor")
        yield test_client


def test_the_export_pages(client: TestClient) -> None:
    sign_in(client, "mira", "long enough pw")
    table = client.get("/cohorts/autumn", headers={"Accept-Language": "en"})
    assert 'href="/cohorts/autumn/week/3.csv"' in table.text
    assert 'href="/cohorts/autumn/week/4.csv"' not in table.text
    got = client.get("/cohorts/autumn/week/3.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == 'attachment; filename="autumn-week-3.csv"'
    (row,) = rows_of(got.text)
    assert (row["hours"], row["items done"], row["streak"]) == ("1.5", "2", "3")
    markdown = client.get("/cohorts/autumn/week/3.md")
    assert markdown.status_code == 200 and "| anna |" in markdown.text
    assert markdown.headers["content-type"].startswith("text/markdown")
    for bad, status in (("0.csv", 400), ("4.md", 400), ("x.csv", 422), ("3.pdf", 404),
                        ("99999999999999999999999.csv", 400)):
        assert client.get(f"/cohorts/autumn/week/{bad}").status_code == status, bad
    client.cookies.clear()
    sign_in(client, "olga", "correct horse battery")
    assert client.get("/cohorts/autumn/week/3.csv").status_code == 404


def test_the_export_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    data = tmp_path / "data"
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(data))
    monkeypatch.setenv("GOCOACH_LOAD_BUNDLED", "false")
    database, _ = open_database(load_settings(data_dir=data, load_bundled=False))
    with transaction(database.sessions) as session:
        autumn(session)
    database.engine.dispose()
    runner = CliRunner()
    done = runner.invoke(app, ["cohort", "export", "autumn", "--week", "1", "--format", "csv"])
    assert done.exit_code == 0, done.output
    (row,) = rows_of(done.output)
    assert (row["learner"], row["hours"], row["report"]) == ("anna", "2.0", "edited")
    out = tmp_path / "week.md"
    done = runner.invoke(app, ["cohort", "export", "autumn", "--week", "2", "--format", "md",
                               "--output", str(out)])
    assert done.exit_code == 0 and "1 learners written to" in done.output
    assert "| anna |" in out.read_text(encoding="utf-8")
    for args, message in ((["--week", "1", "--format", "xlsx"], "--format is one of csv, md"),
                          (["--week", "521"], "a number from 1 to 520")):
        failed = runner.invoke(app, ["cohort", "export", "autumn", *args])
        assert failed.exit_code != 0 and message in failed.output, failed.output
    missing = runner.invoke(app, ["cohort", "export", "nope", "--week", "1"])
    assert missing.exit_code != 0 and "no cohort 'nope'" in missing.output
