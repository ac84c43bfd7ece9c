"""Loading the bank into the database: reload keeps ids, a broken file loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.questions.bank import ContentError, followup_id, load_track
from gocoach.store.tables import FollowUpQuestion, Question, QuestionModule, QuestionTrack
from test_questions_format import GOOD_QUESTION, write_track

SHIPPED = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"


def test_load_shipped_track(session: Session) -> None:
    report = load_track(session, SHIPPED, now=NOW)
    assert report.modules == 14 and report.questions >= 126
    track = session.scalars(select(QuestionTrack)).one()
    assert track.title == "Go Core" and track.stats["questions"] == report.questions
    modules = session.scalars(select(QuestionModule).order_by(QuestionModule.position)).all()
    assert [m.number for m in modules] == [f"{i:02d}" for i in range(14)]
    assert modules[0].group_name == "Основы (чаще всего спрашивают)"
    question = session.scalars(select(Question).where(Question.module_number == "00")).first()
    assert (
        question is not None and len(question.sections) == 6 and 3 <= len(question.key_points) <= 6
    )


def test_reload_keeps_ids_and_retires_removed_questions(session: Session, tmp_path: Path) -> None:
    second = GOOD_QUESTION.replace("chan-send-closed", "chan-nil").replace(
        "## Что будет при отправке в закрытый канал?", "## Что делает nil-канал?"
    )
    folder = write_track(tmp_path, "# Горутины и каналы\n\n" + GOOD_QUESTION + second)
    load_track(session, folder, now=NOW)
    first_id = session.scalars(select(Question.id).where(Question.qid == "chan-nil")).one()
    (folder / "01-goroutines-channels.md").write_text(
        "# Горутины и каналы\n\n"
        + second.replace("Отправитель, и только один раз.", "Тот, кто пишет."),
        encoding="utf-8",
    )
    report = load_track(session, folder, now=NOW)
    assert report.retired == ["chan-send-closed"] and report.added == []
    kept = session.scalars(select(Question).where(Question.qid == "chan-send-closed")).one()
    assert kept.retired
    assert session.scalars(select(Question.id).where(Question.qid == "chan-nil")).one() == first_id
    fid = followup_id("chan-nil", "Кто должен закрывать канал?")
    followup = session.scalars(select(FollowUpQuestion).where(FollowUpQuestion.fid == fid)).one()
    assert followup.answer == "Тот, кто пишет." and not followup.retired


def test_broken_module_loads_nothing(session: Session, tmp_path: Path) -> None:
    folder = write_track(tmp_path, "# Горутины и каналы\n\n" + GOOD_QUESTION)
    load_track(session, folder, now=NOW)
    (folder / "01-goroutines-channels.md").write_text(
        "# Горутины и каналы\n\n" + GOOD_QUESTION.replace("level: middle", "level: guru"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"01-goroutines-channels\.md:4: level 'guru'"):
        load_track(session, folder, now=NOW)
    assert session.scalars(select(Question.level)).one() == "middle"


def test_search_index_holds_stems(session: Session) -> None:
    from sqlalchemy import text

    load_track(session, SHIPPED, now=NOW)
    rows = session.execute(
        text("SELECT ref FROM question_search WHERE question_search MATCH 'body:канал'")
    ).all()
    assert len(rows) > 5
