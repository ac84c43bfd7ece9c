"""Reviews, the queue, search and statistics on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW
from gocoach.drills.queue import daily_queue
from gocoach.drills.reviews import ReviewConflict, record_rating, undo_last_rating
from gocoach.drills.stats import drill_stats
from gocoach.questions.search import SearchFilters, search_questions
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.users import ensure_local_user
from question_fixtures import load_small_track
from servers import postgres_server

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    base = Path("/tmp") / f"gocoach-pg-drills-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        db, _ = open_database(load_settings(database_url=url, load_bundled=False,
                                            data_dir=tmp_path_factory.mktemp("d")))
        with transaction(db.sessions) as session:
            ensure_local_user(session, now=NOW)
            load_small_track(session, tmp_path_factory.mktemp("track"), NOW)
        yield db
        db.engine.dispose()


def test_ratings_conflicts_undo_and_stats(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        first = record_rating(session, user=user, ref="chan-select", rating=3, now=NOW,
                              duration_ms=1000)
        assert first.due == NOW + timedelta(minutes=10)
        later = record_rating(session, user=user, ref="chan-select", rating=3,
                              now=NOW + timedelta(days=1), duration_ms=1000, expected_version=1)
        assert later.state == "review"
        with pytest.raises(ReviewConflict):
            record_rating(session, user=user, ref="chan-select", rating=1,
                          now=NOW + timedelta(days=1), duration_ms=1, expected_version=1)
    with transaction(pg.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        with pytest.raises(LookupError):
            record_rating(session, user=user, ref="nope", rating=3, now=NOW, duration_ms=1)
    with transaction(pg.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        assert undo_last_rating(session, user=user) is not None
        stats = drill_stats(session, user=user, now=NOW + timedelta(days=1))
        assert stats.total_reviews == 1 and stats.heatmap == {NOW.date(): 1}
        queue = daily_queue(session, user=user, now=NOW + timedelta(days=1))
        assert queue.entries[0].ref == "chan-select" and not queue.entries[0].is_new


def test_search_on_postgres(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        hits = search_questions(session, text="буферизованные каналы")
        assert hits[0].ref == "chan-buffered"
        assert [h.ref for h in search_questions(session, text="отмену")] == ["err-context"]
        senior = search_questions(session, text="канал", filters=SearchFilters(level="senior"))
        assert {h.ref for h in senior} == {"chan-select", "err-context"}
