"""The milestone column of the mentor's table: each learner's next milestone and how it stands.

The milestones are the learner's own (`reports.milestones.check_milestones`, the page
`/milestones` shows them); what this module adds is reading their inputs — first passes of
exercises, review cards and their retrievability — for all the cohort's learners at once, and
one word for the table:

- **met**: every milestone of the plan is reached;
- **overdue**: the next milestone's due day has passed;
- **at risk**: fewer of its items are done than the plan expects by today (more than the
  week's slack behind), or it is due within a week with a check (items, exercises, cards)
  not met yet;
- **on track**: otherwise.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.drills.reviews import (
    DEFAULT_NEW_PER_DAY,
    DEFAULT_RETENTION,
    make_scheduler,
    recall_chance,
)
from gocoach.plans.plan import PlanState
from gocoach.practice import exercises as practice
from gocoach.questions.links import QuestionIndex, question_index
from gocoach.reports.activity import ExerciseInfo, ExerciseStats, ReviewStats
from gocoach.reports.milestones import Milestone, next_milestone
from gocoach.store.settings import load_settings
from gocoach.store.tables import DrillCard, DrillSettings, Plan, Roadmap, Submission
from gocoach.teams.logins import as_utc

STATES = ("met", "on_track", "at_risk", "overdue")
SOON = timedelta(days=7)


@dataclass(frozen=True)
class MilestoneStatus:
    """A learner's next milestone (the last one once all are met) and how it stands."""

    title: str
    due_week: int
    due_date: date
    state: str  # one of STATES
    items_closed: int
    items_total: int
    reached: int  # milestones of the plan reached
    total: int  # milestones of the plan


def judge_milestones(milestones: list[Milestone], state: PlanState, today: date
                     ) -> MilestoneStatus | None:
    """The next milestone and met / on track / at risk / overdue (None without milestones)."""
    if not milestones:
        return None
    reached = sum(1 for m in milestones if m.reached)
    upcoming = next_milestone(milestones)
    shown = upcoming or milestones[-1]
    items = next(c for c in shown.checks if c.name == "items")
    if upcoming is None:
        word = "met"
    elif today > upcoming.due_date:
        word = "overdue"
    elif _behind(upcoming, state, today) or (
            upcoming.due_date - today < SOON and not all(c.ok for c in upcoming.checks)):
        word = "at_risk"
    else:
        word = "on_track"
    return MilestoneStatus(title=shown.title, due_week=shown.due_week, due_date=shown.due_date,
                           state=word, items_closed=items.met, items_total=items.total,
                           reached=reached, total=len(milestones))


def _behind(milestone: Milestone, state: PlanState, today: date) -> bool:
    """Fewer of the milestone's items closed than its plan weeks expect by today (the same
    expectation, pro rata for the current week, and slack as `plans.plan.measure_pace`)."""
    covered = [i for i in state.items if i.roadmap_slug == milestone.roadmap_slug
               and i.doc_week <= milestone.doc_week]
    week = state.calendar.week_of(today)
    if week < 1:
        return False
    elapsed = min(7, (today - state.calendar.week_start(week)).days + 1)
    current = sum(1 for i in covered if i.week == week)
    expected = sum(1 for i in covered if i.week < week) + current * elapsed // 7
    closed = sum(1 for i in covered if i.closed)
    return closed < expected - max(1, math.ceil(current / 7))


def first_passes(session: Session, ids: list[int]) -> dict[int, dict[str, datetime]]:
    """user id → exercise → the first passing submission's time (one query)."""
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    for user_id, slug, first in session.execute(
            select(Submission.user_id, Submission.exercise, func.min(Submission.created_at))
            .where(Submission.user_id.in_(ids), Submission.status == "pass")
            .group_by(Submission.user_id, Submission.exercise)):
        found[int(user_id)][str(slug)] = as_utc(first)
    return found


def exercise_stats_for(session: Session, passed_at: Mapping[int, Mapping[str, datetime]], *,
                       content_dir: Path | None = None) -> defaultdict[int, ExerciseStats]:
    """user id → ExerciseStats as `reports.activity.exercise_stats` gives it (minutes aside),
    from the first passes of everyone at once."""
    root = content_dir if content_dir is not None else load_settings().content_dir
    catalogue = practice.load_catalogue(root)
    if not catalogue:
        return defaultdict(ExerciseStats)
    links = practice.linked_items(session, catalogue)
    keys = {e.slug: tuple(dict.fromkeys(i.key for i in links.get(e.slug, [])))
            for e in catalogue}
    empty = ExerciseStats(available=True, exercises=tuple(
        ExerciseInfo(slug=e.slug, title=e.title, item_keys=keys[e.slug],
                     link=f"/exercises/{e.slug}") for e in catalogue))
    found: defaultdict[int, ExerciseStats] = defaultdict(lambda: empty)
    for user_id, passes in passed_at.items():
        found[user_id] = ExerciseStats(available=True, exercises=tuple(
            ExerciseInfo(slug=e.slug, title=e.title, item_keys=keys[e.slug],
                         passed_at=passes.get(e.slug), link=f"/exercises/{e.slug}")
            for e in catalogue))
    return found


def review_stats_for(session: Session, plans: Mapping[int, Plan], states: Iterable[PlanState],
                     *, now: datetime) -> defaultdict[int, ReviewStats]:
    """user id → the ReviewStats the milestones read (which cards exist, retrievability per
    item), for every learner with a plan at once: three queries."""
    ids = list(plans)
    found: defaultdict[int, ReviewStats] = defaultdict(ReviewStats)
    if not ids:
        return found
    cards: dict[int, dict[str, float]] = defaultdict(dict)
    schedulers = {s.user_id: make_scheduler(s) for s in session.scalars(
        select(DrillSettings).where(DrillSettings.user_id.in_(ids)))}
    default = make_scheduler(DrillSettings(desired_retention=DEFAULT_RETENTION,
                                           new_per_day=DEFAULT_NEW_PER_DAY, parameters=None))
    moment = as_utc(now)
    for user_id, ref, stability, last_review in session.execute(
            select(DrillCard.user_id, DrillCard.ref, DrillCard.stability, DrillCard.last_review)
            .where(DrillCard.user_id.in_(ids))):
        cards[user_id][ref] = recall_chance(schedulers.get(user_id, default), stability,
                                            last_review, moment)
    if not cards:
        return found
    index = question_index(session)
    roadmaps = {r.id: r for state in states for r in state.roadmaps}
    nodes = {r.id: state.nodes.get(r.id, []) for state in states for r in state.roadmaps}
    links: dict[str, list[str]] = {}
    for rid, roadmap in roadmaps.items():
        links.update(_roadmap_questions(index, roadmap, [(n.key, n.title) for n in nodes[rid]
                                                         if n.kind == "item" and n.trackable]))
    for user_id, chances in cards.items():
        found[user_id] = ReviewStats(available=True, retrievability={
            key: tuple(chances.get(q, 0.0) for q in qids) for key, qids in links.items()})
    return found


_QUESTIONS: OrderedDict[str, dict[str, list[str]]] = OrderedDict()
_QUESTIONS_LOCK = threading.Lock()


def _roadmap_questions(index: QuestionIndex, roadmap: Roadmap,
                       items: list[tuple[str, str]]) -> dict[str, list[str]]:
    """item key → the questions clearly about it (as the learner's milestones match them);
    matching costs ~80 µs a title, so it is kept per process until the roadmap is imported
    again or the question bank changes."""
    version = repr((index.signature, roadmap.id, roadmap.slug, str(roadmap.imported_at),
                    len(items)))
    key = hashlib.sha256(version.encode("utf-8", "surrogatepass")).hexdigest()
    with _QUESTIONS_LOCK:
        if key in _QUESTIONS:
            _QUESTIONS.move_to_end(key)
            return _QUESTIONS[key]
    links = {}
    for item_key, title in items:
        qids = [link.qid for link in index.links(title)]
        if qids:
            links[item_key] = qids
    with _QUESTIONS_LOCK:
        _QUESTIONS[key] = links
        while len(_QUESTIONS) > 16:
            _QUESTIONS.popitem(last=False)
    return links
