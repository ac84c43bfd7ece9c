"""The cohort's week as a file: one row per learner with the progress table's figures for that
week, as CSV (for a spreadsheet) or Markdown (for a chat or a wiki).

Week n of a cohort runs from its start date + 7(n-1) days for seven days. Per learner:

- items done: items of their plan closed (done or skipped) on a day of that week and still
  closed; planned: the items their plan puts in the plan week holding that week's first day,
  and how many of those are closed now;
- hours logged on the days of the week against the plan's budget for that week;
- streak: days in a row with activity up to the week's last day (today for the current week);
- exercises: first passed during the week, and passed in all by its end;
- report: the learner's weekly report of that plan week (none, draft or edited) and its number
  of comments;
- cards due and the milestone are today's figures (a card's due date of a past day is not
  kept), the same as the table shows.

>>> week = cohort_week(session, cohort, 3, today=today, now=now)
>>> print(week_csv(week))                                          # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.drills.stats import streak
from gocoach.plans.calendar import local_date
from gocoach.store.tables import Cohort, WeeklyReport
from gocoach.teams.comments import comment_counts
from gocoach.teams.milestones import MilestoneStatus
from gocoach.teams.overview import CohortData, LearnerRow, load_cohort, overview_rows

MAX_WEEK = 520  # ten years of weeks
FORMATS = ("csv", "md")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


@dataclass(frozen=True)
class WeekRow:
    """One learner's figures for the cohort's week."""

    username: str
    name: str
    plan: str  # the plan's title, "" without a plan
    plan_week: int | None
    items_done: int
    items_planned: int
    planned_closed: int
    hours: float
    budget_hours: float
    streak: int
    drills_due: int
    exercises_passed: int  # first passed during the week
    exercises_total: int  # passed by the week's end
    milestone: MilestoneStatus | None
    report: str  # none, draft or edited
    comments: int


@dataclass(frozen=True)
class CohortWeek:
    """The export of one week of a cohort."""

    slug: str
    title: str
    week: int
    start: date
    end: date
    rows: list[WeekRow]


def week_dates(cohort: Cohort, week: int, today: date) -> tuple[date, date]:
    """The first and last day of the cohort's week; a ValueError for a week out of range or
    one that has not started."""
    if not 1 <= week <= MAX_WEEK:
        raise ValueError(f"a cohort week is a number from 1 to {MAX_WEEK}, not {week}")
    start = cohort.start_date + timedelta(days=7 * (week - 1))
    if start > today:
        raise ValueError(f"week {week} of '{cohort.slug}' starts on {start}: nothing to export "
                         "yet")
    return start, start + timedelta(days=6)


def cohort_week(session: Session, cohort: Cohort, week: int, *, today: date, now: datetime,
                content_dir: Path | None = None, zone: tzinfo | None = None) -> CohortWeek:
    """Every learner's figures for week `week` of the cohort (days of `zone`, default: the
    GOCOACH_TIMEZONE setting's)."""
    start, end = week_dates(cohort, week, today)
    data = load_cohort(session, cohort, today=today, now=now, zone=zone)
    table = {r.user.id: r for r in overview_rows(session, data, today=today, now=now,
                                                 content_dir=content_dir)}
    reports = _reports(session, data, start)
    counts = comment_counts(session, [r.id for r in reports.values()])
    rows = [_row(data, table[user.id], reports.get(user.id), counts, start, end, today)
            for user in data.learners]
    return CohortWeek(slug=cohort.slug, title=cohort.title, week=week, start=start, end=end,
                      rows=rows)


def _reports(session: Session, data: CohortData, start: date) -> dict[int, WeeklyReport]:
    """user id → the stored report of the plan week holding the cohort week's first day."""
    weeks = {plan.id: data.states[plan.id].calendar.week_of(start) for plan in data.plans.values()}
    if not weeks:
        return {}
    owners = {plan.id: user_id for user_id, plan in data.plans.items()}
    found = session.scalars(select(WeeklyReport).where(
        WeeklyReport.plan_id.in_(list(weeks)), WeeklyReport.week.in_(set(weeks.values()))))
    return {owners[r.plan_id]: r for r in found if weeks[r.plan_id] == r.week}


def _row(data: CohortData, table: LearnerRow, report: WeeklyReport | None,
         counts: dict[int, int], start: date, end: date, today: date) -> WeekRow:
    user = table.user
    activity = data.activity[user.id]
    days = [start + timedelta(days=i) for i in range(7)]
    passes = [local_date(at) for at in data.passed_at.get(user.id, {}).values()]
    plan = data.plans.get(user.id)
    state = data.states[plan.id] if plan else None
    plan_week = state.calendar.week_of(start) if state else None
    planned = [i for i in state.items if i.week == plan_week] if state else []
    return WeekRow(
        username=user.username, name=user.display_name or user.username,
        plan=plan.title if plan else "", plan_week=plan_week,
        items_done=sum(1 for i in state.items if i.closed_on and start <= i.closed_on <= end)
        if state else 0,
        items_planned=len(planned), planned_closed=sum(1 for i in planned if i.closed),
        hours=round(sum(activity.minutes.get(day, 0) for day in days) / 60, 2),
        budget_hours=state.calendar.budget(plan_week, state.hours)
        if state and plan_week and plan_week >= 1 else 0.0,
        streak=streak(activity.days, min(end, today)), drills_due=table.drills_due,
        exercises_passed=sum(1 for day in passes if start <= day <= end),
        exercises_total=sum(1 for day in passes if day <= end), milestone=table.milestone,
        report="none" if report is None else "edited" if report.edited_at else "draft",
        comments=counts.get(report.id, 0) if report else 0)


HEADER = ("learner", "name", "plan", "plan week", "items done", "items planned",
          "planned items closed", "hours", "budget hours", "streak", "cards due",
          "exercises passed", "exercises passed in all", "next milestone", "milestone due",
          "milestone status", "report", "comments")


def _cells(row: WeekRow) -> list[str | int | float]:
    milestone = row.milestone
    return [row.username, row.name, row.plan, row.plan_week if row.plan_week else "",
            row.items_done, row.items_planned, row.planned_closed, row.hours, row.budget_hours,
            row.streak, row.drills_due, row.exercises_passed, row.exercises_total,
            milestone.title if milestone else "",
            milestone.due_date.isoformat() if milestone else "",
            milestone.state.replace("_", " ") if milestone else "", row.report, row.comments]


def spreadsheet_safe(value: str | int | float) -> str | int | float:
    """A text cell a spreadsheet will not run as a formula (a quote before = + - @)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def week_csv(week: CohortWeek) -> str:
    """The week as CSV: a header line, then one line per learner."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in week.rows:
        writer.writerow([spreadsheet_safe(cell) for cell in _cells(row)])
    return out.getvalue()


def markdown_cell(value: str | int | float) -> str:
    """A value for a Markdown table cell: one line, Markdown's special characters escaped."""
    text = " ".join(str(value).split())
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def week_markdown(week: CohortWeek) -> str:
    """The week as a Markdown document with one table."""
    lines = [f"# {markdown_cell(week.title)} — week {week.week} ({week.start} – {week.end})", "",
             f"Cohort `{week.slug}`; cards due and milestones are as of the export.", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(markdown_cell(c) for c in _cells(row)) + " |"
              for row in week.rows]
    if not week.rows:
        lines.append("")
        lines.append("No learners in the cohort.")
    return "\n".join(lines) + "\n"
