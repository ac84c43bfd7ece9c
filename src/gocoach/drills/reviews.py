"""Spaced-repetition reviews (FSRS): record a rating, undo it, retrievability, drill settings.

Every question and every follow-up of the bank is a card, named by its `ref` (a question id or a
follow-up id). A user's card row is created by its first rating. Ratings are optimistic: the card's
`version` must still be the one the rating was computed from, so two ratings sent at once give
exactly one review and a `ReviewConflict` for the other.

    >>> record_rating(session, user=user, ref="chan-hchan", rating=3, now=now, duration_ms=8000)
    ReviewResult(ref='chan-hchan', rating=3, ..., state='learning', version=1, first=True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gocoach.store.tables import (
    DrillCard,
    DrillSettings,
    FollowUpQuestion,
    Question,
    ReviewLogEntry,
    User,
)

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATES = {int(State.Learning): "learning", int(State.Review): "review",
          int(State.Relearning): "relearning"}
MATURE_DAYS = 21.0
DEFAULT_RETENTION = 0.9
DEFAULT_NEW_PER_DAY = 20
RETENTION_RANGE = (0.7, 0.99)
MAX_NEW_PER_DAY = 1000
MAX_DURATION_MS = 3_600_000
CHUNK = 500


class ReviewConflict(ValueError):
    """The card changed since the rating was computed (another rating won): nothing recorded."""


@dataclass(frozen=True)
class ReviewResult:
    """A recorded rating and the card's new schedule."""

    ref: str
    rating: int
    reviewed_at: datetime
    due: datetime
    state: str
    stability: float
    difficulty: float
    version: int
    first: bool
    review_id: int

    @property
    def interval(self) -> timedelta:
        """Time until the card is due again."""
        return self.due - self.reviewed_at


@dataclass(frozen=True)
class UndoneRating:
    """The rating taken back by an undo; the card is as it was before it."""

    ref: str
    rating: int
    reviewed_at: datetime


@dataclass(frozen=True)
class BankCard:
    """A card the bank offers: a question or a follow-up, with its module."""

    ref: str
    kind: str
    qid: str
    module_number: str


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime (SQLite gives naive ones, PostgreSQL its session zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def card_refs(session: Session) -> list[str]:
    """Every non-retired question id and follow-up id, in the bank's order."""
    questions = session.scalars(select(Question.qid).where(Question.retired.is_(False))
                                .order_by(Question.position))
    followups = session.scalars(select(FollowUpQuestion.fid).where(
        FollowUpQuestion.retired.is_(False)).order_by(FollowUpQuestion.qid,
                                                      FollowUpQuestion.position))
    return [*questions, *followups]


def find_bank_card(session: Session, ref: str) -> BankCard:
    """The question or follow-up named `ref`; LookupError when the bank has no such card."""
    if "/" in ref:
        row = session.execute(
            select(FollowUpQuestion.qid, Question.module_number)
            .join(Question, Question.qid == FollowUpQuestion.qid)
            .where(FollowUpQuestion.fid == ref, FollowUpQuestion.retired.is_(False))).first()
        if row is not None:
            return BankCard(ref=ref, kind="followup", qid=row[0], module_number=row[1])
    else:
        module = session.scalars(select(Question.module_number).where(
            Question.qid == ref, Question.retired.is_(False))).first()
        if module is not None:
            return BankCard(ref=ref, kind="question", qid=ref, module_number=module)
    raise LookupError(f"unknown card '{ref}': no question or follow-up has this id "
                      "(find ids with `gocoach q search`)")


def get_drill_settings(session: Session, *, user: User) -> DrillSettings:
    """The user's drill settings; defaults (not stored) when never changed."""
    row = session.scalars(select(DrillSettings).where(DrillSettings.user_id == user.id)).first()
    if row is None:
        row = DrillSettings(user_id=user.id, desired_retention=DEFAULT_RETENTION,
                            new_per_day=DEFAULT_NEW_PER_DAY, parameters=None)
    return row


def update_drill_settings(session: Session, *, user: User, now: datetime,
                          desired_retention: float | None = None, new_per_day: int | None = None,
                          parameters: list[float] | None = None) -> DrillSettings:
    """Change the desired retention, new cards a day or fitted parameters (checked first)."""
    low, high = RETENTION_RANGE
    if desired_retention is not None and not low <= desired_retention <= high:
        raise ValueError(f"desired retention must be between {low} and {high}, "
                         f"not {desired_retention}")
    if new_per_day is not None and not 0 <= new_per_day <= MAX_NEW_PER_DAY:
        raise ValueError(f"new cards a day must be between 0 and {MAX_NEW_PER_DAY}, "
                         f"not {new_per_day}")
    if parameters is not None:
        Scheduler(parameters=parameters)  # raises ValueError on out-of-bounds parameters
    row = get_drill_settings(session, user=user)
    if row not in session:
        session.add(row)
    if desired_retention is not None:
        row.desired_retention = desired_retention
    if new_per_day is not None:
        row.new_per_day = new_per_day
    if parameters is not None:
        row.parameters = list(parameters)
    row.updated_at = now
    session.flush()
    return row


def make_scheduler(settings: DrillSettings) -> Scheduler:
    """The FSRS scheduler for these settings; fuzz is applied by us, from a seeded generator."""
    if settings.parameters:
        return Scheduler(parameters=settings.parameters,
                         desired_retention=settings.desired_retention, enable_fuzzing=False)
    return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=False)


def fuzz_interval(days: int, rng: random.Random, maximum: int) -> int:
    """FSRS's interval fuzz (a few days either way on long intervals), from a given generator."""
    if days < 3:
        return days
    delta = 1.0
    for band in FUZZ_RANGES:
        delta += band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
    low = min(max(2, round(days - delta)), min(round(days + delta), maximum))
    high = min(round(days + delta), maximum)
    return min(round(rng.random() * (high - low + 1) + low), maximum)


def card_from_row(row: DrillCard | None) -> Card:
    """The fsrs Card for a stored row (a fresh card when there is none)."""
    if row is None:
        return Card(card_id=0, due=datetime(1970, 1, 1, tzinfo=UTC))
    return Card(card_id=row.id, state=State(row.state), step=row.step, stability=row.stability,
                difficulty=row.difficulty, due=as_utc(row.due),
                last_review=as_utc(row.last_review) if row.last_review else None)


def recall_chance(scheduler: Scheduler, stability: float | None, last_review: datetime | None,
                  now: datetime) -> float:
    """The retrievability of a card with this stability last reviewed then (0.0 if never).

    The FSRS forgetting curve as `Scheduler.get_card_retrievability` computes it, without
    building a Card (the statistics evaluate it for every card).
    """
    if stability is None or last_review is None:
        return 0.0
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    elapsed_days = max(0, (now - as_utc(last_review)).days)
    return float((1 + factor * elapsed_days / stability) ** decay)


def snapshot(row: DrillCard) -> dict[str, Any]:
    """The schedule columns of a card as JSON (kept in the log for undo)."""
    return {"state": row.state, "step": row.step, "stability": row.stability,
            "difficulty": row.difficulty, "due": as_utc(row.due).isoformat(),
            "last_review": as_utc(row.last_review).isoformat() if row.last_review else None,
            "reps": row.reps, "lapses": row.lapses}


def _restore(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["due"] = datetime.fromisoformat(data["due"])
    values["last_review"] = (datetime.fromisoformat(data["last_review"])
                             if data["last_review"] else None)
    return values


def _schedule(scheduler: Scheduler, row: DrillCard | None, rating: int, now: datetime,
              seed: str) -> Card:
    card, _ = scheduler.review_card(card_from_row(row), Rating(rating), review_datetime=now)
    if card.state == State.Review:
        days = (card.due - now).days
        fuzzed = fuzz_interval(days, random.Random(seed), scheduler.maximum_interval)
        card.due = now + timedelta(days=fuzzed)
    return card


def _check_input(rating: int, now: datetime, duration_ms: int) -> int:
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating}")
    if now.tzinfo is None:
        raise ValueError("the review time must be timezone-aware")
    return max(0, min(int(duration_ms), MAX_DURATION_MS))


def record_rating(session: Session, *, user: User, ref: str, rating: int, now: datetime,
                  duration_ms: int, source: str = "drill",
                  expected_version: int | None = None) -> ReviewResult:
    """Rate a card (1 Again … 4 Easy) and reschedule it; creates the card on its first rating."""
    duration_ms = _check_input(rating, now, duration_ms)
    now = as_utc(now)
    row = session.scalars(select(DrillCard).where(DrillCard.user_id == user.id,
                                                  DrillCard.ref == ref)).first()
    current = row.version if row is not None else 0
    if expected_version is not None and expected_version != current:
        raise ReviewConflict(_conflict_message(ref))
    settings = get_drill_settings(session, user=user)
    card = _schedule(make_scheduler(settings), row, rating, now, f"{user.id}:{ref}:{now}")
    values = {"state": int(card.state), "step": card.step, "stability": card.stability,
              "difficulty": card.difficulty, "due": card.due, "last_review": now,
              "reps": (row.reps if row else 0) + 1,
              "lapses": (row.lapses if row else 0) + int(
                  row is not None and rating == 1 and row.state == int(State.Review)),
              "version": current + 1}
    if row is None:
        card_id = _insert_card(session, user, ref, values, now)
        previous: dict[str, Any] | None = None
    else:
        previous = snapshot(row)
        _update_card(session, row, values, expected=current)
        card_id = row.id
    log = ReviewLogEntry(user_id=user.id, card_id=card_id, ref=ref, rating=rating,
                         reviewed_at=now, duration_ms=duration_ms, source=source,
                         state_before=row.state if row else None,
                         stability_before=row.stability if row else None, previous=previous)
    session.add(log)
    session.flush()
    return ReviewResult(ref=ref, rating=rating, reviewed_at=now, due=card.due,
                        state=STATES[int(card.state)], stability=float(card.stability or 0),
                        difficulty=float(card.difficulty or 0), version=current + 1,
                        first=row is None, review_id=log.id)


def _conflict_message(ref: str) -> str:
    return (f"card '{ref}' was rated elsewhere a moment ago; this rating was not recorded — "
            "reload to see the card's current state")


def _insert_card(session: Session, user: User, ref: str, values: dict[str, Any],
                 now: datetime) -> int:
    bank = find_bank_card(session, ref)
    try:
        card_id = session.execute(insert(DrillCard).values(
            user_id=user.id, ref=ref, kind=bank.kind, module_number=bank.module_number,
            created_at=now, **values).returning(DrillCard.id)).scalar_one()
    except IntegrityError:
        raise ReviewConflict(_conflict_message(ref)) from None
    return int(card_id)


def _update_card(session: Session, row: DrillCard, values: dict[str, Any], *,
                 expected: int) -> None:
    result = session.execute(
        update(DrillCard).where(DrillCard.id == row.id, DrillCard.version == expected)
        .values(**values).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise ReviewConflict(_conflict_message(row.ref))
    for key, value in values.items():
        set_committed_value(row, key, value)


def undo_last_rating(session: Session, *, user: User) -> UndoneRating | None:
    """Take back the user's latest rating: the card returns to its state before it."""
    log = session.scalars(select(ReviewLogEntry).where(ReviewLogEntry.user_id == user.id)
                          .order_by(ReviewLogEntry.reviewed_at.desc(), ReviewLogEntry.id.desc())
                          .limit(1)).first()
    if log is None:
        return None
    row = session.get(DrillCard, log.card_id)
    undone = UndoneRating(ref=log.ref, rating=log.rating, reviewed_at=as_utc(log.reviewed_at))
    session.execute(delete(ReviewLogEntry).where(ReviewLogEntry.id == log.id))
    if row is not None and log.previous is None:
        session.execute(delete(DrillCard).where(DrillCard.id == row.id,
                                                DrillCard.version == row.version))
        session.expunge(row)
    elif row is not None:
        values = {**_restore(log.previous or {}), "version": row.version + 1}
        _update_card(session, row, values, expected=row.version)
    session.expunge(log)
    session.flush()
    return undone


def retrievability(session: Session, *, user: User, refs: list[str],
                   now: datetime) -> dict[str, float]:
    """The chance of recalling each card now (0.0 for cards never reviewed)."""
    scheduler = make_scheduler(get_drill_settings(session, user=user))
    now = as_utc(now)
    found = {ref: 0.0 for ref in refs}
    wanted = list(found)
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(select(DrillCard.ref, DrillCard.stability, DrillCard.last_review)
                               .where(DrillCard.user_id == user.id,
                                      DrillCard.ref.in_(wanted[start:start + CHUNK])))
        for ref, stability, last_review in rows:
            found[ref] = recall_chance(scheduler, stability, last_review, now)
    return found
