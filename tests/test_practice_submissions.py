"""Practice domain: exercises linked to roadmap items, submissions, history, time, stats, backup."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.backup.archive import make_backup, restore_backup
from gocoach.curricula.progress import statuses
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.practice.exercises import (
    exercises_by_item,
    exercises_for_item,
    find_exercise,
    get_submission,
    last_statuses,
    linked_items,
    load_catalogue,
    mark_items_done,
    practice_facts,
    record_submission,
    submission_history,
)
from gocoach.practice.grading import GradeResult, TestResult
from gocoach.reports.activity import exercise_stats
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Submission, TimeEntry, User
from gocoach.store.users import ensure_local_user

CONTENT = Path(__file__).resolve().parents[1] / "content"
CATALOGUE = load_catalogue(CONTENT)


def result(status: str, passed: int = 2, total: int = 2) -> GradeResult:
    tests = tuple(
        TestResult(f"Test{i}", "pass" if i < passed else "fail", None, None, "func Test…")
        for i in range(total)
    )
    return GradeResult(status, None, tests, duration_seconds=0.4)  # type: ignore[arg-type]


@pytest.fixture
def db_session(seeded: Database) -> Session:
    with transaction(seeded.sessions) as session:
        yield session  # type: ignore[misc]


@pytest.fixture
def me(db_session: Session) -> User:
    return ensure_local_user(db_session, now=NOW)


def test_every_shipped_exercise_links_to_an_item_of_the_bundled_roadmaps(
    db_session: Session,
) -> None:
    links = linked_items(db_session, CATALOGUE)
    assert {slug for slug, items in links.items() if not items} == set()
    pool = [(i.roadmap_slug, i.title) for i in links["worker-pool"]]
    assert pool == [("senior-3-months", "Реализовать свой worker-pool"),
                    ("senior-3-months", "Рабочие (goroutines pool)")]


def test_items_group_their_exercises_in_roadmap_order(db_session: Session) -> None:
    groups = exercises_by_item(CATALOGUE, linked_items(db_session, CATALOGUE))
    by_title = {item.title: [e.slug for e in exercises] for item, exercises in groups}
    assert by_title["Реализация rate limiter (token bucket)"] == ["leaky-bucket", "token-bucket"]
    assert by_title["Graceful shutdown"] == [
        "dynamic-worker-pool", "http-graceful-shutdown", "task-processor"]
    orders = [item.order for item, _ in groups]
    assert orders == sorted(orders)


def test_an_item_title_finds_its_exercises_whatever_the_spelling() -> None:
    found = exercises_for_item(CATALOGUE, "  ttl CACHE patterns. ")
    assert [e.slug for e in found] == ["singleflight", "ttl-cache"]
    assert exercises_for_item(CATALOGUE, "Что-то другое") == []


def test_an_unknown_slug_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"no exercise 'nope' .*worker-pool"):
        find_exercise(CATALOGUE, "nope")


def test_submissions_make_a_history_and_log_the_time_worked(db_session: Session,
                                                            me: User) -> None:
    exercise = find_exercise(CATALOGUE, "retry-backoff")
    links = linked_items(db_session, [exercise], user=me)["retry-backoff"]
    first = record_submission(db_session, user=me, exercise=exercise, files={"retry.go": "a"},
                              result=result("fail", 1), source="cli", now=NOW,
                              started_at=NOW - timedelta(minutes=12), links=links)
    second = record_submission(db_session, user=me, exercise=exercise,
                               files={"retry.go": "b"}, result=result("pass"), source="web",
                               now=NOW + timedelta(minutes=8), links=links)
    assert [s.id for s in submission_history(db_session, me, "retry-backoff")] == [
        second.id, first.id]
    assert (first.work_seconds, second.work_seconds) == (12 * 60, 8 * 60)
    assert second.result["version"] == 3 and second.duration_ms == 400
    assert last_statuses(db_session, me) == {"retry-backoff": "pass"}
    entries = db_session.scalars(select(TimeEntry).where(TimeEntry.source == "exercise")).all()
    assert [(e.minutes, e.node_key, e.note) for e in entries] == [
        (20, links[0].key, exercise.title)]


def test_a_long_break_counts_as_at_most_half_an_hour(db_session: Session, me: User) -> None:
    exercise = find_exercise(CATALOGUE, "lru-cache")
    row = record_submission(db_session, user=me, exercise=exercise, files={"lru.go": ""},
                            result=result("fail", 0), source="cli", now=NOW,
                            started_at=NOW - timedelta(hours=5))
    assert row.work_seconds == 30 * 60
    with pytest.raises(ValueError, match="unknown submission source"):
        record_submission(db_session, user=me, exercise=exercise, files={}, result=result("pass"),
                          source="email", now=NOW)


def test_exercise_stats_report_items_first_pass_and_minutes(db_session: Session,
                                                            me: User) -> None:
    exercise = find_exercise(CATALOGUE, "ttl-cache")
    for minutes, status in ((10, "fail"), (15, "pass"), (20, "pass")):
        record_submission(db_session, user=me, exercise=exercise, files={"cache.go": ""},
                          result=result(status), source="web",
                          now=NOW + timedelta(minutes=minutes),
                          started_at=NOW if minutes == 10 else None)
    stats = exercise_stats(db_session, me, now=NOW, content_dir=CONTENT)
    assert stats.available and len(stats.exercises) == len(CATALOGUE)
    ttl = next(e for e in stats.exercises if e.slug == "ttl-cache")
    assert ttl.passed_at == NOW + timedelta(minutes=15) and ttl.minutes == 20
    assert ttl.link == "/exercises/ttl-cache" and len(ttl.item_keys) == 1
    assert [e.slug for e in stats.passed()] == ["ttl-cache"]
    assert [e.slug for e in stats.for_items(ttl.item_keys)] == ["singleflight", "ttl-cache"]
    assert practice_facts(db_session, me)["ttl-cache"].minutes == 20


def test_exercise_stats_are_unavailable_without_exercises(session: Session, user: User,
                                                          tmp_path: Path) -> None:
    assert not exercise_stats(session, user, now=NOW, content_dir=tmp_path).available


def test_passing_offers_the_linked_items_and_marks_them_done(db_session: Session,
                                                             me: User) -> None:
    links = linked_items(db_session, CATALOGUE, user=me)["http-graceful-shutdown"]
    changed = mark_items_done(db_session, user=me, items=links, now=NOW, source="web")
    assert [i.title for i in changed] == ["HTTP сервер с graceful shutdown", "Graceful shutdown"]
    roadmap = get_roadmap(db_session, "senior-3-months")
    assert {statuses(db_session, me, roadmap)[i.key].status for i in links} == {"done"}
    again = linked_items(db_session, CATALOGUE, user=me)["http-graceful-shutdown"]
    assert mark_items_done(db_session, user=me, items=again, now=NOW, source="web") == []


def test_submissions_survive_backup_and_restore(seeded: Database, tmp_path: Path) -> None:
    with transaction(seeded.sessions) as session:
        me = ensure_local_user(session, now=NOW)
        record_submission(session, user=me, exercise=find_exercise(CATALOGUE, "errgroup"),
                          files={"group.go": "package errgroup"}, result=result("pass"),
                          source="cli", now=NOW)
        data = make_backup(session, now=NOW)
    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh"))
    with transaction(fresh.sessions) as session:
        restore_backup(session, data, now=NOW, max_bytes=1 << 22)
    with transaction(fresh.sessions) as session:
        rows = session.scalars(select(Submission)).all()
        assert [(r.exercise, r.status, r.files) for r in rows] == [
            ("errgroup", "pass", {"group.go": "package errgroup"})]
    fresh.engine.dispose()


def test_a_refused_submission_is_stored_without_its_files(db_session: Session, me: User) -> None:
    exercise = find_exercise(CATALOGUE, "retry-backoff")
    refused = GradeResult("error", "Решение не принято: файл «retry.go» больше 256 КБ.",
                          stage="rejected")  # fmt: skip
    row = record_submission(db_session, user=me, exercise=exercise,
                            files={"retry.go": "x" * 300_000}, result=refused, source="cli",
                            now=NOW)  # fmt: skip
    assert row.files == {} and row.result["stage"] == "rejected"
    assert "256 КБ" in row.result["message"]


def test_an_impossible_submission_id_is_not_found(db_session: Session, me: User) -> None:
    for impossible in (0, -1, 2**63, 10**30):
        with pytest.raises(LookupError):
            get_submission(db_session, me, impossible)


def test_links_follow_a_new_import_and_each_users_own_status(db_session: Session,
                                                             me: User) -> None:
    from gocoach.curricula.progress import set_status
    from gocoach.curricula.roadmaps import import_document

    exercise = find_exercise(CATALOGUE, "lru-cache")
    before = linked_items(db_session, [exercise])["lru-cache"]
    assert "mine" not in {i.roadmap_slug for i in before}
    document = "# Мой план\n\n## Неделя 1\n\n- [ ] " + exercise.practises[0] + "\n- [ ] Другое\n"
    import_document(db_session, data=document.encode(), name="mine.md", user=me, now=NOW,
                    max_bytes=1 << 20)
    after = linked_items(db_session, [exercise], user=me)["lru-cache"]
    mine = [i for i in after if i.roadmap_slug == "mine"]
    assert [(i.title, i.status) for i in mine] == [(exercise.practises[0], "todo")]
    roadmap = get_roadmap(db_session, "mine")
    set_status(db_session, user=me, roadmap=roadmap, key=mine[0].key, status="done", now=NOW)
    assert [i.status for i in linked_items(db_session, [exercise], user=me)["lru-cache"]
            if i.roadmap_slug == "mine"] == ["done"]
    stranger = User(username="stranger", display_name="", role="learner", created_at=NOW)
    db_session.add(stranger)
    db_session.flush()
    assert [i.status for i in linked_items(db_session, [exercise], user=stranger)["lru-cache"]
            if i.roadmap_slug == "mine"] == ["todo"]
