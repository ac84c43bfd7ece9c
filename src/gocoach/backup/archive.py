"""Backup and restore of all user data as one JSON document.

The backup carries the users, every roadmap's source (so user-imported roadmaps come back too),
progress and its history, and every other table with user data (see backup_tables.py).
Restore never overwrites existing progress silently: rows that differ are reported and kept
unless `replace` is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gocoach.backup.tables import TablesReport, dump_user_tables, restore_user_tables
from gocoach.curricula.roadmaps import import_document
from gocoach.store.tables import Progress, ProgressEvent, Roadmap, User

FORMAT = "gocoach-backup"
VERSION = 1


class BackupError(ValueError):
    """A backup file that cannot be restored; the message says why."""


@dataclass
class RestoreReport:
    """What a restore did."""

    users: int = 0
    roadmaps_imported: list[str] = field(default_factory=list)
    progress_added: int = 0
    progress_replaced: int = 0
    progress_kept: list[str] = field(default_factory=list)
    events_added: int = 0
    tables: TablesReport = field(default_factory=TablesReport)


def make_backup(session: Session, *, now: datetime) -> dict[str, Any]:
    """Everything a user owns, plus the curricula it hangs on."""
    users = {u.id: u.username for u in session.scalars(select(User))}
    slugs = {r.id: r.slug for r in session.scalars(select(Roadmap))}
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.isoformat(),
        "users": [_user_row(u) for u in session.scalars(select(User).order_by(User.id))],
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
        "tables": dump_user_tables(session),
    }


def _user_row(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "is_local": user.is_local,
        "locale": user.locale,
        "created_at": user.created_at.isoformat(),
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


def parse_backup(text: str, *, name: str) -> dict[str, Any]:
    """Read a backup file's JSON and check that it is one of ours."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupError(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f'{name}: not a gocoach backup (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise BackupError(f"{name}: backup version {data.get('version')} is not supported")
    return data


def restore_backup(
    session: Session, data: dict[str, Any], *, now: datetime, max_bytes: int, replace: bool = False
) -> RestoreReport:
    """Restore users, missing roadmaps, progress and history, in the caller's transaction."""
    report = RestoreReport()
    users = _restore_users(session, data.get("users", []), report)
    roadmaps = _restore_roadmaps(session, data.get("roadmaps", []), users, now, max_bytes, report)
    if replace:
        session.execute(delete(Progress))
        session.execute(delete(ProgressEvent))
    _restore_progress(session, data.get("progress", []), users, roadmaps, replace, report)
    _restore_events(session, data.get("progress_events", []), users, roadmaps, report)
    report.tables = restore_user_tables(session, data.get("tables", {}), replace=replace)
    return report


def _restore_users(
    session: Session, rows: list[dict[str, Any]], report: RestoreReport
) -> dict[str, User]:
    users = {u.username: u for u in session.scalars(select(User))}
    for row in rows:
        if row["username"] not in users:
            user = User(
                username=row["username"],
                display_name=row.get("display_name", ""),
                role=row.get("role", "learner"),
                is_local=row.get("is_local", False),
                locale=row.get("locale"),
                created_at=datetime.fromisoformat(row["created_at"]),
            )
            session.add(user)
            users[user.username] = user
            report.users += 1
    session.flush()
    return users


def _restore_roadmaps(
    session: Session,
    rows: list[dict[str, Any]],
    users: dict[str, User],
    now: datetime,
    max_bytes: int,
    report: RestoreReport,
) -> dict[str, Roadmap]:
    roadmaps = {r.slug: r for r in session.scalars(select(Roadmap))}
    owner = next(iter(users.values()), None)
    for row in rows:
        if row["slug"] in roadmaps or not row.get("source_text") or owner is None:
            continue
        import_document(
            session,
            data=row["source_text"].encode("utf-8"),
            name=row.get("source_name") or f"{row['slug']}.md",
            slug=row["slug"],
            user=owner,
            now=now,
            max_bytes=max_bytes,
            bundled=row.get("bundled", False),
            position=row.get("position", 0),
        )
        report.roadmaps_imported.append(row["slug"])
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
    rows: list[dict[str, Any]],
    users: dict[str, User],
    roadmaps: dict[str, Roadmap],
    replace: bool,
    report: RestoreReport,
) -> None:
    existing = {(p.user_id, p.roadmap_id, p.node_key): p for p in session.scalars(select(Progress))}
    for row in rows:
        user, roadmap = users.get(row["user"]), roadmaps.get(row["roadmap"])
        if user is None or roadmap is None:
            raise BackupError(
                f"progress for unknown user or roadmap: {row['user']}/{row['roadmap']}"
            )
        current = existing.get((user.id, roadmap.id, row["key"]))
        same = current is not None and (current.status, current.note, current.evidence) == (
            row["status"],
            row["note"],
            row["evidence"],
        )
        if same:
            continue
        if current is not None:
            report.progress_kept.append(f"{row['roadmap']}:{row['key']}")
            continue
        session.add(
            Progress(
                user_id=user.id,
                roadmap_id=roadmap.id,
                node_key=row["key"],
                status=row["status"],
                note=row["note"],
                evidence=row["evidence"],
                orphaned=row.get("orphaned", False),
                updated_at=datetime.fromisoformat(row["updated_at"]),
            )
        )
        report.progress_added += 1


def _restore_events(
    session: Session,
    rows: list[dict[str, Any]],
    users: dict[str, User],
    roadmaps: dict[str, Roadmap],
    report: RestoreReport,
) -> None:
    seen = {
        (e.user_id, e.roadmap_id, e.node_key, e.at.replace(tzinfo=None), e.status)
        for e in session.scalars(select(ProgressEvent))
    }
    for row in rows:
        user, roadmap = users[row["user"]], roadmaps[row["roadmap"]]
        at = datetime.fromisoformat(row["at"])
        if (user.id, roadmap.id, row["key"], at.replace(tzinfo=None), row["status"]) in seen:
            continue
        session.add(
            ProgressEvent(
                user_id=user.id,
                roadmap_id=roadmap.id,
                node_key=row["key"],
                previous_status=row["previous_status"],
                status=row["status"],
                note=row["note"],
                source=row["source"],
                detail=row["detail"],
                at=at,
            )
        )
        report.events_added += 1
