"""Open the database and bring it to a usable state: migrations, local user, bundled curricula."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gocoach.store.engine import (
    make_engine,
    make_session_factory,
    migrate,
    schema_is_current,
    transaction,
)
from gocoach.store.settings import Settings
from gocoach.store.state import read_state, write_state
from gocoach.store.users import ensure_local_user

if TYPE_CHECKING:
    from gocoach.curricula.roadmaps import ImportReport

CONTENT_KEY = "loaded-content"


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
        if not schema_is_current(engine):
            migrate(engine)
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=utc_now())
            if settings.load_bundled:
                reports = _load_content(session, settings, user_id=user.id)
    return database, reports


def content_fingerprint(tracks: Path) -> str:
    """A digest of the bundled documents and the shipped question bank, file by file."""
    seeds = Path(str(resources.files("gocoach.curricula") / "seeds"))
    digest = hashlib.blake2b(str(tracks.resolve()).encode(), digest_size=20)
    for folder in (seeds, tracks):
        files = sorted(folder.rglob("*")) if folder.is_dir() else []
        for path in (p for p in files if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _load_content(session: Session, settings: Settings, *, user_id: int) -> list[ImportReport]:
    """Load bundled curricula and the bank unless exactly this content was loaded already."""
    tracks = settings.content_dir / "tracks"
    fingerprint = content_fingerprint(tracks)
    if read_state(session, CONTENT_KEY) == fingerprint:
        return []
    from gocoach.curricula.bundled import load_bundled
    from gocoach.questions.bank import load_shipped_tracks
    from gocoach.store.tables import User

    user = session.get_one(User, user_id)
    reports = load_bundled(session, user=user, now=utc_now(), max_bytes=settings.max_import_bytes)
    load_shipped_tracks(session, tracks, now=utc_now())
    write_state(session, CONTENT_KEY, fingerprint, now=utc_now())
    return reports
