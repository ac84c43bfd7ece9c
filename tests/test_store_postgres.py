"""Migrations, import, progress and backup on a real PostgreSQL server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from conftest import NOW
from gocoach.backup.archive import make_backup
from gocoach.curricula.progress import roll_up, set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, load_nodes
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Node
from gocoach.store.users import ensure_local_user
from servers import postgres_server

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


@pytest.fixture(scope="module")
def pg_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    base = Path("/tmp") / f"gocoach-pg-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        db, reports = open_database(
            load_settings(database_url=url, data_dir=tmp_path_factory.mktemp("d"))
        )
        assert [r.slug for r in reports] == [
            "go-core",
            "follow-ups",
            "senior-3-months",
            "backend-16-weeks",
            "go-mastery",
        ]
        yield db
        db.engine.dispose()


def test_migrations_created_the_schema(pg_database: Database) -> None:
    tables = set(inspect(pg_database.engine).get_table_names())
    assert {
        "users",
        "roadmaps",
        "nodes",
        "progress",
        "progress_events",
        "import_runs",
        "alembic_version",
    } <= tables
    assert pg_database.engine.dialect.name == "postgresql"


def test_bundled_import_counts_on_postgres(pg_database: Database) -> None:
    with transaction(pg_database.sessions) as session:
        backend = get_roadmap(session, "backend-16-weeks")
        nodes = load_nodes(session, backend)
        assert sum(1 for n in nodes if n.checkbox) == 183
        assert sum(1 for n in nodes if n.kind == "week") == 16
        mastery = load_nodes(session, get_roadmap(session, "go-mastery"))
        assert sum(1 for n in mastery if n.kind == "tier") == 4


def test_progress_and_backup_on_postgres(pg_database: Database) -> None:
    with transaction(pg_database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        roadmap = get_roadmap(session, "senior-3-months")
        key = session.scalars(
            select(Node.key).where(
                Node.roadmap_id == roadmap.id, Node.title == "Pipeline c fan-in/fan-out"
            )
        ).one()
        set_status(session, user=user, roadmap=roadmap, key=key, status="done", note="ок", now=NOW)
    with transaction(pg_database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        roadmap = get_roadmap(session, "senior-3-months")
        assert (
            roll_up(load_nodes(session, roadmap), statuses(session, user, roadmap))[None].done == 1
        )
        data = json.loads(json.dumps(make_backup(session, now=NOW)))
        assert data["progress"][0]["note"] == "ок"


def test_reopening_is_idempotent(pg_database: Database) -> None:
    url = pg_database.settings.database_url
    again, reports = open_database(
        load_settings(database_url=url, data_dir=pg_database.settings.data_dir)
    )
    assert reports == []
    again.engine.dispose()
