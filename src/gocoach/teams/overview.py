"""The mentor's view of a cohort: one row per learner, and a learner's reports read-only.

`cohort_overview` makes a fixed number of queries whatever the number of learners (ten):
every figure is read for all the cohort's learners at once, grouped by user in SQL, and then
judged by the same pure functions the learner's own pages use (`measure_pace`, `logged_hours`,
`streak`). Nothing here writes: a mentor looking never drafts a report or creates a card.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from gocoach.drills.stats import streak, utc_day
from gocoach.plans.calendar import PlanCalendar
from gocoach.plans.plan import Pace, PlannedItem, PlanState, active_plan, load_plan, measure_pace
from gocoach.plans.timelog import logged_hours
from gocoach.reports.weekly import get_report, list_reports
from gocoach.store.tables import (
    Cohort,
    CohortMember,
    DrillCard,
    Plan,
    PlanItem,
    Progress,
    ProgressEvent,
    ReviewLogEntry,
    Submission,
    TimeEntry,
    User,
    WeeklyReport,
)
from gocoach.teams.logins import as_utc

STREAK_DAYS = 400  # how far back active days are read; a longer streak shows as 400


@dataclass(frozen=True)
class LearnerRow:
    """One learner in the cohort table."""

    user: User
    plan: Plan | None
    pace: Pace | None
    streak: int
    drills_due: int
    exercises_passed: int
    last_activity: datetime | None
    latest_report: WeeklyReport | None

    @property
    def hours_percent(self) -> int | None:
        """Hours logged as a share of the budget so far (None before the plan starts)."""
        if self.pace is None or not self.pace.budget_hours:
            return None
        return round(100 * self.pace.logged_hours / self.pace.budget_hours)


@dataclass
class _Activity:
    """Per learner: minutes per day, active days and the latest moment of activity."""

    minutes: dict[date, int] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    last: datetime | None = None

    def saw(self, day: date, moment: Any) -> None:
        self.days.add(day)
        if isinstance(moment, datetime):
            moment = as_utc(moment)
            self.last = moment if self.last is None or moment > self.last else self.last


def cohort_overview(session: Session, cohort: Cohort, *, today: date,
                    now: datetime) -> list[LearnerRow]:
    """Every learner of the cohort with plan progress, hours against the budget, streak,
    drills due, exercises passed, last activity and latest weekly report."""
    learners = list(session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == "learner")
        .order_by(User.username)))
    ids = [u.id for u in learners]
    if not ids:
        return []
    plans = _active_plans(session, ids)
    states = _plan_states(session, plans)
    activity = _activity(session, ids, since=today - timedelta(days=STREAK_DAYS))
    due = _count_by_user(session, select(DrillCard.user_id, func.count()).where(
        DrillCard.user_id.in_(ids), DrillCard.due <= now).group_by(DrillCard.user_id))
    passed = _count_by_user(session, select(
        Submission.user_id, func.count(func.distinct(Submission.exercise))).where(
        Submission.user_id.in_(ids), Submission.status == "pass").group_by(Submission.user_id))
    reports = _latest_reports(session, [p.id for p in plans.values()])
    rows = []
    for user in learners:
        plan, act = plans.get(user.id), activity[user.id]
        pace = None
        if plan is not None:
            spent = logged_hours(act.minutes, plan.start_date, today)
            pace = measure_pace(states[plan.id], today, spent)
        rows.append(LearnerRow(
            user=user, plan=plan, pace=pace, streak=streak(act.days, today),
            drills_due=due.get(user.id, 0), exercises_passed=passed.get(user.id, 0),
            last_activity=act.last, latest_report=reports.get(plan.id) if plan else None))
    return rows


def _active_plans(session: Session, ids: list[int]) -> dict[int, Plan]:
    """user id → the active plan (the newest one, as `plans.plan.active_plan` picks)."""
    found: dict[int, Plan] = {}
    for plan in session.scalars(select(Plan).where(Plan.user_id.in_(ids), Plan.active)
                                .order_by(Plan.id.desc())):
        found.setdefault(plan.user_id, plan)
    return found


def _plan_states(session: Session, plans: dict[int, Plan]) -> dict[int, PlanState]:
    """plan id → a PlanState holding just what `measure_pace` reads: items, weeks, statuses."""
    by_id = {p.id: p for p in plans.values()}
    items: dict[int, list[PlannedItem]] = defaultdict(list)
    rows: Iterable[Any] = session.execute(
        select(PlanItem.plan_id, PlanItem.roadmap_id, PlanItem.node_key, PlanItem.doc_week,
               PlanItem.baseline_week, PlanItem.week, PlanItem.position, Progress.status)
        .outerjoin(Progress, and_(Progress.user_id == PlanItem.user_id,
                                  Progress.roadmap_id == PlanItem.roadmap_id,
                                  Progress.node_key == PlanItem.node_key))
        .where(PlanItem.plan_id.in_(list(by_id))).order_by(PlanItem.position)) if by_id else []
    for plan_id, rid, key, doc_week, baseline, week, position, status in rows:
        items[plan_id].append(PlannedItem(
            roadmap_id=rid, roadmap_slug="", key=key, title="", item_kind=None,
            doc_week=doc_week, baseline_week=baseline, week=week, position=position,
            status=status or "todo"))
    return {pid: PlanState(plan=plan, calendar=PlanCalendar.from_strings(
        plan.start_date, plan.off_ranges), roadmaps=[], items=items[pid])
        for pid, plan in by_id.items()}


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _activity(session: Session, ids: list[int], *, since: date) -> dict[int, _Activity]:
    """Minutes per day, active days and last activity of each learner: time logged, progress
    changes (not imports), drill reviews and exercise submissions."""
    found: dict[int, _Activity] = defaultdict(_Activity)
    for user_id, day, minutes, last in session.execute(
            select(TimeEntry.user_id, TimeEntry.day, func.sum(TimeEntry.minutes),
                   func.max(TimeEntry.created_at))
            .where(TimeEntry.user_id.in_(ids)).group_by(TimeEntry.user_id, TimeEntry.day)):
        found[user_id].minutes[day] = int(minutes or 0)
        found[user_id].saw(day, last)
    start = datetime.combine(since, time.min, tzinfo=UTC)
    sources: Iterable[tuple[Any, Any, Sequence[Any]]] = (
        (ProgressEvent.user_id, ProgressEvent.at, (ProgressEvent.source != "import",)),
        (ReviewLogEntry.user_id, ReviewLogEntry.reviewed_at, ()),
        (Submission.user_id, Submission.created_at, ()),
    )
    for owner, column, extra in sources:
        day = utc_day(session, column)
        for user_id, value, last in session.execute(
                select(owner, day, func.max(column))
                .where(owner.in_(ids), column >= start, *extra).group_by(owner, day)):
            found[user_id].saw(_day(value), last)
    return found


def _count_by_user(session: Session, query: Any) -> dict[int, int]:
    return {int(user_id): int(count) for user_id, count in session.execute(query)}


def _latest_reports(session: Session, plan_ids: list[int]) -> dict[int, WeeklyReport]:
    """plan id → its stored weekly report of the latest week."""
    if not plan_ids:
        return {}
    latest = (select(WeeklyReport.plan_id, func.max(WeeklyReport.week).label("week"))
              .where(WeeklyReport.plan_id.in_(plan_ids)).group_by(WeeklyReport.plan_id)
              .subquery())
    return {r.plan_id: r for r in session.scalars(select(WeeklyReport).join(
        latest, and_(WeeklyReport.plan_id == latest.c.plan_id,
                     WeeklyReport.week == latest.c.week)))}


@dataclass(frozen=True)
class LearnerReports:
    """A learner's plan with its pace and the weekly reports they have (read-only)."""

    user: User
    state: PlanState | None
    pace: Pace | None
    reports: dict[int, WeeklyReport]


def learner_reports(session: Session, user: User, *, today: date) -> LearnerReports:
    """What a mentor sees of one learner: the plan's pace and the stored weekly reports."""
    plan = active_plan(session, user)
    if plan is None:
        return LearnerReports(user=user, state=None, pace=None, reports={})
    state = load_plan(session, user, plan)
    minutes = {day: int(total) for day, total in session.execute(
        select(TimeEntry.day, func.sum(TimeEntry.minutes))
        .where(TimeEntry.user_id == user.id).group_by(TimeEntry.day))}
    pace = measure_pace(state, today, logged_hours(minutes, plan.start_date, today))
    return LearnerReports(user=user, state=state, pace=pace, reports=list_reports(session, state))


def learner_report(session: Session, user: User, week: int) -> tuple[PlanState, WeeklyReport]:
    """One stored weekly report of the learner's active plan, or a LookupError."""
    plan = active_plan(session, user)
    if plan is None:
        raise LookupError(f"{user.username} has no plan yet")
    state = load_plan(session, user, plan)
    report = get_report(session, state, week)
    if report is None:
        raise LookupError(f"{user.username} has no report for week {week}")
    return state, report
