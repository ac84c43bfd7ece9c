"""Project runs in the database: stored, summed up per stage, linked to roadmap items, marked
done only once passed, carried by backups (issue #18). Reports are made up: no Go is built."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import NOW
from gocoach.backup.archive import make_backup, restore_backup
from gocoach.curricula.progress import statuses
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.calendar import local_date
from gocoach.projects.catalogue import find_project
from gocoach.projects.harness import ProjectReport, StageResult
from gocoach.projects.module import Module
from gocoach.projects.submissions import (
    get_project_submission,
    kept_files,
    mark_stage_done,
    progress_by_project,
    project_history,
    record_run,
    stage_items,
    stage_states,
    work_minutes,
)
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import ProjectSubmission, TimeEntry, User
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app
from project_fixtures import PROJECTS

CALC = find_project(PROJECTS, "calculator")
MODULE = Module({"go.mod": b"module calc\n", "main.go": b"package main\n",
                 "vendor/modules.txt": b"# x\n", "PROJECT.md": b"# statements\n"})


def report(*stages: tuple[int, str]) -> ProjectReport:
    results = tuple(StageResult(n, CALC.stage(n).title, status,  # type: ignore[arg-type]
                                "" if status == "pass" else "неверный результат",
                                ("✔ calc 2 + 3 → 5",), "", 0.1) for n, status in stages)
    overall = "pass" if all(s == "pass" for _, s in stages) else "fail"
    return ProjectReport("calculator", overall, "стадий пройдено", results,  # type: ignore[arg-type]
                         seconds=0.5)


def test_runs_sum_up_per_stage_and_remember_what_passed(seeded: Database) -> None:
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        first = record_run(session, user=me, project=CALC, module=MODULE, source="cli", now=NOW,
                           report=report((1, "pass"), (2, "fail"), (3, "skipped"),
                                         (4, "skipped")))
        record_run(session, user=me, project=CALC, module=MODULE, source="web",
                   now=NOW + timedelta(minutes=5), report=report((1, "fail")))
        states = stage_states(session, me, CALC)
        assert [(s.number, s.status, s.passed_ever) for s in states] == [
            (1, "fail", True), (2, "fail", False), (3, "todo", False), (4, "todo", False)]
        assert states[1].submission_id == first.id and states[1].result is not None
        assert "неверный результат" in states[1].result["message"]
        assert progress_by_project(session, me) == {"calculator": {1}}
        assert [r.source for r in project_history(session, me, "calculator")] == ["web", "cli"]
        assert first.stages_passed == [1] and first.duration_ms == 500
        assert first.files == {"go.mod": "module calc\n", "main.go": "package main\n"}


def test_a_stage_marks_its_roadmap_items_done_only_once_passed(seeded: Database) -> None:
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        items = stage_items(session, CALC, user=me)
        titles = {item.title for item in items[1]}
        assert "Написать CLI калькулятор с основными операциями" in titles
        assert all(items[n] for n in (1, 2, 3, 4)), "every stage practises a seeded item"
        with pytest.raises(ValueError, match="has not passed yet"):
            mark_stage_done(session, user=me, project=CALC, stage=1, now=NOW, source="web")
        record_run(session, user=me, project=CALC, module=MODULE, source="cli", now=NOW,
                   report=report((1, "pass")))
        changed = mark_stage_done(session, user=me, project=CALC, stage=1, now=NOW, source="web")
        assert {item.title for item in changed} == titles
        roadmap = get_roadmap(session, items[1][0].roadmap_slug)
        assert statuses(session, me, roadmap)[items[1][0].key].status == "done"
        assert mark_stage_done(session, user=me, project=CALC, stage=1, now=NOW,
                               source="web") == []
        with pytest.raises(LookupError, match="not 7"):
            mark_stage_done(session, user=me, project=CALC, stage=7, now=NOW, source="web")


def test_other_users_runs_and_bad_ids_are_not_found(seeded: Database) -> None:
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        other = User(username="other", created_at=NOW)
        session.add(other)
        session.flush()
        row = record_run(session, user=other, project=CALC, module=MODULE, source="cli",
                         now=NOW, report=report((1, "pass")))
        for wanted in (row.id, 0, -1, 2**70):
            with pytest.raises(LookupError, match="no project submission"):
                get_project_submission(session, me, wanted)
        assert get_project_submission(session, other, row.id) is row
        with pytest.raises(ValueError, match="unknown submission source"):
            record_run(session, user=me, project=CALC, module=MODULE, source="mail", now=NOW,
                       report=report((1, "pass")))


def test_only_small_sources_are_kept_for_a_reviewer() -> None:
    big = Module({"go.mod": b"module m\n", "main.go": b"x" * (300 * 1024)})
    assert kept_files(big) == {}
    assert set(kept_files(MODULE)) == {"go.mod", "main.go"}


def test_project_runs_survive_backup_and_restore(seeded: Database, tmp_path: Path) -> None:
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        record_run(session, user=me, project=CALC, module=MODULE, source="cli", now=NOW,
                   report=report((1, "pass"), (2, "fail")))
        data = make_backup(session, now=NOW)
    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh"))
    with transaction(fresh.sessions) as session:
        restore_backup(session, data, now=NOW, max_bytes=1 << 22)
    with transaction(fresh.sessions) as session:
        rows = session.scalars(select(ProjectSubmission)).all()
        assert [(r.project, r.status, r.stages_passed) for r in rows] == [
            ("calculator", "fail", [1])]
        assert rows[0].report["stages"][1]["message"] == "неверный результат"
    fresh.engine.dispose()


# --- time on a project goes into the time log -------------------------------------------------


def project_entries(session: object, user: User) -> list[tuple[object, int, str | None]]:
    rows = session.scalars(select(TimeEntry).where(  # type: ignore[attr-defined]
        TimeEntry.user_id == user.id, TimeEntry.source == "project").order_by(TimeEntry.day))
    return [(e.day, e.minutes, e.ref) for e in rows]


def test_runs_log_the_days_time_on_the_project_once_per_day(seeded: Database) -> None:
    day, next_day = local_date(NOW), local_date(NOW + timedelta(days=1))
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        record_run(session, user=me, project=CALC, module=MODULE, source="cli", now=NOW,
                   report=report((1, "fail")))
        # the first run of a day counts its own length: at least a minute
        assert project_entries(session, me) == [(day, 1, f"project:calculator:{day}")]
        for minutes in (25, 40, 40 + 180):  # 25 min, 15 min, then a 3-hour gap counted as 60
            record_run(session, user=me, project=CALC, module=MODULE, source="web",
                       now=NOW + timedelta(minutes=minutes), report=report((1, "pass")))
        record_run(session, user=me, project=CALC, module=MODULE, source="cli",
                   now=NOW + timedelta(days=1), report=report((1, "pass")))
        assert project_entries(session, me) == [
            (day, 25 + 15 + 60 + 0, f"project:calculator:{day}"),
            (next_day, 1, f"project:calculator:{next_day}")]
        entry = session.scalars(select(TimeEntry).where(TimeEntry.source == "project")).first()
        assert entry is not None and entry.note == CALC.title
        assert entry.node_key == stage_items(session, CALC)[1][0].key  # what the project practises


def test_work_minutes_counts_gaps_up_to_an_hour_and_only_that_day() -> None:
    start = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    day = local_date(start)
    runs = [(start - timedelta(days=1), 600_000), (start, 90_000),
            (start + timedelta(minutes=30), 5_000), (start + timedelta(hours=5), 5_000),
            (start + timedelta(days=1), 600_000)]
    assert work_minutes(runs, day) == round((90 + 30 * 60 + 60 * 60) / 60)  # 92
    assert work_minutes([], day) == 1


def test_the_time_page_names_the_project_source(seeded: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)  # the page shows this month's entries, by the real clock
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=now)
        record_run(session, user=me, project=CALC, module=MODULE, source="cli", now=now,
                   report=report((1, "pass")))
    settings = load_settings(data_dir=tmp_path / "seeded", grading_warmup=False)
    with TestClient(create_app(settings)) as client:
        russian = client.get("/time", headers={"Accept-Language": "ru"}).text
        english = client.get("/time", headers={"Accept-Language": "en"}).text
    assert f"<td>проект</td><td>{CALC.title}</td>" in russian
    assert f"<td>project</td><td>{CALC.title}</td>" in english
