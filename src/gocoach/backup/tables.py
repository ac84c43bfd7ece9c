"""Backup of every other table that holds user data (drills, interviews, plans, time, practice).

Tables are found from the schema: every table with a `user_id` column except the ones `backup.py`
handles itself. Rows keep their ids (so links between them survive); `user_id` (and any other
column that points at a user, such as a comment's `author_id`) is stored as the username and
`roadmap_id` as the roadmap's slug, so they map onto the target database.

Comments on reports and reviews of submissions (`report_comments`, `submission_reviews`) are
carried: they point at a user (the learner), their author (a user: users are carried) and a
report or submission (carried, with their ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from gocoach.store.engine import Base
from gocoach.store.tables import Roadmap, User

# login_sessions are not data to carry; cohort_members need cohorts, which backups do not carry
# yet (the teams issue): both stay out rather than restore rows that point nowhere.
HANDLED_ELSEWHERE = frozenset({"progress", "progress_events", "import_runs", "login_sessions",
                               "cohort_members",
                               # a queue, not data: a graded request's verdict is a submission
                               "grading_requests"})


@dataclass
class TablesReport:
    """Rows restored per table, and tables left alone because they already held data."""

    restored: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


def user_tables() -> list[Table]:
    """Tables with user data, parents before children."""
    return [t for t in Base.metadata.sorted_tables
            if "user_id" in t.c and t.name not in HANDLED_ELSEWHERE]


def dump_user_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every user table, JSON-ready."""
    users = {u.id: u.username for u in session.scalars(select(User))}
    slugs = {r.id: r.slug for r in session.scalars(select(Roadmap))}
    dump: dict[str, list[dict[str, Any]]] = {}
    for table in user_tables():
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        dump[table.name] = [_to_json(table, dict(row), users, slugs) for row in rows]
    return dump


def _people(table: Table) -> frozenset[str]:
    """The table's columns that point at a user (user_id, author_id, …)."""
    return frozenset(column.name for column in table.c
                     if any(fk.column.table.name == "users" for fk in column.foreign_keys))


def _to_json(table: Table, row: dict[str, Any], users: dict[int, str],
             slugs: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    people = _people(table)
    for name, value in row.items():
        if name in people:
            value = users.get(value)
        elif name == "roadmap_id" and value is not None:
            value = slugs.get(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


def restore_user_tables(session: Session, dump: dict[str, list[dict[str, Any]]], *,
                        replace: bool) -> TablesReport:
    """Insert the dumped rows; a table that already has rows is kept unless `replace`."""
    report = TablesReport()
    users = {u.username: u.id for u in session.scalars(select(User))}
    slugs = {r.slug: r.id for r in session.scalars(select(Roadmap))}
    tables = user_tables()
    if replace:
        for table in reversed(tables):
            session.execute(delete(table))
    for table in tables:
        rows = dump.get(table.name) or []
        if not rows:
            continue
        if session.scalar(select(func.count()).select_from(table)):
            report.kept.append(table.name)
            continue
        session.execute(insert(table), [_from_json(table, row, users, slugs) for row in rows])
        _reset_sequence(session, table)
        report.restored[table.name] = len(rows)
    return report


def _from_json(table: Table, row: dict[str, Any], users: dict[str, int],
               slugs: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    people = _people(table)
    for name, value in row.items():
        if name not in table.c:
            continue
        column_type = table.c[name].type
        if name == "user_id":
            value = users[value]
        elif name in people:  # a comment's author: gone from the backup → no author
            value = users.get(value) if value is not None else None
        elif name == "roadmap_id" and value is not None:
            value = slugs.get(value)
        elif value is not None and isinstance(column_type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        values[name] = value
    return values


def _reset_sequence(session: Session, table: Table) -> None:
    """PostgreSQL: move the id sequence past the restored ids."""
    if session.get_bind().dialect.name != "postgresql" or "id" not in table.c:
        return
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                         f"(SELECT MAX(id) FROM {table.name}))"))
