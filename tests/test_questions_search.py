"""Full-text search: Russian and English stems, prefixes, filters, follow-ups, bad filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.questions.search import SearchFilters, search_questions
from gocoach.store.tables import User
from question_fixtures import load_small_track


@pytest.fixture
def bank(session: Session, user: User, tmp_path: Path) -> Session:
    load_small_track(session, tmp_path / "track", NOW)
    session.flush()
    return session


def refs(session: Session, text: str, **filters: object) -> list[str]:
    return [h.ref for h in search_questions(session, text=text,
                                            filters=SearchFilters(**filters))]  # type: ignore[arg-type]


def test_russian_word_forms_find_the_question(bank: Session) -> None:
    assert refs(bank, "буферизованные каналы")[0] == "chan-buffered"
    assert refs(bank, "отмену")[0] == "err-context"  # «отмену» → отмен, «отмена» → отм
    assert refs(bank, "отмена context")[0] == "err-context"
    assert refs(bank, "kubernetes") == []


def test_english_words_and_a_prefix_of_the_last_word(bank: Session) -> None:
    assert refs(bank, "goroutines should check") == ["err-context"]
    assert refs(bank, "буферизо")[0] == "chan-buffered"  # typing: the last word is a prefix


def test_follow_ups_are_found_with_their_question(bank: Session) -> None:
    hits = search_questions(bank, text="закрытого канала")
    followup = next(h for h in hits if h.kind == "followup")
    assert followup.qid == "chan-buffered" and followup.title.startswith("Что будет при чтении")
    assert followup.url.startswith("/questions/chan-buffered#f-")
    assert "нулевое значение" in followup.snippet


def test_filters(bank: Session) -> None:
    assert set(refs(bank, "канал", level="senior")) == {"chan-select", "err-context"}
    assert all(r.startswith("chan-buffered") for r in refs(bank, "канал", min_freq=5))
    assert refs(bank, "канал", module="3") == ["err-context"]
    assert refs(bank, "буферизованный", module="03") == []
    assert refs(bank, "", tag="context") == ["err-context"]
    assert refs(bank, "", module="01") == ["chan-buffered", "chan-select"]


def test_bad_filters_and_empty_queries(bank: Session) -> None:
    with pytest.raises(ValueError, match="level must be one of middle, senior, architect"):
        refs(bank, "канал", level="junior")
    with pytest.raises(ValueError, match="frequency must be from 1 to 5"):
        refs(bank, "канал", min_freq=9)
    assert refs(bank, "!!! ???") == refs(bank, "")  # no words: the filtered list
    assert refs(bank, 'канал" * (')[0].startswith("chan-")  # FTS syntax in a query is text
