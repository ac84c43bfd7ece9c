"""The dashboard: progress, this week, hours against the budget, streak, reviews, milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from gocoach.curricula.progress import RollUp
from gocoach.curricula.roadmaps import list_roadmaps
from gocoach.curricula.tree import STATUSES
from gocoach.drills.stats import STREAK_WINDOW, streak, study_days
from gocoach.plans.calendar import setting_zone
from gocoach.plans.plan import Pace, PlanState, PlanWeek, active_plan, load_plan, measure_pace
from gocoach.plans.timelog import logged_hours, minutes_by_day
from gocoach.reports.activity import (
    ExerciseStats,
    ModuleReadiness,
    ReviewStats,
    exercise_stats,
    review_stats,
)
from gocoach.reports.milestones import Milestone, check_milestones, next_milestone
from gocoach.store.tables import Node, Progress, Roadmap, TimeEntry, User

FORECAST_DAYS = 14


@dataclass(frozen=True)
class BurnPoint:
    """A plan week on the burn-up chart: budget and hours logged, both cumulative."""

    week: int
    end: date
    planned: float
    logged: float | None


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows; `plan` is None until the learner makes a plan."""

    today: date
    roadmaps: tuple[tuple[Roadmap, RollUp], ...]
    plan: PlanState | None
    pace: Pace | None
    week: PlanWeek | None
    burnup: tuple[BurnPoint, ...]
    streak: int
    active_days: int
    reviews: ReviewStats
    exercises: ExerciseStats
    next_milestone: Milestone | None
    milestones_reached: int
    milestones_total: int

    @property
    def forecast(self) -> tuple[tuple[date, int], ...]:
        """Cards due per day, from today, for the next two weeks."""
        return tuple((d, n) for d, n in self.reviews.forecast
                     if self.today <= d < self.today + timedelta(days=FORECAST_DAYS))

    @property
    def readiness(self) -> tuple[ModuleReadiness, ...]:
        """Readiness per module, weakest first."""
        return tuple(sorted(self.reviews.readiness, key=lambda m: m.readiness))


def burn_up(state: PlanState, minutes: dict[date, int], today: date) -> list[BurnPoint]:
    """Cumulative budget per plan week, and cumulative hours logged for weeks begun."""
    points = []
    planned = 0.0
    for week in range(1, state.last_week + 1):
        planned += state.calendar.budget(week, state.hours)
        start, end = state.calendar.week_start(week), state.calendar.week_end(week)
        logged = (logged_hours(minutes, state.plan.start_date, min(end, today))
                  if start <= today else None)
        points.append(BurnPoint(week=week, end=end, planned=round(planned, 2), logged=logged))
    return points


def build_dashboard(*, today: date, roadmaps: list[tuple[Roadmap, RollUp]],
                    state: PlanState | None, minutes: dict[date, int], active_days: set[date],
                    reviews: ReviewStats, exercises: ExerciseStats) -> Dashboard:
    """The dashboard from loaded data (pure); `active_days` are the days of study
    (`drills.stats.study_days`), whose streak /drill/stats shows too."""
    pace = week = None
    milestones: list[Milestone] = []
    points: list[BurnPoint] = []
    if state is not None:
        pace = measure_pace(state, today, logged_hours(minutes, state.plan.start_date, today))
        number = state.calendar.week_of(today)
        week = state.week(number) if 1 <= number <= state.last_week else None
        milestones = check_milestones(state, reviews, exercises)
        points = burn_up(state, minutes, today)
    return Dashboard(
        today=today, roadmaps=tuple(roadmaps), plan=state, pace=pace, week=week,
        burnup=tuple(points), streak=streak(active_days, today), active_days=len(active_days),
        reviews=reviews, exercises=exercises, next_milestone=next_milestone(milestones),
        milestones_reached=sum(1 for m in milestones if m.reached),
        milestones_total=len(milestones))


def roadmap_roll_ups(session: Session, user: User, roadmap_ids: list[int]) -> dict[int, RollUp]:
    """The whole-roadmap roll-up (as `progress.roll_up(...)[None]`) of each roadmap, counted in
    SQL: trackable items by the user's status, todo when the item has no progress row."""
    if not roadmap_ids:
        return {}
    status = func.coalesce(Progress.status, "todo")
    rows = session.execute(
        select(Node.roadmap_id, status, func.count())
        .select_from(Node)
        .outerjoin(Progress, and_(Progress.user_id == user.id,
                                  Progress.roadmap_id == Node.roadmap_id,
                                  Progress.node_key == Node.key))
        .where(Node.roadmap_id.in_(roadmap_ids), Node.trackable.is_(True))
        .group_by(Node.roadmap_id, status))
    counts: dict[int, dict[str, int]] = {}
    for roadmap_id, name, count in rows:
        slot = counts.setdefault(roadmap_id, dict.fromkeys(STATUSES, 0))
        slot[name if name in slot else "todo"] += count
    return {rid: RollUp(**c) for rid, c in counts.items()}


def dashboard_for(session: Session, *, user: User, today: date, now: datetime,
                  zone: tzinfo | None = None) -> Dashboard:
    """Load everything the dashboard shows for the user; `today` is `now`'s day in `zone`, the
    user's time zone (default: the GOCOACH_TIMEZONE setting's)."""
    plan = active_plan(session, user)
    state = load_plan(session, user, plan) if plan else None
    if state is not None:
        chosen = state.roadmaps
    else:  # without a plan: only the roadmaps the learner has touched
        touched = set(session.scalars(select(Progress.roadmap_id).distinct().where(
            Progress.user_id == user.id, Progress.status != "todo")))
        chosen = [r for r in list_roadmaps(session) if r.id in touched]
    totals = roadmap_roll_ups(session, user, [r.id for r in chosen])
    roadmaps = [(r, totals.get(r.id, RollUp())) for r in chosen]
    if state is None:
        roadmaps = [(r, u) for r, u in roadmaps if u.done or u.in_progress or u.skipped]
    entries = session.scalars(select(TimeEntry).where(TimeEntry.user_id == user.id,
                                                      TimeEntry.day <= today)).all()
    days = study_days(session, user=user, since=now - timedelta(days=STREAK_WINDOW + 1),
                      zone=zone or setting_zone())
    return build_dashboard(today=today, roadmaps=roadmaps, state=state,
                           minutes=minutes_by_day(entries), active_days=days,
                           reviews=review_stats(session, user, now=now),
                           exercises=exercise_stats(session, user, now=now))
