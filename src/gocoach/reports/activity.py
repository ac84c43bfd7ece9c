"""What plans, reports, milestones and the dashboard need from drills and exercises.

Drills (FSRS review cards) and exercises live in their own modules. This module is the one seam:
`review_stats` and `exercise_stats` build plain values from those features' tables, and return
empty values (``available=False``) while a feature is absent, so every page still renders and
says "no data yet" instead of showing zeros as if they were measured.

Topics are roadmap item keys (``Node.key``): a card or an exercise that practises an item names
its key, which is how "the cards of those topics" and "the exercises of those weeks" are found.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.curricula.progress import curricula_version
from gocoach.drills import stats as drills
from gocoach.drills.reviews import retrievability
from gocoach.practice import exercises as practice
from gocoach.questions.links import question_index
from gocoach.store.settings import load_settings
from gocoach.store.tables import DrillCard, FollowUpQuestion, Node, Question, User

RETRIEVABILITY_GOAL = 0.8
FORECAST_DAYS = 14


@dataclass(frozen=True)
class ExerciseInfo:
    """An exercise, the items it practises, and when the user first passed it."""

    slug: str
    title: str
    item_keys: tuple[str, ...] = ()
    passed_at: datetime | None = None
    link: str = ""
    minutes: int = 0

    @property
    def passed(self) -> bool:
        """True once a submission passed."""
        return self.passed_at is not None


@dataclass(frozen=True)
class ExerciseStats:
    """Every exercise with its link to roadmap items and the user's result."""

    available: bool = False
    exercises: tuple[ExerciseInfo, ...] = ()

    def passed(self) -> list[ExerciseInfo]:
        """The exercises passed."""
        return [e for e in self.exercises if e.passed]

    def for_items(self, keys: Sequence[str] | set[str]) -> list[ExerciseInfo]:
        """The exercises that practise any of these items."""
        wanted = set(keys)
        return [e for e in self.exercises if wanted.intersection(e.item_keys)]

    def suggestions(self, keys: Sequence[str], limit: int = 5) -> list[ExerciseInfo]:
        """Exercises not passed yet for these items, in the items' order."""
        order = {key: i for i, key in enumerate(keys)}
        open_ones = [e for e in self.for_items(keys) if not e.passed]
        return sorted(open_ones, key=lambda e: min(order.get(k, 1 << 30) for k in e.item_keys)
                      )[:limit]


@dataclass(frozen=True)
class ModuleReadiness:
    """How ready the learner is in one module (0..1), from the cards' retrievability."""

    name: str
    readiness: float
    cards: int


@dataclass(frozen=True)
class ReviewStats:
    """Review cards: due now, the forecast, retrievability per topic, readiness per module."""

    available: bool = False
    due_now: int = 0
    forecast: tuple[tuple[date, int], ...] = ()
    retrievability: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    readiness: tuple[ModuleReadiness, ...] = ()
    review_days: frozenset[date] = frozenset()

    def cards_for(self, keys: Sequence[str] | set[str]) -> list[float]:
        """Retrievability of every card of these items."""
        return [r for key in keys for r in self.retrievability.get(key, ())]


def review_stats(session: Session, user: User, *, now: datetime) -> ReviewStats:
    """The user's review cards: due now, 14-day forecast, retrievability per roadmap item,
    readiness per module and the days with reviews; empty (`available=False`) before any card."""
    has_cards = session.scalar(select(func.count()).select_from(DrillCard).where(
        DrillCard.user_id == user.id))
    if not has_cards:
        return ReviewStats()
    forecast, due_now = drills.due_forecast(session, user=user, now=now, days=FORECAST_DAYS)
    days = drills.reviews_per_day(session, user=user, since=now.date() - timedelta(days=366))
    readiness = tuple(
        ModuleReadiness(name=f"{m.number} {m.title}",
                        readiness=m.retrievability * m.seen / m.cards if m.cards else 0.0,
                        cards=m.cards)
        for m in drills.module_stats(session, user=user, now=now))
    return ReviewStats(available=True, due_now=due_now, forecast=tuple(forecast),
                       retrievability=_item_retrievability(session, user, now),
                       readiness=readiness, review_days=frozenset(days))


_ITEM_QUESTIONS: OrderedDict[str, dict[str, list[str]]] = OrderedDict()
_ITEM_QUESTIONS_LOCK = threading.Lock()


def _item_questions(session: Session) -> dict[str, list[str]]:
    """Roadmap item key → the cards clearly about it: the questions its title matches, and for
    a module of a question track every card of the module (its questions and follow-ups).
    Matching reads every item's title, so the result is kept per process until the curricula
    or the question bank change."""
    index = question_index(session)
    version = repr((curricula_version(session), index.signature))
    key = hashlib.sha256(version.encode("utf-8", "surrogatepass")).hexdigest()
    with _ITEM_QUESTIONS_LOCK:
        if key in _ITEM_QUESTIONS:
            _ITEM_QUESTIONS.move_to_end(key)
            return _ITEM_QUESTIONS[key]
    items = session.execute(select(Node.key, Node.title).where(
        Node.kind == "item", Node.trackable.is_(True))).all()
    links = {}
    for item_key, title in items:
        qids = [link.qid for link in index.links(title)]
        if qids:
            links[item_key] = qids
    links.update(_module_cards(session))
    with _ITEM_QUESTIONS_LOCK:
        _ITEM_QUESTIONS[key] = links
        while len(_ITEM_QUESTIONS) > 8:
            _ITEM_QUESTIONS.popitem(last=False)
    return links


def _module_cards(session: Session) -> dict[str, list[str]]:
    """Item key of each module of a question track → the refs of the module's cards."""
    modules = {key: str(meta.get("number", "")) for key, meta in session.execute(
        select(Node.key, Node.meta).where(Node.kind == "item", Node.item_kind == "module",
                                          Node.trackable.is_(True)))}
    if not modules:
        return {}
    cards: dict[str, list[str]] = defaultdict(list)
    for number, qid in session.execute(select(Question.module_number, Question.qid).where(
            Question.retired.is_(False)).order_by(Question.position)):
        cards[number].append(qid)
    for number, fid in session.execute(
            select(Question.module_number, FollowUpQuestion.fid)
            .join(FollowUpQuestion, FollowUpQuestion.qid == Question.qid)
            .where(Question.retired.is_(False), FollowUpQuestion.retired.is_(False))
            .order_by(Question.position, FollowUpQuestion.position)):
        cards[number].append(fid)
    return {key: cards[number] for key, number in modules.items() if cards.get(number)}


def _item_retrievability(session: Session, user: User, now: datetime
                         ) -> dict[str, tuple[float, ...]]:
    """Roadmap item key → retrievability of the question cards clearly about that item."""
    links = _item_questions(session)
    refs = sorted({qid for qids in links.values() for qid in qids})
    chances = retrievability(session, user=user, refs=refs, now=now) if refs else {}
    return {key: tuple(chances.get(q, 0.0) for q in qids) for key, qids in links.items() if qids}


def exercise_stats(
    session: Session, user: User, *, now: datetime, content_dir: Path | None = None
) -> ExerciseStats:
    """Every shipped exercise with the item keys it practises, the user's first pass and minutes.

    `content_dir` defaults to the configured one (GOCOACH_CONTENT_DIR); with no exercises the
    result is empty (``available=False``).
    """
    del now
    root = content_dir if content_dir is not None else load_settings().content_dir
    catalogue = practice.load_catalogue(root)
    if not catalogue:
        return ExerciseStats()
    links = practice.linked_items(session, catalogue)
    facts = practice.practice_facts(session, user)
    empty = practice.PracticeFacts(None, 0)
    return ExerciseStats(available=True, exercises=tuple(
        ExerciseInfo(slug=e.slug, title=e.title,
                     item_keys=tuple(dict.fromkeys(i.key for i in links.get(e.slug, []))),
                     passed_at=facts.get(e.slug, empty).passed_at, link=f"/exercises/{e.slug}",
                     minutes=facts.get(e.slug, empty).minutes)
        for e in catalogue))
