"""Engine, sessions and migrations for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from gocoach.store.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Base class of all tables."""


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database; SQLite gets WAL, foreign keys and a busy timeout.

    The pool holds `db_pool_size` connections (the web app lets that many requests hold a
    transaction at once; the others wait) plus `db_max_overflow` for background work.
    """
    pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.database_url, connect_args={"timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(settings.database_url, pool_pre_ping=True, **pool)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class ValueRefused(ValueError):
    """The database refused a value of the unit of work (PostgreSQL's data exceptions: a NUL
    character in a text, a number beyond its column, a text too long); nothing was stored."""


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error.

    A value the database cannot store becomes ValueRefused (a ValueError: a 400 on the web,
    `error: …` on the command line) instead of an internal error: SQLite stores what
    PostgreSQL refuses, so bad input that passed the checks on one fails only on the other.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except DataError as exc:
        session.rollback()
        raise ValueRefused("the database cannot store a value of this request (a NUL "
                           "character in a text, or a number out of range); nothing was "
                           "saved") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migration_heads() -> frozenset[str]:
    """The head revisions of the migration history, read from the files without Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = re.search(r'^revision = "([^"]+)"', source, re.M)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = re.search(r"^down_revision = (.+)$", source, re.M)
        value = ast.literal_eval(down.group(1)) if down else None
        parents.update([value] if isinstance(value, str) else value or ())
    return frozenset(revisions - parents)


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is already at every head (a cheap check, no Alembic import)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(row[0] for row in rows) == migration_heads()


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to `revision` with Alembic (every schema change is a migration)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
