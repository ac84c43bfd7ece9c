"""The daily drill queue: due cards by due date, with today's new cards spread among them.

New cards come in the bank's order — modules as the index orders them (by how often they are
asked in interviews), questions by frequency within a module, each question before its
follow-ups — limited by the user's "new cards a day". Cards of one question (the question and
its follow-ups) are spaced apart: at least SIBLING_GAP other cards between two of them, counting
the cards rated just before, whenever the queue holds other cards (the question's answer would
give its follow-ups away).

    >>> next_card(session, user=user, now=now)
    QueueEntry(ref='chan-goroutines', kind='question', module_number='01', ..., is_new=True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TypeVar

from fsrs import Rating
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from gocoach.drills.reviews import (
    RATINGS,
    as_utc,
    card_from_row,
    get_drill_settings,
    make_scheduler,
)
from gocoach.store.tables import DrillCard, FollowUpQuestion, Question, ReviewLogEntry, User

LEARN_AHEAD = timedelta(minutes=20)
SIBLING_GAP = 3  # other cards at least between two cards of one question, when the queue allows
SPARE = 20  # due cards read beyond the limit, so spacing has others to choose from
SPACED = 200  # queue entries reordered for spacing (a long queue's tail keeps its order)
T = TypeVar("T")


@dataclass(frozen=True)
class QueueEntry:
    """A card to show: its ref, kind, module, due time (None when new) and version."""

    ref: str
    kind: str
    module_number: str
    due: datetime | None
    is_new: bool
    version: int


@dataclass
class DrillQueue:
    """Today's queue and its counts."""

    entries: list[QueueEntry] = field(default_factory=list)
    due_count: int = 0
    new_left: int = 0
    reviewed_today: int = 0
    new_today: int = 0
    next_due: datetime | None = None

    @property
    def remaining(self) -> int:
        """Cards still to do today."""
        return self.due_count + self.new_left


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day: drill days are UTC days."""
    now = as_utc(now)
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def interleave(due: list[T], new: list[T], *, done_today: int = 0, new_today: int = 0,
               due_total: int | None = None) -> list[T]:
    """Spread new cards evenly among due ones, keeping the share of new cards done today even.

    `due_total` is the number of due cards when `due` holds only the first of them.
    """
    order: list[T] = []
    di = ni = 0
    done, done_new = done_today, new_today
    total = max(len(due), due_total or 0) + len(new) + done_today
    share = (new_today + len(new)) / total if total else 0.0
    while di < len(due) or ni < len(new):
        take_new = ni < len(new) and (di >= len(due) or (done_new + 1) / (done + 1) <= share)
        if take_new:
            order.append(new[ni])
            ni += 1
            done_new += 1
        else:
            order.append(due[di])
            di += 1
        done += 1
    return order


def question_of(ref: str) -> str:
    """The question a card belongs to: its own id, or the question of a follow-up."""
    return ref.split("/", 1)[0]


def space_siblings(entries: Sequence[QueueEntry], recent: Sequence[str] = (), *,
                   gap: int = SIBLING_GAP) -> list[QueueEntry]:
    """The entries reordered so that two cards of one question have at least `gap` other cards
    between them, counting `recent` (the refs rated just before, oldest first).

    Otherwise the order is kept. When the cards cannot all be `gap` apart (too few other
    questions), they are spread as far apart as they can be. Only the first SPACED entries are
    reordered (the rest follow as they were), which keeps a long queue cheap.
    """
    if gap <= 0:
        return list(entries)
    left, rest = list(entries[:SPACED]), list(entries[SPACED:])
    seen = [question_of(ref) for ref in recent]
    counts = Counter(question_of(e.ref) for e in left)
    order: list[QueueEntry] = []
    while left:
        entry = left.pop(_next_index(left, seen, counts, gap))
        order.append(entry)
        seen.append(question_of(entry.ref))
        counts[question_of(entry.ref)] -= 1
    return order + rest


def _next_index(left: list[QueueEntry], seen: list[str], counts: Counter[str], gap: int) -> int:
    """Which card goes next: the first whose question is not among the last cards shown, unless
    a question with the most cards left must go now for its cards to stay `gap` apart."""
    most = max(counts.values())
    tied = sum(1 for count in counts.values() if count == most)
    # the widest spacing the cards left allow (a question with `most` cards needs room)
    room = gap if most == 1 else max(0, min(gap, (len(left) - tied) // (most - 1) - 1))
    close = set(seen[-room:]) if room else set()
    allowed = [i for i, e in enumerate(left) if question_of(e.ref) not in close]
    if not allowed:  # the queue does not allow it: the question seen longest ago
        last = {question: k for k, question in enumerate(seen)}
        return min(range(len(left)), key=lambda i: (last.get(question_of(left[i].ref), -1), i))
    # a card is brought forward only to keep the full gap (never to win a little in a short
    # queue): due cards keep their order by due date where they can
    if room == gap and (most - 1) * (room + 1) + tied >= len(left):
        crowded = [i for i in allowed if counts[question_of(left[i].ref)] == most]
        if crowded:
            return crowded[0]
    return allowed[0]


def daily_queue(session: Session, *, user: User, now: datetime,
                limit: int | None = None) -> DrillQueue:
    """Today's queue: due cards (by due date) and new cards mixed in, cards of one question
    spaced apart (`space_siblings`); `limit` caps the entries."""
    now = as_utc(now)
    start = day_start(now)
    settings = get_drill_settings(session, user=user)
    reviewed, introduced = _today_counts(session, user, start)
    new_allowed = max(0, settings.new_per_day - introduced)
    queue = DrillQueue(reviewed_today=reviewed, new_today=introduced)
    queue.due_count = _due_count(session, user, now)
    read = None if limit is None else limit + SPARE
    due = _due_cards(session, user, now, read)
    new = _new_cards(session, user, new_allowed) if new_allowed else []
    queue.new_left = len(new)
    if not due and not new:
        due = _due_cards(session, user, now + LEARN_AHEAD, read)
        queue.due_count = _due_count(session, user, now + LEARN_AHEAD)
    entries = space_siblings(
        interleave(due, new, done_today=reviewed, new_today=introduced,
                   due_total=queue.due_count),
        _recent_refs(session, user, start, SIBLING_GAP))
    queue.entries = entries if limit is None else entries[:limit]
    if not queue.entries:
        queue.next_due = _next_due(session, user)
    return queue


def next_card(session: Session, *, user: User, now: datetime) -> QueueEntry | None:
    """The card to show now, or None when nothing is due (learning cards are shown 20 min early)."""
    entries = daily_queue(session, user=user, now=now, limit=1).entries
    return entries[0] if entries else None


def next_intervals(session: Session, *, user: User, ref: str,
                   now: datetime) -> dict[int, timedelta]:
    """For each rating (1 Again … 4 Easy), how long until the card would be due again.

    What the rating buttons show before a rating; the interval recorded may differ by FSRS's
    fuzz of a few days on long intervals.
    """
    now = as_utc(now)
    row = session.scalars(select(DrillCard).where(DrillCard.user_id == user.id,
                                                  DrillCard.ref == ref)).first()
    scheduler = make_scheduler(get_drill_settings(session, user=user))
    card = card_from_row(row)
    return {rating: scheduler.review_card(card, Rating(rating), review_datetime=now)[0].due - now
            for rating in RATINGS}


def interval_parts(interval: timedelta) -> tuple[int, str]:
    """An interval as a number and a unit: (10, 'min'), (3, 'h'), (8, 'd')."""
    seconds = int(interval.total_seconds())
    if seconds < 3600:
        return max(1, round(seconds / 60)), "min"
    if seconds < 86400:
        return round(seconds / 3600), "h"
    return round(seconds / 86400), "d"


def _recent_refs(session: Session, user: User, start: datetime, count: int) -> list[str]:
    """The refs of the user's last `count` ratings today, oldest first."""
    rows = session.scalars(select(ReviewLogEntry.ref).where(
        ReviewLogEntry.user_id == user.id, ReviewLogEntry.reviewed_at >= start)
        .order_by(ReviewLogEntry.reviewed_at.desc(), ReviewLogEntry.id.desc()).limit(count))
    return list(reversed(list(rows)))


def _today_counts(session: Session, user: User, start: datetime) -> tuple[int, int]:
    row = session.execute(
        select(func.count(), func.count(ReviewLogEntry.id).filter(
            ReviewLogEntry.state_before.is_(None)))
        .where(ReviewLogEntry.user_id == user.id, ReviewLogEntry.reviewed_at >= start)).one()
    return int(row[0]), int(row[1])


def _due_count(session: Session, user: User, cutoff: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(DrillCard).where(
        DrillCard.user_id == user.id, DrillCard.due <= cutoff)) or 0)


def _next_due(session: Session, user: User) -> datetime | None:
    found = session.scalar(select(func.min(DrillCard.due)).where(DrillCard.user_id == user.id))
    return as_utc(found) if found else None


def _due_cards(session: Session, user: User, cutoff: datetime,
               limit: int | None) -> list[QueueEntry]:
    query = (select(DrillCard.ref, DrillCard.kind, DrillCard.module_number, DrillCard.due,
                    DrillCard.version)
             .where(DrillCard.user_id == user.id, DrillCard.due <= cutoff)
             .order_by(DrillCard.due, DrillCard.id))
    rows = session.execute(query if limit is None else query.limit(limit + 10)).all()
    retired = _retired(session, [r.ref for r in rows])
    entries = [QueueEntry(ref=r.ref, kind=r.kind, module_number=r.module_number,
                          due=as_utc(r.due), is_new=False, version=r.version)
               for r in rows if r.ref not in retired]
    return entries if limit is None else entries[:limit]


def _retired(session: Session, refs: list[str]) -> set[str]:
    """Refs among `refs` whose question or follow-up left the bank (their cards are not shown)."""
    if not refs:
        return set()
    qids = [r for r in refs if "/" not in r]
    fids = [r for r in refs if "/" in r]
    live = set(session.scalars(select(Question.qid).where(
        Question.qid.in_(qids), Question.retired.is_(False)))) if qids else set()
    if fids:
        live |= set(session.scalars(select(FollowUpQuestion.fid).where(
            FollowUpQuestion.fid.in_(fids), FollowUpQuestion.retired.is_(False))))
    return set(refs) - live


def _has_every_card(session: Session, user: User) -> bool:
    """True when the user has a card for every ref (cheap counts spare the anti-join)."""
    bank = (session.scalar(select(func.count()).select_from(Question)) or 0) + (
        session.scalar(select(func.count()).select_from(FollowUpQuestion)) or 0)
    return int(session.scalar(select(func.count()).select_from(DrillCard).where(
        DrillCard.user_id == user.id)) or 0) >= bank


def _new_cards(session: Session, user: User, limit: int) -> list[QueueEntry]:
    """The first `limit` cards the user never rated, in the bank's order."""
    if _has_every_card(session, user):
        return []
    question_seen = exists().where(DrillCard.user_id == user.id, DrillCard.ref == Question.qid)
    questions = session.execute(
        select(Question.qid, Question.module_number, Question.position)
        .where(Question.retired.is_(False), ~question_seen)
        .order_by(Question.position).limit(limit)).all()
    followup_seen = exists().where(DrillCard.user_id == user.id,
                                   DrillCard.ref == FollowUpQuestion.fid)
    followups = session.execute(
        select(FollowUpQuestion.fid, Question.module_number, Question.position,
               FollowUpQuestion.position)
        .join(Question, Question.qid == FollowUpQuestion.qid)
        .where(FollowUpQuestion.retired.is_(False), Question.retired.is_(False), ~followup_seen)
        .order_by(Question.position, FollowUpQuestion.position).limit(limit)).all()
    ranked = sorted([((q.position, -1), QueueEntry(q.qid, "question", q.module_number, None,
                                                   True, 0)) for q in questions]
                    + [((f[2], f[3]), QueueEntry(f[0], "followup", f[1], None, True, 0))
                       for f in followups], key=lambda pair: pair[0])
    return [entry for _, entry in ranked[:limit]]
