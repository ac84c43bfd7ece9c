"""Importing into the database: counts, re-import keeping progress, dry runs, transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import NOW, seed_bytes
from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.progress import roll_up, set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, import_document, load_nodes
from gocoach.store.tables import Node, Progress, ProgressEvent, Roadmap, User

LIMIT = 5 * 1024 * 1024
PLAN = """# Plan

## Week 1

- [ ] Goroutines and the scheduler
- [ ] Channels: buffered and unbuffered
- [ ] Select statement

## Week 2

- [ ] Mutex and RWMutex
- [ ] Context cancellation
"""


def do_import(session: Session, user: User, text: str | bytes, **kwargs: object):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return import_document(
        session, data=data, name="plan.md", user=user, now=NOW, max_bytes=LIMIT, **kwargs
    )  # type: ignore[arg-type]


def item_key(session: Session, title: str) -> str:
    return session.scalars(select(Node.key).where(Node.title == title)).one()


def test_import_stores_tree_and_report(session: Session, user: User) -> None:
    report = do_import(session, user, seed_bytes("003"))
    assert report.created and report.counts["checkbox_items"] == 183
    assert report.counts["stage"] == 4 and report.counts["week"] == 16
    assert "mac_roman" in report.decoding and report.repaired_chars > 1000
    roadmap = get_roadmap(session, "plan")
    assert roadmap.meta["hours_per_week"] == {"min": 15, "max": 20}
    assert len(load_nodes(session, roadmap)) == sum(
        report.counts[k] for k in ("section", "item", "stage", "week", "day")
    )


def test_reimport_same_document_keeps_progress(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    roadmap = get_roadmap(session, "plan")
    set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=item_key(session, "Select statement"),
        status="done",
        note="read the spec",
        now=NOW,
    )
    report = do_import(session, user, PLAN)
    assert report.added == [] and report.removed == [] and report.orphaned == []
    assert report.unchanged_source
    rows = statuses(session, user, roadmap)
    assert [r.status for r in rows.values()] == ["done"]
    assert rows[item_key(session, "Select statement")].note == "read the spec"


def test_edited_item_is_matched_and_unmatched_is_reported(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    roadmap = get_roadmap(session, "plan")
    for title in ("Channels: buffered and unbuffered", "Context cancellation"):
        set_status(
            session,
            user=user,
            roadmap=roadmap,
            key=item_key(session, title),
            status="done",
            now=NOW,
        )
    edited = PLAN.replace("Channels: buffered and unbuffered", "Channels: buffered & unbuffered")
    edited = edited.replace("- [ ] Context cancellation\n", "- [ ] Generics in depth\n")
    report = do_import(session, user, edited)
    assert report.rekeyed == [
        ("Channels: buffered and unbuffered", "Channels: buffered & unbuffered")
    ]
    assert report.orphaned == ["Context cancellation"]
    rows = statuses(session, user, roadmap)
    new_key = item_key(session, "Channels: buffered & unbuffered")
    assert rows[new_key].status == "done" and not rows[new_key].orphaned
    orphan = [r for r in rows.values() if r.orphaned]
    assert len(orphan) == 1 and orphan[0].status == "done"  # kept, not deleted
    assert (
        session.scalar(
            select(func.count()).select_from(ProgressEvent).where(ProgressEvent.source == "import")
        )
        == 1
    )


def test_dry_run_changes_nothing(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    before = session.scalar(select(func.count()).select_from(Node))
    report = do_import(session, user, PLAN + "- [ ] Atomics\n", dry_run=True)
    assert report.dry_run and report.added == ["Atomics"]
    assert session.scalar(select(func.count()).select_from(Node)) == before


def test_failed_import_leaves_existing_data(database, user: User) -> None:  # type: ignore[no-untyped-def]
    from gocoach.store.engine import transaction

    with transaction(database.sessions) as session:
        do_import(session, session.merge(user), PLAN)
    with pytest.raises(DocumentError), transaction(database.sessions) as session:
        do_import(session, session.merge(user), b"\x00\x01\x02binary")
    with transaction(database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Roadmap)) == 1
        assert session.scalar(select(func.count()).select_from(Node)) == 7


def test_checked_boxes_never_silently_replace_progress(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    roadmap = get_roadmap(session, "plan")
    key = item_key(session, "Select statement")
    set_status(session, user=user, roadmap=roadmap, key=key, status="skipped", now=NOW)
    report = do_import(
        session,
        user,
        PLAN.replace("- [ ] Select", "- [x] Select").replace("- [ ] Mutex", "- [x] Mutex"),
    )
    assert report.conflicts == ["Select statement: document says done, your progress says skipped"]
    assert report.statuses_taken == 1
    rows = statuses(session, user, roadmap)
    assert rows[key].status == "skipped"
    assert rows[item_key(session, "Mutex and RWMutex")].status == "done"
    do_import(session, user, PLAN.replace("- [ ] Select", "- [x] Select"), overwrite_progress=True)
    assert statuses(session, user, roadmap)[key].status == "done"


def test_rollups_ignore_skipped_items(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    roadmap = get_roadmap(session, "plan")
    set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=item_key(session, "Select statement"),
        status="done",
        now=NOW,
    )
    set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=item_key(session, "Mutex and RWMutex"),
        status="skipped",
        now=NOW,
    )
    rollups = roll_up(load_nodes(session, roadmap), statuses(session, user, roadmap))
    assert (rollups[None].done, rollups[None].total, rollups[None].percent) == (1, 4, 25)
    week2 = session.scalars(select(Node).where(Node.title == "Week 2")).one()
    assert (rollups[week2.key].total, rollups[week2.key].percent) == (1, 0)


def test_unknown_status_and_item_are_refused(session: Session, user: User) -> None:
    do_import(session, user, PLAN)
    roadmap = get_roadmap(session, "plan")
    with pytest.raises(ValueError, match="unknown status 'finished'"):
        set_status(
            session,
            user=user,
            roadmap=roadmap,
            key=item_key(session, "Select statement"),
            status="finished",
            now=NOW,
        )
    with pytest.raises(LookupError, match="no item 'deadbeef00'"):
        set_status(session, user=user, roadmap=roadmap, key="deadbeef00", status="done", now=NOW)
    assert session.scalar(select(func.count()).select_from(Progress)) == 0
