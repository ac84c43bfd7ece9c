"""The mentor's view of a cohort: one row per learner, and a learner's reports read-only.

`cohort_overview` makes a fixed number of queries whatever the number of learners (eighteen
once the per-process caches are warm): every figure is read for all the cohort's learners at
once, grouped by user in SQL, and then judged by the same pure functions the learner's own
pages use (`measure_pace`, `logged_hours`, `streak`, `check_milestones`). Nothing here writes:
a mentor looking never drafts a report or creates a card.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from gocoach.drills.stats import streak, utc_day
from gocoach.plans.calendar import PlanCalendar, local_date, setting_zone
from gocoach.plans.plan import (
    CLOSED,
    Pace,
    PlannedItem,
    PlanState,
    active_plan,
    load_plan,
    measure_pace,
)
from gocoach.plans.timelog import logged_hours
from gocoach.reports.milestones import check_milestones
from gocoach.reports.weekly import get_report, list_reports
from gocoach.store.tables import (
    Cohort,
    CohortMember,
    DrillCard,
    Node,
    Plan,
    PlanItem,
    PlanRoadmap,
    Progress,
    ProgressEvent,
    ReviewLogEntry,
    Roadmap,
    Submission,
    TimeEntry,
    User,
    WeeklyReport,
)
from gocoach.teams.logins import as_utc
from gocoach.teams.milestones import (
    MilestoneStatus,
    exercise_stats_for,
    first_passes,
    judge_milestones,
    review_stats_for,
)

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
    milestone: MilestoneStatus | None = None

    @property
    def hours_percent(self) -> int | None:
        """Hours logged as a share of the budget so far (None before the plan starts)."""
        if self.pace is None or not self.pace.budget_hours:
            return None
        return round(100 * self.pace.logged_hours / self.pace.budget_hours)


@dataclass
class Activity:
    """Per learner: minutes per day, active days and the latest moment of activity."""

    minutes: dict[date, int] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    last: datetime | None = None

    def saw(self, day: date | None, moment: Any) -> None:
        if day is not None:
            self.days.add(day)
        if isinstance(moment, datetime):
            moment = as_utc(moment)
            self.last = moment if self.last is None or moment > self.last else self.last


@dataclass(frozen=True)
class CohortData:
    """Everything the table reads, for all the cohort's learners at once."""

    learners: list[User]
    plans: dict[int, Plan]  # user id → active plan
    states: dict[int, PlanState]  # plan id → the plan with items, titles and statuses
    activity: dict[int, Activity]
    drills_due: dict[int, int]
    passed_at: dict[int, dict[str, datetime]]  # user id → exercise → first pass
    reports: dict[int, WeeklyReport]  # plan id → latest report


def cohort_learners(session: Session, cohort: Cohort) -> list[User]:
    """The cohort's learners, by username."""
    return list(session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == "learner")
        .order_by(User.username)))


def load_cohort(session: Session, cohort: Cohort, *, today: date, now: datetime,
                zone: tzinfo | None = None) -> CohortData:
    """Read the table's figures for every learner of the cohort (a fixed number of queries);
    days are those of `zone` (default: the GOCOACH_TIMEZONE setting's)."""
    learners = cohort_learners(session, cohort)
    ids = [u.id for u in learners]
    if not ids:
        return CohortData([], {}, {}, {}, {}, {}, {})
    plans = _active_plans(session, ids)
    return CohortData(
        learners=learners, plans=plans, states=_plan_states(session, plans, ids),
        activity=_activity(session, ids, since=today - timedelta(days=STREAK_DAYS),
                           zone=zone or setting_zone()),
        drills_due=_count_by_user(session, select(DrillCard.user_id, func.count()).where(
            DrillCard.user_id.in_(ids), DrillCard.due <= now).group_by(DrillCard.user_id)),
        passed_at=first_passes(session, ids),
        reports=_latest_reports(session, [p.id for p in plans.values()]))


def cohort_overview(session: Session, cohort: Cohort, *, today: date, now: datetime,
                    content_dir: Path | None = None, zone: tzinfo | None = None
                    ) -> list[LearnerRow]:
    """Every learner of the cohort with plan progress, hours against the budget, streak,
    drills due, exercises passed, last activity, latest weekly report and next milestone.

    `content_dir` holds the exercises (default: the configured one), for the milestones.
    """
    data = load_cohort(session, cohort, today=today, now=now, zone=zone)
    return overview_rows(session, data, today=today, now=now, content_dir=content_dir)


def overview_rows(session: Session, data: CohortData, *, today: date, now: datetime,
                  content_dir: Path | None = None) -> list[LearnerRow]:
    """The table's rows from the figures read by `load_cohort` (and the milestones' inputs)."""
    if not data.learners:
        return []
    states = [data.states[p.id] for p in data.plans.values()]
    reviews = review_stats_for(session, data.plans, states, now=now)
    exercises = exercise_stats_for(session, data.passed_at, content_dir=content_dir)
    rows = []
    for user in data.learners:
        plan, act = data.plans.get(user.id), data.activity[user.id]
        pace = milestone = None
        if plan is not None:
            state = data.states[plan.id]
            spent = logged_hours(act.minutes, plan.start_date, today)
            pace = measure_pace(state, today, spent)
            milestone = judge_milestones(
                check_milestones(state, reviews[user.id], exercises[user.id]), state, today)
        rows.append(LearnerRow(
            user=user, plan=plan, pace=pace, streak=streak(act.days, today),
            drills_due=data.drills_due.get(user.id, 0),
            exercises_passed=len(data.passed_at.get(user.id, {})), last_activity=act.last,
            latest_report=data.reports.get(plan.id) if plan else None, milestone=milestone))
    return rows


def _active_plans(session: Session, ids: list[int]) -> dict[int, Plan]:
    """user id → the active plan (the newest one, as `plans.plan.active_plan` picks)."""
    found: dict[int, Plan] = {}
    for plan in session.scalars(select(Plan).where(Plan.user_id.in_(ids), Plan.active)
                                .order_by(Plan.id.desc())):
        found.setdefault(plan.user_id, plan)
    return found


def _plan_states(session: Session, plans: dict[int, Plan], ids: list[int]
                 ) -> dict[int, PlanState]:
    """plan id → a PlanState with what `measure_pace` and `check_milestones` read: roadmaps,
    their nodes, the items with titles, statuses and the days they were closed."""
    by_id = {p.id: p for p in plans.values()}
    if not by_id:
        return {}
    roadmaps: dict[int, list[Roadmap]] = defaultdict(list)
    for plan_id, roadmap in session.execute(
            select(PlanRoadmap.plan_id, Roadmap).join(Roadmap, Roadmap.id == PlanRoadmap.roadmap_id)
            .where(PlanRoadmap.plan_id.in_(list(by_id)))
            .order_by(PlanRoadmap.plan_id, PlanRoadmap.position)):
        roadmaps[plan_id].append(roadmap)
    nodes: dict[int, list[Node]] = defaultdict(list)
    wanted = {r.id for found in roadmaps.values() for r in found}
    for node in session.scalars(select(Node).where(Node.roadmap_id.in_(wanted))
                                .order_by(Node.roadmap_id, Node.position)) if wanted else ():
        nodes[node.roadmap_id].append(node)
    by_node = {(rid, n.key): n for rid, found in nodes.items() for n in found}
    closed = _closed_dates(session, ids)
    items: dict[int, list[PlannedItem]] = defaultdict(list)
    slugs = {r.id: r.slug for found in roadmaps.values() for r in found}
    rows: Iterable[Any] = session.execute(
        select(PlanItem.plan_id, PlanItem.user_id, PlanItem.roadmap_id, PlanItem.node_key,
               PlanItem.doc_week, PlanItem.baseline_week, PlanItem.week, PlanItem.position,
               Progress.status)
        .outerjoin(Progress, and_(Progress.user_id == PlanItem.user_id,
                                  Progress.roadmap_id == PlanItem.roadmap_id,
                                  Progress.node_key == PlanItem.node_key))
        .where(PlanItem.plan_id.in_(list(by_id))).order_by(PlanItem.position))
    for plan_id, user_id, rid, key, doc_week, baseline, week, position, status in rows:
        named, status = by_node.get((rid, key)), status or "todo"
        items[plan_id].append(PlannedItem(
            roadmap_id=rid, roadmap_slug=slugs.get(rid, ""), key=key,
            title=named.title if named else key, item_kind=named.item_kind if named else None,
            doc_week=doc_week, baseline_week=baseline, week=week, position=position,
            status=status,
            closed_on=closed.get((user_id, rid, key)) if status in CLOSED else None))
    return {pid: PlanState(
        plan=plan, calendar=PlanCalendar.from_strings(plan.start_date, plan.off_ranges),
        roadmaps=roadmaps[pid], items=items[pid],
        nodes={r.id: nodes[r.id] for r in roadmaps[pid]}) for pid, plan in by_id.items()}


def _closed_dates(session: Session, ids: list[int]) -> dict[tuple[int, int, str], date]:
    """(user id, roadmap id, key) → the day the item last became done or skipped (as
    `plans.plan.load_plan` dates it)."""
    found: dict[tuple[int, int, str], date] = {}
    for user_id, rid, key, previous, at in session.execute(
            select(ProgressEvent.user_id, ProgressEvent.roadmap_id, ProgressEvent.node_key,
                   ProgressEvent.previous_status, ProgressEvent.at)
            .where(ProgressEvent.user_id.in_(ids), ProgressEvent.status.in_(CLOSED))
            .order_by(ProgressEvent.at, ProgressEvent.id)):
        if previous not in CLOSED:
            found[(user_id, rid, key)] = local_date(at)
    return found


def _activity(session: Session, ids: list[int], *, since: date, zone: tzinfo
              ) -> dict[int, Activity]:
    """Minutes per day, active days (in `zone`) and last activity of each learner: time logged,
    progress changes (not imports), drill reviews and exercise submissions — the days the
    dashboard's streak counts (`drills.stats.study_days`)."""
    found: dict[int, Activity] = defaultdict(Activity)
    studied = func.max(case((TimeEntry.source != "drill", 1), else_=0))
    for user_id, day, minutes, last, by_hand in session.execute(
            select(TimeEntry.user_id, TimeEntry.day, func.sum(TimeEntry.minutes),
                   func.max(TimeEntry.created_at), studied)
            .where(TimeEntry.user_id.in_(ids)).group_by(TimeEntry.user_id, TimeEntry.day)):
        found[user_id].minutes[day] = int(minutes or 0)
        if by_hand:  # drill minutes are filed under the UTC day: their reviews count instead
            found[user_id].saw(day, last)
        else:
            found[user_id].saw(None, last)
    start = datetime.combine(since, time.min, tzinfo=UTC)
    sources: Iterable[tuple[Any, Any, Sequence[Any]]] = (
        (ProgressEvent.user_id, ProgressEvent.at, (ProgressEvent.source != "import",)),
        (ReviewLogEntry.user_id, ReviewLogEntry.reviewed_at, ()),
        (Submission.user_id, Submission.created_at, ()),
    )
    # as drills.stats.study_days: the moments of one UTC day fall on at most two days of any
    # zone, and the first and the last moment name them
    for owner, column, extra in sources:
        day = utc_day(session, column)
        for user_id, first, last in session.execute(
                select(owner, func.min(column), func.max(column))
                .where(owner.in_(ids), column >= start, *extra).group_by(owner, day)):
            found[user_id].saw(as_utc(first).astimezone(zone).date(), first)
            found[user_id].saw(as_utc(last).astimezone(zone).date(), last)
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
    report = get_report(session, state, week) if -(2**31) < week < 2**31 else None
    if report is None:
        raise LookupError(f"{user.username} has no report for week {week}")
    return state, report
