"""Open the database and bring it to a usable state: migrations, local user, bundled curricula."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gocoach.bundled_curricula import load_bundled
from gocoach.config import Settings
from gocoach.db import make_engine, make_session_factory, migrate, transaction
from gocoach.question_bank import load_shipped_tracks
from gocoach.roadmaps import ImportReport
from gocoach.users import ensure_local_user


@dataclass
class Database:
    """The configured engine and its session factory."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the one place the real clock is read)."""
    return datetime.now(UTC)


def open_database(
    settings: Settings, *, prepare: bool = True
) -> tuple[Database, list[ImportReport]]:
    """Connect; with `prepare`, migrate, create the local user and load bundled curricula."""
    engine = make_engine(settings)
    database = Database(settings=settings, engine=engine, sessions=make_session_factory(engine))
    reports: list[ImportReport] = []
    if prepare:
        migrate(engine)
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=utc_now())
            if settings.load_bundled:
                reports = load_bundled(
                    session, user=user, now=utc_now(), max_bytes=settings.max_import_bytes
                )
                load_shipped_tracks(session, settings.content_dir / "tracks", now=utc_now())
    return database, reports
