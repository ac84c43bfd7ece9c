"""The backup file: its JSON, its versions, and the types and references of everything in it.

Version 2 carries what a team server needs besides the study data: the accounts' argon2 hashes
and disabled state, the cohorts with their roadmaps, learners and mentors, and the invitations.
Version 1 files (users without hashes, no cohorts) still read and restore.

`read_backup` checks a whole file before anything is written: a value of the wrong type, a
reference to a user, cohort or row the file does not hold, a password hash that is not an
argon2 string all raise a BackupError that names the place (`users[3].password_hash`).

>>> backup = read_backup(text, name="team.json")
>>> [u.username for u in backup.users]
['local', 'lena']
"""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gocoach.backup.tables import people, row_schema, user_tables
from gocoach.store.refusals import Refusal
from gocoach.teams.accounts import USERNAME
from gocoach.teams.cohorts import SLUG

FORMAT = "gocoach-backup"
VERSION = 2
READABLE = (1, 2)
# A hash this gocoach makes costs 64 MiB and 3 passes; a file may carry stronger ones, but not
# so strong that one sign-in takes the server's memory or minutes of CPU.
MAX_HASH_MEMORY_KIB = 1 << 20
MAX_HASH_TIME = 64
MAX_HASH_LANES = 64


class BackupError(Refusal):
    """A backup that cannot be written or restored; `code` and `params` word it (catalog)."""


Username = Annotated[str, StringConstraints(pattern=f"^(?:{USERNAME.pattern})$")]
CohortSlug = Annotated[str, StringConstraints(pattern=f"^(?:{SLUG.pattern})$")]
TokenHash = Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")]
Slug = Annotated[str, StringConstraints(max_length=120)]
Key = Annotated[str, StringConstraints(max_length=16)]
Code = Annotated[str, StringConstraints(max_length=20)]  # a status, a source
Locale = Annotated[str, StringConstraints(max_length=8)]
Title = Annotated[str, StringConstraints(max_length=200)]
FileName = Annotated[str, StringConstraints(max_length=500)]
Hash = Annotated[str, StringConstraints(max_length=255)]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Hours = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class UserRow(_Row):
    """An account; `password_hash` and `disabled` are absent from version 1 files."""

    username: Username
    display_name: Title = ""
    role: Literal["learner", "mentor", "admin"] = "learner"
    is_local: bool = False
    locale: Locale | None = None
    created_at: datetime
    password_hash: Hash | None = None
    disabled: bool = False


class RoadmapRow(_Row):
    """A roadmap and its source (re-imported when the target does not have it)."""

    slug: Slug
    title: str = ""
    source_name: FileName = ""
    source_text: str = ""
    bundled: bool = False
    position: Int32 = 0


class ProgressRow(_Row):
    """One user's status of one roadmap item."""

    user: Username
    roadmap: Slug
    key: Key
    status: Literal["todo", "in_progress", "done", "skipped"]
    note: str = ""
    evidence: list[str] = Field(default_factory=list)
    orphaned: bool = False
    updated_at: datetime


class EventRow(_Row):
    """A change in the history of a user's progress."""

    user: Username
    roadmap: Slug
    key: Key
    previous_status: Code | None = None
    status: Code
    note: str = ""
    source: Code = "cli"
    detail: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class MemberRow(_Row):
    """A learner or mentor of a cohort."""

    user: Username
    role: Literal["learner", "mentor"]
    added_at: datetime


class CohortRow(_Row):
    """A cohort: its plan template (roadmaps by slug, in order) and its people."""

    slug: CohortSlug
    title: Title = ""
    start_date: date
    hours_per_week: Hours | None = None
    created_at: datetime
    roadmaps: list[Slug] = Field(default_factory=list)
    members: list[MemberRow] = Field(default_factory=list)


class InvitationRow(_Row):
    """A sign-up link (its token's SHA-256), the role and cohort it grants, who made and used it."""

    token_hash: TokenHash
    role: Literal["learner", "mentor", "admin"] = "learner"
    cohort: CohortSlug | None = None
    created_by: Username | None = None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: Username | None = None


class _Document(_Row):
    format: Literal["gocoach-backup"]
    version: Literal[1, 2]
    users: list[UserRow] = Field(default_factory=list)
    roadmaps: list[RoadmapRow] = Field(default_factory=list)
    progress: list[ProgressRow] = Field(default_factory=list)
    progress_events: list[EventRow] = Field(default_factory=list)
    cohorts: list[CohortRow] = Field(default_factory=list)
    invitations: list[InvitationRow] = Field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


@dataclass
class Backup:
    """A checked backup: typed rows, and the other tables' rows with their values parsed."""

    name: str
    version: int
    users: list[UserRow] = field(default_factory=list)
    roadmaps: list[RoadmapRow] = field(default_factory=list)
    progress: list[ProgressRow] = field(default_factory=list)
    progress_events: list[EventRow] = field(default_factory=list)
    cohorts: list[CohortRow] = field(default_factory=list)
    invitations: list[InvitationRow] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def load_backup_file(path: Path, *, max_bytes: int) -> str:
    """A backup file's text; BackupError when it is larger than `max_bytes`."""
    with path.open("rb") as source:
        size = _size(source.fileno())
        data = b"" if size > max_bytes else source.read(max_bytes + 1)
    if size > max_bytes or len(data) > max_bytes:
        raise BackupError("backup.err.too_big", f"{path}: the file is larger than the limit, "
                          f"{max_bytes} bytes (GOCOACH_MAX_BACKUP_BYTES)", name=str(path),
                          limit=max_bytes)
    return data.decode("utf-8", errors="replace")


def _size(fd: int) -> int:
    info = os.fstat(fd)
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def read_backup(text: str, *, name: str) -> Backup:
    """Parse and check a backup file's text (see the module's docstring)."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BackupError("backup.err.json", f"{name}:{exc.lineno}: not valid JSON ({exc.msg})",
                          name=name, line=exc.lineno, what=exc.msg) from exc
    except RecursionError:
        raise BackupError("backup.err.deep", f"{name}: JSON nested too deeply",
                          name=name) from None
    except ValueError as exc:  # NaN or Infinity
        raise BackupError("backup.err.json", f"{name}:1: not valid JSON ({exc})", name=name,
                          line=1, what=str(exc)) from exc
    return check_backup(data, name=name)


def _no_constant(word: str) -> float:
    raise ValueError(f"{word} is not a number JSON allows")


def check_backup(data: object, *, name: str) -> Backup:
    """A parsed JSON document checked as a backup: format, version, types and references."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise BackupError("backup.err.format", f'{name}: not a gocoach backup (no "format": '
                          f'"{FORMAT}")', name=name, format=FORMAT)
    version = data.get("version")
    if type(version) is not int or version not in READABLE:
        shown = str(version)[:20]
        raise BackupError("backup.err.version", f"{name}: backup version {shown} is not "
                          f"supported (this gocoach reads versions 1 and 2)", name=name,
                          version=shown)
    try:
        document = _Document.model_validate(data)
    except ValidationError as exc:
        raise _type_error(name, exc) from None
    except RecursionError:
        raise BackupError("backup.err.deep", f"{name}: JSON nested too deeply",
                          name=name) from None
    backup = Backup(name=name, version=version, users=document.users,
                    roadmaps=document.roadmaps, progress=document.progress,
                    progress_events=document.progress_events, cohorts=document.cohorts,
                    invitations=document.invitations,
                    tables=_checked_tables(name, document.tables))
    _check_users(backup)
    _check_references(backup)
    return backup


def _type_error(name: str, exc: ValidationError, prefix: tuple[str | int, ...] = ()
                ) -> BackupError:
    first = exc.errors(include_url=False)[0]
    where = place((*prefix, *first["loc"]))
    problem = str(first["msg"])
    if first["type"] == "missing":
        return BackupError("backup.err.missing", f"{name}: {where}: missing", name=name,
                           where=where)
    return BackupError("backup.err.field", f"{name}: {where}: {problem}", name=name,
                       where=where, problem=problem)


def place(loc: Iterable[str | int]) -> str:
    """A location as `tables.cards[3].due`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top)"


def _checked_tables(name: str, tables: dict[str, list[dict[str, Any]]]
                    ) -> dict[str, list[dict[str, Any]]]:
    """The rows of the tables this gocoach carries, typed; other names are ignored."""
    checked: dict[str, list[dict[str, Any]]] = {}
    for table in user_tables():
        rows = tables.get(table.name) or []
        try:
            models = row_schema(table).validate_python(rows)
        except ValidationError as exc:
            raise _type_error(name, exc, ("tables", table.name)) from None
        checked[table.name] = [model.model_dump() for model in models]
    return checked


def _check_users(backup: Backup) -> None:
    """Each username once; each hash an argon2 string of sane cost."""
    _no_twice(backup.name, "users", [u.username for u in backup.users])
    for index, user in enumerate(backup.users):
        if user.password_hash is not None:
            _check_hash(backup.name, f"users[{index}].password_hash", user.password_hash)


def _check_hash(name: str, where: str, value: str) -> None:
    try:
        parameters = extract_parameters(value)
    except (InvalidHashError, ValueError):
        raise BackupError("backup.err.hash", f"{name}: {where}: not an argon2 password hash",
                          name=name, where=where) from None
    if (parameters.memory_cost > MAX_HASH_MEMORY_KIB or parameters.time_cost > MAX_HASH_TIME
            or parameters.parallelism > MAX_HASH_LANES):
        raise BackupError("backup.err.hash_cost", f"{name}: {where}: an argon2 hash too costly "
                          "to check (more than 1 GiB, 64 passes or 64 lanes)", name=name,
                          where=where)


def _no_twice(name: str, where: str, values: list[Any]) -> None:
    twice = [value for value, count in Counter(values).items() if count > 1]
    if twice:
        raise BackupError("backup.err.twice", f"{name}: {where}: '{twice[0]}' appears twice",
                          name=name, where=where, value=str(twice[0])[:80])


def _check_references(backup: Backup) -> None:
    """Every user, cohort and row a row points at is in the backup (roadmaps are checked
    when restoring: the target may have them)."""
    name = backup.name
    cohorts = {c.slug for c in backup.cohorts}
    _no_twice(name, "cohorts", [c.slug for c in backup.cohorts])
    for i, cohort in enumerate(backup.cohorts):
        _no_twice(name, f"cohorts[{i}].members", [m.user for m in cohort.members])
        _no_twice(name, f"cohorts[{i}].roadmaps", cohort.roadmaps)
    _no_twice(name, "invitations", [v.token_hash for v in backup.invitations])
    for i, invitation in enumerate(backup.invitations):
        if invitation.cohort is not None and invitation.cohort not in cohorts:
            raise BackupError("backup.err.unknown_cohort", f"{name}: invitations[{i}].cohort: "
                              f"no cohort '{invitation.cohort}' in the backup", name=name,
                              where=f"invitations[{i}].cohort", slug=invitation.cohort)
    users = {u.username for u in backup.users}
    for loc, username in _user_references(backup):
        if username is not None and username not in users:
            where = place(loc)
            raise BackupError("backup.err.unknown_user", f"{name}: {where}: no user "
                              f"'{username}' in the backup", name=name, where=where,
                              user=username)
    _check_row_links(backup)


Loc = tuple[str | int, ...]


def _user_references(backup: Backup) -> Iterator[tuple[Loc, str | None]]:
    """(where, username) of every reference to a user."""
    for i, row in enumerate(backup.progress):
        yield ("progress", i, "user"), row.user
    for i, event in enumerate(backup.progress_events):
        yield ("progress_events", i, "user"), event.user
    for i, cohort in enumerate(backup.cohorts):
        for j, member in enumerate(cohort.members):
            yield ("cohorts", i, "members", j, "user"), member.user
    for i, invitation in enumerate(backup.invitations):
        yield ("invitations", i, "created_by"), invitation.created_by
        yield ("invitations", i, "used_by"), invitation.used_by
    for table in user_tables():
        columns = people(table)
        for index, values in enumerate(backup.tables[table.name]):
            for column in columns:
                yield ("tables", table.name, index, column), values[column]


def _check_row_links(backup: Backup) -> None:
    """Ids are unique per table; a row points only at rows the backup holds."""
    ids = {name: [row["id"] for row in rows] for name, rows in backup.tables.items()}
    for table_name, values in ids.items():
        _no_twice(backup.name, f"tables.{table_name}.id", values)
    known = {name: set(values) for name, values in ids.items()}
    for table in user_tables():
        links = [(c.name, fk.column.table.name) for c in table.c for fk in c.foreign_keys
                 if fk.column.table.name in known]
        for index, row in enumerate(backup.tables[table.name]):
            for column, target in links:
                value = row[column]
                if value is not None and value not in known[target]:
                    where = f"tables.{table.name}[{index}].{column}"
                    raise BackupError("backup.err.unknown_row", f"{backup.name}: {where}: "
                                      f"points at row {value} of {target}, which the backup "
                                      "does not hold", name=backup.name, where=where, table=target,
                                      id=value)

