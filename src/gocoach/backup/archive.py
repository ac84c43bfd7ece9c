"""Backup and restore of all user data as one JSON document.

The backup carries the users (with their password hashes: the file is a secret, written 0600),
every roadmap's source (so user-imported roadmaps come back too), progress and its history,
cohorts and invitations (accounts.py), and every other table with user data (tables.py).
Restore checks the whole file first (format.py), then writes in the caller's transaction: an
error anywhere leaves the database as it was. Restore never overwrites existing data silently:
rows and accounts that differ are reported and kept unless `replace` is asked for.

>>> data = make_backup(session, now=now)
>>> report = restore_backup(other, read_backup(text, name="team.json"), now=now,
...                        max_bytes=5 << 20)
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gocoach.backup.accounts import (
    AccountsReport,
    dump_cohorts,
    dump_invitations,
    dump_users,
    restore_cohorts,
    restore_users,
)
from gocoach.backup.format import (
    FORMAT,
    VERSION,
    Backup,
    BackupError,
    EventRow,
    ProgressRow,
    check_backup,
    place,
    read_backup,
)
from gocoach.backup.tables import TablesReport, dump_user_tables, restore_user_tables
from gocoach.curricula.roadmaps import import_document
from gocoach.store.tables import Progress, ProgressEvent, Roadmap, User

__all__ = ["BackupError", "RestoreReport", "make_backup", "parse_backup", "restore_backup",
           "write_backup"]


@dataclass
class RestoreReport:
    """What a restore did."""

    users: int = 0
    roadmaps_imported: list[str] = field(default_factory=list)
    progress_added: int = 0
    progress_replaced: int = 0
    progress_kept: list[str] = field(default_factory=list)
    events_added: int = 0
    accounts: AccountsReport = field(default_factory=AccountsReport)
    tables: TablesReport = field(default_factory=TablesReport)


def make_backup(session: Session, *, now: datetime) -> dict[str, Any]:
    """Everything a user owns, the team's cohorts and invitations, and the curricula it all
    hangs on."""
    users = {u.id: u.username for u in session.scalars(select(User))}
    slugs = {r.id: r.slug for r in session.scalars(select(Roadmap))}
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.isoformat(),
        "users": dump_users(session),
        "roadmaps": [
            _roadmap_row(r) for r in session.scalars(select(Roadmap).order_by(Roadmap.id))
        ],
        "progress": [
            {
                "user": users[p.user_id],
                "roadmap": slugs[p.roadmap_id],
                "key": p.node_key,
                "status": p.status,
                "note": p.note,
                "evidence": p.evidence,
                "orphaned": p.orphaned,
                "updated_at": p.updated_at.isoformat(),
            }
            for p in session.scalars(select(Progress).order_by(Progress.id))
        ],
        "progress_events": [
            {
                "user": users[e.user_id],
                "roadmap": slugs[e.roadmap_id],
                "key": e.node_key,
                "previous_status": e.previous_status,
                "status": e.status,
                "note": e.note,
                "source": e.source,
                "detail": e.detail,
                "at": e.at.isoformat(),
            }
            for e in session.scalars(select(ProgressEvent).order_by(ProgressEvent.id))
        ],
        "cohorts": dump_cohorts(session),
        "invitations": dump_invitations(session),
        "tables": dump_user_tables(session),
    }


def _roadmap_row(roadmap: Roadmap) -> dict[str, Any]:
    return {
        "slug": roadmap.slug,
        "title": roadmap.title,
        "source_name": roadmap.source_name,
        "source_text": roadmap.source_text,
        "bundled": roadmap.bundled,
        "position": roadmap.position,
    }


def write_backup(path: Path, data: dict[str, Any]) -> None:
    """Write the backup to `path`, readable by its owner only (0600: it holds password hashes).

    The JSON goes to a temporary file beside `path` first, then takes its place: a failure
    midway leaves the previous backup whole, and the file is never readable by others, not
    even for a moment.
    """
    folder = path.parent
    if path.is_dir():
        raise BackupError("backup.err.is_folder", f"{path}: is a folder; name a file",
                          name=str(path))
    if not folder.is_dir():
        raise BackupError("backup.err.no_folder", f"{folder}: no such folder (create it first)",
                          name=str(folder))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=folder)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def parse_backup(text: str, *, name: str) -> Backup:
    """Read a backup file's text and check all of it (format.read_backup)."""
    return read_backup(text, name=name)


def restore_backup(
    session: Session, data: Backup | Mapping[str, Any], *, now: datetime, max_bytes: int,
    replace: bool = False,
) -> RestoreReport:
    """Restore users, cohorts, missing roadmaps, progress, history and the other tables, in the
    caller's transaction (a BackupError leaves it to be rolled back)."""
    backup = data if isinstance(data, Backup) else check_backup(data, name="backup")
    report = RestoreReport()
    try:
        _check_roadmaps(session, backup)
        users = restore_users(session, backup, replace=replace, report=report.accounts)
        report.users = report.accounts.users
        roadmaps = _restore_roadmaps(session, backup, users, now, max_bytes, report)
        if replace:
            session.execute(delete(Progress))
            session.execute(delete(ProgressEvent))
        _restore_progress(session, backup.progress, users, roadmaps, report)
        _restore_events(session, backup.progress_events, users, roadmaps, report)
        restore_cohorts(session, backup, users=users, roadmaps=roadmaps, replace=replace,
                        report=report.accounts)
        report.tables = restore_user_tables(session, backup.tables, replace=replace)
        session.flush()
    except IntegrityError as exc:
        raise BackupError("backup.err.rule", f"{backup.name}: the backup's rows break a rule "
                          f"of the database ({_constraint(exc)}); nothing was restored",
                          name=backup.name, rule=_constraint(exc)) from exc
    return report


def _constraint(exc: IntegrityError) -> str:
    return str(exc.orig).strip().splitlines()[0][:200]


def _check_roadmaps(session: Session, backup: Backup) -> None:
    """Every roadmap a row names is in the backup (with its source) or in the database."""
    known = {r.slug for r in backup.roadmaps if r.source_text}
    known |= set(session.scalars(select(Roadmap.slug)))
    places: Iterator[tuple[tuple[str | int, ...], str | None]] = itertools.chain(
        ((("progress", i, "roadmap"), r.roadmap) for i, r in enumerate(backup.progress)),
        ((("progress_events", i, "roadmap"), r.roadmap)
         for i, r in enumerate(backup.progress_events)),
        ((("cohorts", i, "roadmaps"), slug) for i, c in enumerate(backup.cohorts)
         for slug in c.roadmaps),
        ((("tables", name, i, "roadmap_id"), row.get("roadmap_id"))
         for name, rows in backup.tables.items() for i, row in enumerate(rows)),
    )
    for loc, slug in places:
        if slug is not None and slug not in known:
            where = place(loc)
            raise BackupError("backup.err.unknown_roadmap", f"{backup.name}: {where}: no "
                              f"roadmap '{slug}' in the backup or in the database",
                              name=backup.name, where=where, slug=slug)


def _restore_roadmaps(
    session: Session,
    backup: Backup,
    users: dict[str, User],
    now: datetime,
    max_bytes: int,
    report: RestoreReport,
) -> dict[str, Roadmap]:
    roadmaps = {r.slug: r for r in session.scalars(select(Roadmap))}
    owner = next(iter(users.values()), None)
    for row in backup.roadmaps:
        if row.slug in roadmaps or not row.source_text or owner is None:
            continue
        import_document(
            session,
            data=row.source_text.encode("utf-8"),
            name=row.source_name or f"{row.slug}.md",
            slug=row.slug,
            user=owner,
            now=now,
            max_bytes=max_bytes,
            bundled=row.bundled,
            position=row.position,
        )
        report.roadmaps_imported.append(row.slug)
    session.flush()
    restored = {r.slug: r for r in session.scalars(select(Roadmap))}
    _drop_import_statuses(session, [restored[s].id for s in report.roadmaps_imported])
    return restored


def _drop_import_statuses(session: Session, roadmap_ids: list[int]) -> None:
    """Forget the statuses (and their history events) that importing a roadmap's source took
    from its checked boxes: the backup's own progress and history are the truth, and keeping
    both would add every "import" event a second time, stamped with the restore's time."""
    if not roadmap_ids:
        return
    session.execute(delete(ProgressEvent).where(ProgressEvent.roadmap_id.in_(roadmap_ids)))
    session.execute(delete(Progress).where(Progress.roadmap_id.in_(roadmap_ids)))


def _restore_progress(
    session: Session,
    rows: list[ProgressRow],
    users: dict[str, User],
    roadmaps: dict[str, Roadmap],
    report: RestoreReport,
) -> None:
    existing = {(p.user_id, p.roadmap_id, p.node_key): p for p in session.scalars(select(Progress))}
    for row in rows:
        user, roadmap = users[row.user], roadmaps[row.roadmap]
        key = (user.id, roadmap.id, row.key)
        current = existing.get(key)
        if current is not None:
            if (current.status, current.note, current.evidence) != (row.status, row.note,
                                                                    row.evidence):
                report.progress_kept.append(f"{row.roadmap}:{row.key}")
            continue
        existing[key] = Progress(user_id=user.id, roadmap_id=roadmap.id, node_key=row.key,
                                 status=row.status, note=row.note, evidence=row.evidence,
                                 orphaned=row.orphaned, updated_at=row.updated_at)
        session.add(existing[key])
        report.progress_added += 1


def _restore_events(
    session: Session,
    rows: list[EventRow],
    users: dict[str, User],
    roadmaps: dict[str, Roadmap],
    report: RestoreReport,
) -> None:
    seen = {
        (e.user_id, e.roadmap_id, e.node_key, e.at.replace(tzinfo=None), e.status)
        for e in session.scalars(select(ProgressEvent))
    }
    for row in rows:
        user, roadmap = users[row.user], roadmaps[row.roadmap]
        if (user.id, roadmap.id, row.key, row.at.replace(tzinfo=None), row.status) in seen:
            continue
        session.add(
            ProgressEvent(
                user_id=user.id,
                roadmap_id=roadmap.id,
                node_key=row.key,
                previous_status=row.previous_status,
                status=row.status,
                note=row.note,
                source=row.source,
                detail=row.detail,
                at=row.at,
            )
        )
        report.events_added += 1
