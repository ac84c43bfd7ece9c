"""Concurrency: the time-log upsert under racing transactions (PostgreSQL and SQLite), ratings
through the web on PostgreSQL, and a burst larger than the connection pool."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from conftest import NOW
from gocoach.plans.timelog import log_time
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import FollowUpQuestion, Question, ReviewLogEntry, TimeEntry
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app
from question_fixtures import load_small_track
from servers import free_port, postgres_server, serving

WRITERS = 12


def race_log_time(database: Database) -> None:
    """WRITERS transactions log the same ref at once; all succeed, one row remains."""
    with transaction(database.sessions) as session:
        ensure_local_user(session, now=NOW)
    barrier = threading.Barrier(WRITERS)

    def write(minutes: int) -> int:
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=NOW)
            session.scalars(select(TimeEntry).where(TimeEntry.ref == "drill:2026-11-21")).all()
            barrier.wait(timeout=30)  # everybody has looked and found nothing
            entry = log_time(session, user=user, minutes=minutes, source="drill",
                             day=date(2026, 11, 21), now=NOW, ref="drill:2026-11-21")
            return entry.minutes

    with ThreadPoolExecutor(WRITERS) as pool:
        written = list(pool.map(write, range(1, WRITERS + 1)))
    assert sorted(written) == list(range(1, WRITERS + 1))
    with transaction(database.sessions) as session:
        rows = session.scalars(select(TimeEntry)).all()
    assert len(rows) == 1 and rows[0].minutes in written


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    base = Path("/tmp") / f"gocoach-pg-load-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        data = tmp_path_factory.mktemp("pgload")
        settings = load_settings(database_url=url, data_dir=data, load_bundled=False,
                                 allowed_hosts="127.0.0.1", db_pool_size=5, db_max_overflow=2)
        database, _ = open_database(settings)
        with transaction(database.sessions) as session:
            load_small_track(session, data / "track", NOW)
        database.engine.dispose()
        yield settings


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres")
def test_time_log_upsert_under_racing_transactions_on_postgres(pg_settings: Settings) -> None:
    database, _ = open_database(pg_settings.model_copy(update={"db_pool_size": WRITERS + 2}))
    try:
        with transaction(database.sessions) as session:
            session.execute(TimeEntry.__table__.delete())
        race_log_time(database)
    finally:
        database.engine.dispose()


def test_time_log_upsert_under_racing_transactions_on_sqlite(database: Database) -> None:
    race_log_time(database)


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres")
def test_concurrent_ratings_and_a_burst_beyond_the_pool_on_postgres(
        pg_settings: Settings) -> None:
    """Ratings of different cards at once, on a pool of 5: none fails, none is lost, one
    time-log entry for the day; 60 page loads queue for the 5 connections instead of failing."""
    database, _ = open_database(pg_settings)
    with transaction(database.sessions) as session:
        session.execute(TimeEntry.__table__.delete())
        refs = list(session.scalars(select(Question.qid))) + list(
            session.scalars(select(FollowUpQuestion.fid)))
        before = session.scalar(select(func.count()).select_from(ReviewLogEntry)) or 0
    assert len(refs) >= 8
    with serving(create_app(pg_settings), free_port()) as base:
        def rate(ref: str) -> int:
            answer = httpx2.post(f"{base}/drill/rate", timeout=60,
                                 data={"ref": ref, "rating": "3", "duration_ms": "90000"},
                                 headers={"Origin": base, "HX-Request": "true"})
            return answer.status_code

        def page(_: int) -> int:
            return httpx2.get(f"{base}/drill/stats", timeout=60).status_code

        with ThreadPoolExecutor(len(refs)) as pool:
            assert list(pool.map(rate, refs)) == [200] * len(refs)
        with ThreadPoolExecutor(30) as pool:
            assert set(pool.map(page, range(60))) == {200}
        assert httpx2.post(f"{base}/drill/rate", data={"ref": refs[0], "rating": "3"},
                           headers={"Origin": "http://evil.example"}).status_code == 403
    with transaction(database.sessions) as session:
        after = session.scalar(select(func.count()).select_from(ReviewLogEntry)) or 0
        drill = session.scalars(select(TimeEntry).where(TimeEntry.source == "drill")).all()
        assert len(drill) == 1
        today_ms = session.scalar(select(func.sum(ReviewLogEntry.duration_ms)).where(
            ReviewLogEntry.source == "drill",
            ReviewLogEntry.reviewed_at >= datetime.combine(drill[0].day, time(0), UTC),
            ReviewLogEntry.reviewed_at < datetime.combine(drill[0].day, time(0), UTC)
            + timedelta(days=1))) or 0
    database.engine.dispose()
    assert after - before == len(refs)
    # One entry, and its minutes count every rating of the burst: each writer sums after the
    # previous one committed (the user's row is locked first), none stores a stale total
    assert drill[0].minutes == round(today_ms / 60000)
    assert drill[0].minutes >= round(len(refs) * 1.5)
