"""Export to Markdown (only checkbox lines change) and backup/restore of all user data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import NOW, seed_bytes
from gocoach.backup.archive import BackupError, make_backup, parse_backup, restore_backup
from gocoach.curricula.decoding import decode_document
from gocoach.curricula.export import export_markdown
from gocoach.curricula.progress import set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, import_document, load_nodes
from gocoach.store.tables import Progress, User

LIMIT = 5 * 1024 * 1024
STATUS_CYCLE = ("done", "in_progress", "skipped", "todo")


def import_seed(session: Session, user: User, prefix: str, slug: str) -> None:
    import_document(
        session,
        data=seed_bytes(prefix),
        name=f"{slug}.md",
        slug=slug,
        user=user,
        now=NOW,
        max_bytes=LIMIT,
    )


def mark_some(session: Session, user: User, slug: str) -> dict[str, str]:
    roadmap = get_roadmap(session, slug)
    wanted = {}
    items = [n for n in load_nodes(session, roadmap) if n.trackable]
    for index, node in enumerate(items[::7]):
        status = STATUS_CYCLE[index % 4]
        set_status(session, user=user, roadmap=roadmap, key=node.key, status=status, now=NOW)
        wanted[node.key] = status
    return wanted


@pytest.mark.parametrize(
    ("prefix", "slug"),
    [("001", "followups"), ("002", "senior"), ("003", "backend"), ("004", "mastery")],
)
def test_export_then_import_keeps_every_status(
    session: Session, user: User, prefix: str, slug: str
) -> None:
    import_seed(session, user, prefix, slug)
    wanted = mark_some(session, user, slug)
    roadmap = get_roadmap(session, slug)
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    )
    other = User(username="other", created_at=NOW)
    session.add(other)
    session.flush()
    report = import_document(
        session,
        data=exported.encode(),
        name="copy.md",
        slug=f"{slug}-copy",
        user=other,
        now=NOW,
        max_bytes=LIMIT,
    )
    assert report.conflicts == []
    copy = get_roadmap(session, f"{slug}-copy")
    got = {k: p.status for k, p in statuses(session, other, copy).items()}
    assert {k: s for k, s in wanted.items() if s != "todo"} == got
    assert [n.key for n in load_nodes(session, copy)] == [
        n.key for n in load_nodes(session, roadmap)
    ]


def test_export_changes_only_checkbox_lines(session: Session, user: User) -> None:
    import_seed(session, user, "002", "senior")
    mark_some(session, user, "senior")
    roadmap = get_roadmap(session, "senior")
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    ).split("\n")
    original = decode_document(seed_bytes("002"), name="002").text.split("\n")
    assert len(exported) == len(original)
    changed = [(a, b) for a, b in zip(original, exported, strict=True) if a != b]
    assert changed and all(
        a.startswith("- [ ]") and b[:5] in ("- [x]", "- [/]", "- [-]") and a[5:] == b[5:]
        for a, b in changed
    )


def test_plain_bullets_get_a_checkbox(session: Session, user: User) -> None:
    import_seed(session, user, "004", "mastery")
    roadmap = get_roadmap(session, "mastery")
    node = next(n for n in load_nodes(session, roadmap) if n.title == "Origin Story")
    set_status(session, user=user, roadmap=roadmap, key=node.key, status="done", now=NOW)
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    )
    assert "- [x] **Origin Story:** Google's 2007 creation" in exported


def test_backup_restore_round_trip(session: Session, user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_seed(session, user, "003", "backend")
    wanted = mark_some(session, user, "backend")
    roadmap = get_roadmap(session, "backend")
    key = next(iter(wanted))
    set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=key,
        note="**заметка**",
        evidence=["https://example.org/pr/1"],
        now=NOW,
    )
    text = json.dumps(make_backup(session, now=NOW), ensure_ascii=False)

    from gocoach.startup import open_database
    from gocoach.store.engine import transaction
    from gocoach.store.settings import load_settings

    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh", load_bundled=False))
    with transaction(fresh.sessions) as other:
        report = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert report.roadmaps_imported == ["backend"]
        assert report.progress_added == len(wanted)
        again = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert again.progress_added == 0 and again.events_added == 0
        restored_user = other.scalars(select(User).where(User.username == "local")).one()
        rows = statuses(other, restored_user, get_roadmap(other, "backend"))
        assert {k: r.status for k, r in rows.items()} == wanted
        assert rows[key].note == "**заметка**" and rows[key].evidence == [
            "https://example.org/pr/1"
        ]
    fresh.engine.dispose()


def test_restore_keeps_differing_progress_unless_replace(session: Session, user: User) -> None:
    import_seed(session, user, "002", "senior")
    wanted = mark_some(session, user, "senior")
    data = make_backup(session, now=NOW)
    roadmap = get_roadmap(session, "senior")
    key = next(k for k, s in wanted.items() if s == "done")
    set_status(session, user=user, roadmap=roadmap, key=key, status="todo", now=NOW)
    report = restore_backup(session, data, now=NOW, max_bytes=LIMIT)
    assert report.progress_kept == [f"senior:{key}"]
    assert statuses(session, user, roadmap)[key].status == "todo"
    restore_backup(session, data, now=NOW, max_bytes=LIMIT, replace=True)
    assert statuses(session, user, roadmap)[key].status == "done"
    assert session.scalar(select(func.count()).select_from(Progress)) == len(wanted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "b.json:1: not valid JSON"),
        ('{"hello": 1}', "not a gocoach backup"),
        ('{"format": "gocoach-backup", "version": 99}', "version 99 is not supported"),
    ],
)
def test_bad_backups(text: str, message: str) -> None:
    with pytest.raises(BackupError, match=message):
        parse_backup(text, name="b.json")


def test_backup_carries_drills_plans_and_time(session: Session, user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from gocoach.drills.reviews import record_rating
    from gocoach.plans.timelog import log_time
    from gocoach.startup import open_database
    from gocoach.store.engine import transaction
    from gocoach.store.settings import load_settings
    from gocoach.store.tables import DrillCard, ReviewLogEntry, TimeEntry
    from question_fixtures import load_small_track

    load_small_track(session, tmp_path / "bank", NOW)
    record_rating(session, user=user, ref="chan-buffered", rating=3, now=NOW, duration_ms=5000)
    log_time(session, user=user, minutes=45, source="manual", day=date(2026, 11, 21), now=NOW)
    text = json.dumps(make_backup(session, now=NOW), ensure_ascii=False)

    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh", load_bundled=False))
    with transaction(fresh.sessions) as other:
        load_small_track(other, tmp_path / "bank2", NOW)
        report = restore_backup(other, parse_backup(text, name="b.json"), now=NOW,
                                max_bytes=LIMIT)
        assert report.tables.restored["cards"] == 1
        assert report.tables.restored["review_logs"] == 1
        assert report.tables.restored["time_entries"] == 1
        card = other.scalars(select(DrillCard)).one()
        assert card.ref == "chan-buffered"
        assert card.due.replace(tzinfo=None) > NOW.replace(tzinfo=None)
        assert other.scalars(select(ReviewLogEntry.duration_ms)).one() == 5000
        assert other.scalars(select(TimeEntry.minutes)).one() == 45
        again = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert "cards" in again.tables.kept and other.scalar(
            select(func.count()).select_from(DrillCard)) == 1
    fresh.engine.dispose()
