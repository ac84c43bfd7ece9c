"""Shared fixtures: a fresh database per test, the seeds, a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gocoach.curricula.bundled import SEEDS, bundled_documents
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

# Every app a test starts would otherwise warm its own cold Go build cache (29 builds) in the
# background; tests that are about the warm-up turn it on explicitly.
os.environ.setdefault("GOCOACH_GRADING_WARMUP", "false")
# `gocoach` subprocesses run their command in-process: a CLI server (cli/zygote.py) left behind
# by one test would outlive it; tests/test_cli_server.py starts its own servers
os.environ["GOCOACH_CLI_SERVER"] = "off"
# The in-process TestClient sends `Host: testserver`; server-mode apps need a real secret key.
os.environ.setdefault("GOCOACH_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,::1")
os.environ.setdefault("GOCOACH_SECRET_KEY", "tests-only-secret-key-0123456789abcdef")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an empty SQLite database in a temporary folder, no bundled curricula."""
    return load_settings(data_dir=tmp_path / "data", load_bundled=False)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """A migrated, empty database."""
    db, _ = open_database(settings)
    yield db
    db.engine.dispose()


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Database]:
    """A migrated database with the five bundled curricula loaded."""
    db, _ = open_database(load_settings(data_dir=tmp_path / "seeded"))
    yield db
    db.engine.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session on the empty database, committed at the end of the test."""
    with transaction(database.sessions) as s:
        yield s


@pytest.fixture
def user(session: Session) -> User:
    """The local user."""
    return ensure_local_user(session, now=NOW)


def seed_bytes(prefix: str) -> bytes:
    """The raw bytes of a bundled seed by its number ('002')."""
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


@pytest.fixture(scope="session")
def seed_names() -> dict[str, str]:
    """slug → readable name of the bundled documents."""
    return {d.slug: d.name for d in bundled_documents()}
