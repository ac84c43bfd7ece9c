"""Re-importing edited and garbled versions of a document keeps the learner's progress."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.curricula.progress import set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, import_document, title_similarity
from gocoach.store.tables import Node, User
from test_curricula_shapes import mojibake_cp1252

LIMIT = 5 * 1024 * 1024
DATA = Path(__file__).parent / "data" / "roadmaps"


def do_import(session: Session, user: User, data: bytes, **kwargs: object):  # type: ignore[no-untyped-def]
    return import_document(
        session, data=data, name="plan.md", user=user, now=NOW, max_bytes=LIMIT, **kwargs
    )  # type: ignore[arg-type]


def mark_all(session: Session, user: User, status: str = "done") -> int:
    roadmap = get_roadmap(session, "plan")
    nodes = session.scalars(select(Node).where(Node.trackable)).all()
    for node in nodes:
        set_status(session, user=user, roadmap=roadmap, key=node.key, status=status, now=NOW)
    return len(nodes)


def test_added_words_are_matched_with_their_score(session: Session, user: User) -> None:
    assert title_similarity("Изучить Mocks", "Изучить Mocks и gomock") == 0.9
    assert title_similarity("Изучить Mocks", "Изучить Stubs") < 0.8
    text = (DATA / "progress-table-ru.md").read_text(encoding="utf-8")
    do_import(session, user, text.encode())
    mark_all(session, user)
    edited = text.replace("5. Изучить Mocks", "5. Изучить Mocks и gomock")
    report = do_import(session, user, edited.encode(), dry_run=True)
    assert report.rekeyed == [("Изучить Mocks", "Изучить Mocks и gomock")]
    assert report.match_scores == [0.9] and report.orphaned == []
    report = do_import(session, user, edited.encode())
    assert report.orphaned == []
    assert all(
        not row.orphaned for row in statuses(session, user, get_roadmap(session, "plan")).values()
    )


def test_ambiguous_containment_is_not_matched(session: Session, user: User) -> None:
    text = "# P\n\n## A\n\n- [ ] Learn channels well\n- [ ] Other\n"
    do_import(session, user, text.encode())
    mark_all(session, user)
    edited = text.replace(
        "- [ ] Learn channels well\n",
        "- [ ] Learn channels well today\n- [ ] Learn channels well tomorrow\n",
    )
    report = do_import(session, user, edited.encode())
    assert report.orphaned == ["Learn channels well"] and report.rekeyed == []


def test_garbled_reimport_over_the_clean_import_keeps_progress(
    session: Session, user: User
) -> None:
    text = (DATA / "progress-table-ru.md").read_text(encoding="utf-8")
    do_import(session, user, text.encode())
    marked = mark_all(session, user)
    assert marked == 11
    report = do_import(session, user, mojibake_cp1252(text, "ignore"))
    assert "mojibake via cp1252" in report.decoding and "guessed" in report.decoding
    assert report.orphaned == [] and report.warnings == []
    rows = statuses(session, user, get_roadmap(session, "plan"))
    assert sum(1 for r in rows.values() if not r.orphaned and r.status == "done") == 11
