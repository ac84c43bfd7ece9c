"""FSRS reviews: golden schedules on a fixed clock, conflicts, undo, the daily queue."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.drills.queue import daily_queue, interleave, next_card
from gocoach.drills.reviews import (
    ReviewConflict,
    card_refs,
    record_rating,
    retrievability,
    undo_last_rating,
    update_drill_settings,
)
from gocoach.startup import Database
from gocoach.store.engine import transaction
from gocoach.store.tables import DrillCard, ReviewLogEntry, User
from gocoach.store.users import ensure_local_user
from question_fixtures import load_small_track

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@pytest.fixture
def bank(session: Session, user: User, tmp_path: Path) -> Session:
    """The database with the small synthetic track loaded (3 questions, 6 follow-ups)."""
    load_small_track(session, tmp_path / "track", NOW)
    session.flush()
    return session


def rate(session: Session, user: User, ref: str, rating: int, at_days: float = 0,
         **kwargs: object) -> object:
    return record_rating(session, user=user, ref=ref, rating=rating,
                         now=NOW + timedelta(days=at_days), duration_ms=4000, **kwargs)  # type: ignore[arg-type]


def logs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ReviewLogEntry)) or 0)


def test_every_question_and_followup_is_a_card(bank: Session) -> None:
    refs = card_refs(bank)
    assert refs[:3] == ["chan-buffered", "chan-select", "err-context"]
    assert len(refs) == 9 and all(r.startswith(("chan-", "err-")) for r in refs)


def test_golden_schedule_on_a_fixed_clock(bank: Session, user: User) -> None:
    first = record_rating(bank, user=user, ref="chan-buffered", rating=GOOD, now=NOW,
                          duration_ms=5000)
    assert (first.state, first.due, first.first, first.version) == (
        "learning", NOW + timedelta(minutes=10), True, 1)
    assert first.stability == pytest.approx(2.3065)
    steps = [(1, GOOD, "review", 8), (4, GOOD, "review", 19), (7, GOOD, "review", 33)]
    for day, rating, state, interval_days in steps:
        result = record_rating(bank, user=user, ref="chan-buffered", rating=rating,
                               now=NOW + timedelta(days=day), duration_ms=5000)
        assert (result.state, result.interval.days) == (state, interval_days), day
    lapse = record_rating(bank, user=user, ref="chan-buffered", rating=AGAIN,
                          now=NOW + timedelta(days=10), duration_ms=5000)
    assert (lapse.state, lapse.interval) == ("relearning", timedelta(minutes=10))
    card = bank.scalars(select(DrillCard)).one()
    assert (card.reps, card.lapses, card.version) == (5, 1, 5)
    assert logs(bank) == 5


def test_fuzz_keeps_identical_histories_close(bank: Session, user: User) -> None:
    days = []
    for ref in ("chan-buffered", "chan-select", "err-context"):
        rate(bank, user, ref, GOOD)
        days.append(rate(bank, user, ref, GOOD, 1).interval.days)  # type: ignore[attr-defined]
    assert all(7 <= d <= 9 for d in days), days


def test_bad_input_is_refused_with_a_clear_message(bank: Session, user: User) -> None:
    with pytest.raises(LookupError, match="unknown card 'chan-nope'"):
        rate(bank, user, "chan-nope", GOOD)
    with pytest.raises(ValueError, match=r"rating must be 1 \(Again\)"):
        rate(bank, user, "chan-buffered", 5)
    assert logs(bank) == 0


def test_a_stale_version_is_a_conflict_and_records_nothing(bank: Session, user: User) -> None:
    rate(bank, user, "chan-buffered", GOOD, expected_version=0)
    with pytest.raises(ReviewConflict, match="rated elsewhere"):
        rate(bank, user, "chan-buffered", EASY, expected_version=0)
    assert logs(bank) == 1
    assert rate(bank, user, "chan-buffered", EASY, 1, expected_version=1).version == 2  # type: ignore[attr-defined]


def test_two_ratings_sent_at_once_give_exactly_one_review(database: Database,
                                                          tmp_path: Path) -> None:
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        load_small_track(session, tmp_path / "track", NOW)
        record_rating(session, user=user, ref="chan-select", rating=GOOD, now=NOW,
                      duration_ms=1)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def send(rating: int) -> None:
        start.wait()
        try:
            with transaction(database.sessions) as session:
                user = ensure_local_user(session, now=NOW)
                record_rating(session, user=user, ref="chan-select", rating=rating,
                              now=NOW + timedelta(minutes=11), duration_ms=1, expected_version=1)
            outcomes.append("ok")
        except ReviewConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=send, args=(r,)) for r in (GOOD, EASY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    with transaction(database.sessions) as session:
        assert logs(session) == 2
        assert session.scalars(select(DrillCard.version)).one() == 2


def test_a_stale_read_of_the_card_loses(database: Database, tmp_path: Path) -> None:
    with transaction(database.sessions) as setup:
        user = ensure_local_user(setup, now=NOW)
        load_small_track(setup, tmp_path / "track", NOW)
        record_rating(setup, user=user, ref="err-context", rating=GOOD, now=NOW, duration_ms=1)
    slow = database.sessions()
    slow_user = ensure_local_user(slow, now=NOW)
    seen = slow.scalars(select(DrillCard)).one()  # this request read the card first
    assert seen.version == 1
    with transaction(database.sessions) as fast:
        record_rating(fast, user=ensure_local_user(fast, now=NOW), ref="err-context",
                      rating=EASY, now=NOW + timedelta(hours=1), duration_ms=1)
    with pytest.raises(ReviewConflict):
        record_rating(slow, user=slow_user, ref="err-context", rating=AGAIN,
                      now=NOW + timedelta(hours=1), duration_ms=1)
    slow.rollback()
    slow.close()
    with transaction(database.sessions) as session:
        assert logs(session) == 2


def test_two_first_ratings_of_a_new_card_give_one_card(database: Database,
                                                       tmp_path: Path) -> None:
    with transaction(database.sessions) as setup:
        ensure_local_user(setup, now=NOW)
        load_small_track(setup, tmp_path / "track", NOW)
    first = database.sessions()
    user = ensure_local_user(first, now=NOW)
    record_rating(first, user=user, ref="chan-buffered", rating=GOOD, now=NOW, duration_ms=1)
    first.commit()
    second = database.sessions()
    # the second request computed its rating before the first one's card existed
    with pytest.raises(ReviewConflict):
        record_rating(second, user=ensure_local_user(second, now=NOW), ref="chan-buffered",
                      rating=EASY, now=NOW, duration_ms=1, expected_version=0)
    for session in (first, second):
        session.close()


def test_undo_restores_the_card_and_drops_the_review(bank: Session, user: User) -> None:
    rate(bank, user, "chan-buffered", GOOD)
    before = rate(bank, user, "chan-buffered", GOOD, 1)
    rate(bank, user, "chan-buffered", AGAIN, 9)
    undone = undo_last_rating(bank, user=user)
    assert undone is not None and (undone.ref, undone.rating) == ("chan-buffered", AGAIN)
    card = bank.scalars(select(DrillCard)).one()
    assert card.due.replace(tzinfo=None) == before.due.replace(tzinfo=None)  # type: ignore[attr-defined]
    assert (card.lapses, card.reps, card.version) == (0, 2, 4)
    assert logs(bank) == 2


def test_undo_of_a_first_rating_makes_the_card_new_again(bank: Session, user: User) -> None:
    assert undo_last_rating(bank, user=user) is None
    rate(bank, user, "err-context", HARD)
    undo_last_rating(bank, user=user)
    assert bank.scalars(select(DrillCard)).all() == [] and logs(bank) == 0
    assert next_card(bank, user=user, now=NOW).ref == "chan-buffered"  # type: ignore[union-attr]


def test_new_cards_a_day_limit(bank: Session, user: User) -> None:
    update_drill_settings(bank, user=user, now=NOW, new_per_day=2)
    queue = daily_queue(bank, user=user, now=NOW)
    assert [e.ref for e in queue.entries] == ["chan-buffered", "chan-buffered/c06a08fe"]
    for entry in queue.entries:
        rate(bank, user, entry.ref, EASY)
    later = daily_queue(bank, user=user, now=NOW + timedelta(hours=2))
    assert later.new_left == 0 and later.entries == [] and later.new_today == 2
    tomorrow = daily_queue(bank, user=user, now=NOW + timedelta(days=1))
    assert [e.ref for e in tomorrow.entries] == ["chan-buffered/fb811ccd", "chan-select"]


def test_queue_orders_due_cards_by_due_date_and_mixes_new_ones(bank: Session,
                                                               user: User) -> None:
    update_drill_settings(bank, user=user, now=NOW, new_per_day=1)
    rate(bank, user, "err-context", GOOD)
    rate(bank, user, "chan-select", AGAIN, 0.001)
    rate(bank, user, "chan-buffered", HARD, 0.002)
    queue = daily_queue(bank, user=user, now=NOW + timedelta(days=1, hours=1))
    refs = [e.ref for e in queue.entries]
    # due: chan-select (Again: 1 min), chan-buffered (Hard: 5.5 min), err-context (Good: 10 min)
    assert [r for r in refs if "/" not in r] == ["chan-select", "chan-buffered", "err-context"]
    assert refs[3] == "chan-buffered/c06a08fe" and queue.new_left == 1 and len(refs) == 4


def test_learning_cards_are_shown_a_little_early(bank: Session, user: User) -> None:
    update_drill_settings(bank, user=user, now=NOW, new_per_day=1)
    rate(bank, user, "chan-buffered", AGAIN)
    soon = next_card(bank, user=user, now=NOW + timedelta(seconds=10))
    assert soon is not None and soon.ref == "chan-buffered" and not soon.is_new


def test_interleave_spreads_new_cards_evenly() -> None:
    order = interleave(list("abcdefgh"), ["N1", "N2"])
    assert order == ["a", "b", "c", "d", "N1", "e", "f", "g", "h", "N2"]
    # recomputed after four reviews, the queue goes on with the same rhythm
    assert interleave(list("efgh"), ["N1", "N2"], done_today=4) == order[4:]
    assert interleave(["e"], ["N1", "N2"], done_today=4, due_total=4) == ["N1", "e", "N2"]
    assert interleave([], ["N1"]) == ["N1"] and interleave(["a"], []) == ["a"]


def test_retrievability(bank: Session, user: User) -> None:
    rate(bank, user, "chan-buffered", GOOD)
    rate(bank, user, "chan-buffered", GOOD, 1)
    found = retrievability(bank, user=user, refs=["chan-buffered", "chan-select"],
                           now=NOW + timedelta(days=5))
    later = retrievability(bank, user=user, refs=["chan-buffered"], now=NOW + timedelta(days=30))
    assert found["chan-select"] == 0.0
    assert 0.9 < found["chan-buffered"] < 1.0 and later["chan-buffered"] < found["chan-buffered"]


def test_settings_are_checked(bank: Session, user: User) -> None:
    with pytest.raises(ValueError, match=r"desired retention must be between 0\.7 and 0\.99"):
        update_drill_settings(bank, user=user, now=NOW, desired_retention=1.5)
    with pytest.raises(ValueError, match="new cards a day"):
        update_drill_settings(bank, user=user, now=NOW, new_per_day=-1)
    higher = update_drill_settings(bank, user=user, now=NOW, desired_retention=0.95)
    assert higher.desired_retention == 0.95 and higher.new_per_day == 20
