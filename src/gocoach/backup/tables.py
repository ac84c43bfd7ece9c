"""Backup of every other table that holds user data (drills, interviews, plans, time, practice).

Tables are found from the schema: every table with a `user_id` column except the ones archive.py
and accounts.py handle themselves. Rows keep their ids (so links between them survive); `user_id`
(and any other column that points at a user, such as a comment's `author_id`) is stored as the
username and `roadmap_id` as the roadmap's slug, so they map onto the target database.

Comments on reports and reviews of submissions (`report_comments`, `submission_reviews`) are
carried: they point at a user (the learner), their author (a user: users are carried) and a
report or submission (carried, with their ids).

A restored file's rows are typed by `row_schema` first: each column's type (a string's length,
an integer's range, a JSON column's shape from the table's annotation), so a hostile value is
refused with its place before anything is written.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, create_model
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session

from gocoach.store.engine import Base
from gocoach.store.tables import Roadmap, User

# login_sessions are not data to carry (everyone signs in again); cohort_members travel with
# their cohorts (accounts.py).
HANDLED_ELSEWHERE = frozenset({"progress", "progress_events", "import_runs", "login_sessions",
                               "cohort_members",
                               # queues, not data: a graded request's verdict is a submission
                               # (or a project run), and a waiting one's job is not in the backup
                               "grading_requests", "project_requests"})


@dataclass
class TablesReport:
    """Rows restored per table, and tables left alone because they (or a table their rows
    point at) already held data."""

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


def people(table: Table) -> frozenset[str]:
    """The table's columns that point at a user (user_id, author_id, …)."""
    return frozenset(column.name for column in table.c
                     if any(fk.column.table.name == "users" for fk in column.foreign_keys))


def _to_json(table: Table, row: dict[str, Any], users: dict[int, str],
             slugs: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pointing = people(table)
    for name, value in row.items():
        if name in pointing:
            value = users.get(value)
        elif name == "roadmap_id" and value is not None:
            value = slugs.get(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


@functools.cache
def row_schema(table: Table) -> TypeAdapter[list[BaseModel]]:
    """The rows of one table as a backup holds them: a pydantic type per column."""
    hints = _annotations(table)
    pointing = people(table)
    fields: dict[str, Any] = {}
    for column in table.c:
        kind = str if column.name in pointing or column.name == "roadmap_id" \
            else _column_type(column, hints)
        if column.nullable:
            kind = kind | None
        fields[column.name] = (kind, _default(column))
    model = create_model(f"{table.name}_row", __config__=ConfigDict(extra="ignore"), **fields)
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _annotations(table: Table) -> dict[str, Any]:
    """The mapped class's annotations (`Mapped[dict[str, str]]` → `dict[str, str]`)."""
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            hints = typing.get_type_hints(mapper.class_)
            return {name: typing.get_args(hint)[0] for name, hint in hints.items()
                    if typing.get_origin(hint) is Mapped}
    return {}


def _column_type(column: Column[Any], hints: dict[str, Any]) -> Any:
    kind = column.type
    if isinstance(kind, JSON):
        return _without_none(hints.get(column.name, Any))
    if isinstance(kind, BigInteger):
        return Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
    if isinstance(kind, Integer):
        return Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
    if isinstance(kind, Float):
        return Annotated[float, Field(allow_inf_nan=False)]
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, DateTime):
        return datetime
    if isinstance(kind, Date):
        return date
    if isinstance(kind, String):
        return Annotated[str, StringConstraints(max_length=kind.length)]
    return Any


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return functools.reduce(lambda a, b: a | b, rest)
    return hint


def _default(column: Column[Any]) -> Any:
    """`...` (required) for a column the database cannot fill, else its default."""
    default = column.default
    if default is not None and getattr(default, "is_callable", False):
        make = default.arg  # type: ignore[attr-defined]
        return Field(default_factory=lambda: make(None))
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None if column.nullable else ...


def restore_user_tables(session: Session, dump: dict[str, list[dict[str, Any]]], *,
                        replace: bool) -> TablesReport:
    """Insert the rows (typed by row_schema); a table that already has rows is kept unless
    `replace`, and so is a table whose rows point at a kept one (they would point at the
    target's rows of the same id, someone else's)."""
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
        parents = {fk.column.table.name for c in table.c for fk in c.foreign_keys}
        if parents & set(report.kept) or session.scalar(
                select(func.count()).select_from(table)):
            report.kept.append(table.name)
            continue
        session.execute(insert(table), [_from_json(table, row, users, slugs) for row in rows])
        _reset_sequence(session, table)
        report.restored[table.name] = len(rows)
    return report


def _from_json(table: Table, row: dict[str, Any], users: dict[str, int],
               slugs: dict[str, int]) -> dict[str, Any]:
    values = dict(row)
    for name in people(table):
        values[name] = users[row[name]] if row[name] is not None else None
    if values.get("roadmap_id") is not None:
        values["roadmap_id"] = slugs[row["roadmap_id"]]
    return values


def _reset_sequence(session: Session, table: Table) -> None:
    """PostgreSQL: move the id sequence past the restored ids."""
    if session.get_bind().dialect.name != "postgresql" or "id" not in table.c:
        return
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                         f"(SELECT MAX(id) FROM {table.name}))"))
