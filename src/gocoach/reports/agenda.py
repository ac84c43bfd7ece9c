"""The day's agenda: this week's items, what is late, cards due, exercises to try, pace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from gocoach.plans.plan import (
    Pace,
    PlannedItem,
    PlanState,
    PlanWeek,
    Replan,
    late_items,
    load_plan,
    measure_pace,
    preview_replan,
    require_plan,
)
from gocoach.plans.timelog import (
    WeekHours,
    entries_between,
    hours_per_week,
    logged_hours,
    minutes_by_day,
)
from gocoach.reports.activity import (
    ExerciseInfo,
    ExerciseStats,
    ReviewStats,
    exercise_stats,
    review_stats,
)
from gocoach.reports.milestones import Milestone, check_milestones, next_milestone
from gocoach.reports.modules import name_modules
from gocoach.reports.weekly import ensure_drafts, list_reports
from gocoach.store.tables import User


@dataclass(frozen=True)
class Agenda:
    """Everything the "today" view shows."""

    today: date
    state: PlanState
    week: PlanWeek | None
    late: tuple[PlannedItem, ...]
    pace: Pace
    hours: WeekHours | None
    minutes_today: int
    reviews: ReviewStats
    suggestions: tuple[ExerciseInfo, ...]
    exercises_available: bool
    next_milestone: Milestone | None
    drafts_to_review: tuple[int, ...]
    replan: Replan

    @property
    def open_items(self) -> list[PlannedItem]:
        """This week's items still to do."""
        return [i for i in self.week.items if not i.closed] if self.week else []


def build_agenda(state: PlanState, *, today: date, minutes: dict[date, int],
                 reviews: ReviewStats, exercises: ExerciseStats, drafts: tuple[int, ...] = ()
                 ) -> Agenda:
    """The agenda of `today` from the plan and the activity data."""
    number = state.calendar.week_of(today)
    week = state.week(number) if 1 <= number <= state.last_week else None
    late = tuple(late_items(state, today))
    wanted = [i.key for i in (*late, *(week.items if week else ())) if not i.closed]
    hours = hours_per_week(state, minutes, until=today)
    return Agenda(
        today=today, state=state, week=week, late=late,
        pace=measure_pace(state, today, logged_hours(minutes, state.plan.start_date, today)),
        hours=next((h for h in hours if h.week == number), None),
        minutes_today=minutes.get(today, 0), reviews=reviews,
        suggestions=tuple(exercises.suggestions(wanted)),
        exercises_available=exercises.available,
        next_milestone=next_milestone(check_milestones(state, reviews, exercises)),
        drafts_to_review=drafts, replan=preview_replan(state, today))


def agenda_for(session: Session, *, user: User, today: date, now: datetime, lang: str = "ru"
               ) -> Agenda:
    """Load the active plan and the data, draft reports of ended weeks, build the agenda."""
    state = name_modules(session, load_plan(session, user, require_plan(session, user)))
    reviews = review_stats(session, user, now=now)
    exercises = exercise_stats(session, user, now=now)
    ensure_drafts(session, user=user, state=state, today=today, now=now, exercises=exercises,
                  lang=lang)
    drafts = tuple(sorted(w for w, r in list_reports(session, state).items()
                          if r.edited_at is None))
    minutes = minutes_by_day(entries_between(session, user, state.plan.start_date, today))
    return build_agenda(state, today=today, minutes=minutes, reviews=reviews,
                        exercises=exercises, drafts=drafts)
