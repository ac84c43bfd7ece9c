"""Cards of one question are spaced apart in the drill queue: a follow-up does not come right
after its question or a sibling (the question's answer would give it away), when the queue has
other cards to put between them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.drills.queue import (
    SIBLING_GAP,
    QueueEntry,
    daily_queue,
    next_card,
    question_of,
    space_siblings,
)
from gocoach.drills.reviews import record_rating, update_drill_settings
from gocoach.questions.bank import load_track
from gocoach.store.tables import User
from question_fixtures import Q, write_track

GOOD, EASY = 3, 4


def family_track(questions: int) -> dict[str, tuple[str, str, list[Q]]]:
    """One module of `questions` questions with three follow-ups each."""
    return {"01": ("goroutines-channels", "Горутины и каналы", [
        Q(f"chan-q{i}", f"Вопрос номер {i}?", followups=[
            (f"Уточнение {i}.{j}?", f"Ответ на уточнение {i}.{j}.") for j in range(1, 4)])
        for i in range(1, questions + 1)])}


@pytest.fixture
def bank(session: Session, user: User, tmp_path: Path) -> Session:
    """Six questions with three follow-ups each: 24 cards, all new."""
    load_track(session, write_track(tmp_path / "track", family_track(6)), now=NOW)
    update_drill_settings(session, user=user, now=NOW, new_per_day=100)
    session.flush()
    return session


def closest(refs: list[str]) -> int:
    """The fewest other cards between two cards of one question in `refs`."""
    last: dict[str, int] = {}
    gaps = [len(refs)]
    for position, ref in enumerate(refs):
        family = question_of(ref)
        if family in last:
            gaps.append(position - last[family] - 1)
        last[family] = position
    return min(gaps)


def drill_through(session: Session, user: User, rating: int, start: timedelta) -> list[str]:
    """Take the next card and rate it until none is left at this moment; the refs shown."""
    shown = []
    moment = NOW + start
    while (entry := next_card(session, user=user, now=moment)) is not None:
        shown.append(entry.ref)
        record_rating(session, user=user, ref=entry.ref, rating=rating, now=moment,
                      duration_ms=3000, expected_version=entry.version)
        moment += timedelta(seconds=5)
        assert len(shown) <= 24, shown
    return shown


def test_new_cards_of_a_question_are_not_back_to_back(bank: Session, user: User) -> None:
    shown = drill_through(bank, user, EASY, timedelta(0))
    assert sorted(shown) == sorted({*shown}) and len(shown) == 24  # every card, once
    assert shown[:2] == ["chan-q1", "chan-q2"]  # not q1 and then its first follow-up
    assert closest(shown) >= SIBLING_GAP
    # a question still comes before its own follow-ups
    assert all(shown.index(question_of(ref)) < shown.index(ref) for ref in shown if "/" in ref)


def test_due_cards_of_a_question_are_spaced_too(bank: Session, user: User) -> None:
    drill_through(bank, user, EASY, timedelta(0))
    # a month later every card is due at once, in the order they were rated
    due = [e.ref for e in daily_queue(bank, user=user, now=NOW + timedelta(days=60)).entries]
    assert len(due) == 24 and closest(due) >= SIBLING_GAP
    again = drill_through(bank, user, GOOD, timedelta(days=60))
    assert closest(again) >= SIBLING_GAP


def test_a_queue_of_one_question_still_shows_every_card(session: Session, user: User,
                                                        tmp_path: Path) -> None:
    load_track(session, write_track(tmp_path / "one", family_track(1)), now=NOW)
    shown = drill_through(session, user, EASY, timedelta(0))
    assert shown[0] == "chan-q1" and len(shown) == 4  # nothing else to put between them


def entry(ref: str) -> QueueEntry:
    return QueueEntry(ref=ref, kind="followup" if "/" in ref else "question",
                      module_number="01", due=None, is_new=True, version=0)


def test_spacing_counts_the_cards_rated_just_before() -> None:
    queue = [entry(r) for r in ["a/1", "b", "a/2", "c", "d", "b/1"]]
    order = [e.ref for e in space_siblings(queue, recent=["a"], gap=2)]
    assert order == ["b", "c", "a/1", "d", "b/1", "a/2"]
    assert [e.ref for e in space_siblings(queue, gap=0)] == [e.ref for e in queue]
    assert space_siblings([], recent=["a"]) == []


@pytest.mark.parametrize(("questions", "cards"), [(3, 3), (5, 3), (6, 4), (10, 5), (2, 5)])
def test_cards_are_spread_as_far_as_the_queue_allows(questions: int, cards: int) -> None:
    bank_order = [f"q{i}" + (f"/{j}" if j else "") for i in range(questions) for j in range(cards)]
    spaced = [e.ref for e in space_siblings([entry(r) for r in bank_order])]
    assert sorted(spaced) == sorted(bank_order)
    # a question with `cards` cards among `questions` questions can be this far apart at best
    best = min(SIBLING_GAP, questions - 1)
    assert closest(spaced) == best
