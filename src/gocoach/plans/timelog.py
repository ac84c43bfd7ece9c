"""The time log: minutes of study per day, by hand or from drills, interviews and exercises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gocoach.plans.plan import PlanState
from gocoach.store.tables import Roadmap, TimeEntry, User

SOURCES = ("manual", "drill", "interview", "exercise", "project")
MAX_MINUTES_PER_DAY = 24 * 60


def log_time(
    session: Session,
    *,
    user: User,
    minutes: int,
    source: str,
    day: date,
    now: datetime,
    roadmap: Roadmap | None = None,
    item_key: str | None = None,
    note: str = "",
    ref: str | None = None,
) -> TimeEntry:
    """Record study time; with `ref` (e.g. 'drill-session:42') a second call updates, not adds.

    >>> log_time(session, user=user, minutes=25, source="drill", day=today, now=now,
    ...          ref="drill-session:42")  # doctest: +SKIP
    """
    if source not in SOURCES:
        raise ValueError(f"unknown time source '{source}'; use one of: {', '.join(SOURCES)}")
    if not 0 < minutes <= MAX_MINUTES_PER_DAY:
        raise ValueError(f"minutes must be between 1 and {MAX_MINUTES_PER_DAY}, not {minutes}")
    if item_key is not None and roadmap is None:
        raise ValueError("an item needs its roadmap")
    values = {"day": day, "minutes": minutes, "roadmap_id": roadmap.id if roadmap else None,
              "node_key": item_key, "note": note}
    if ref is None:
        entry = TimeEntry(user_id=user.id, source=source, ref=None, created_at=now, **values)
        session.add(entry)
        session.flush()
        return entry
    session.flush()
    _upsert(session, {"user_id": user.id, "source": source, "ref": ref, "created_at": now,
                      **values})
    return session.scalars(
        select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.source == source,
                                TimeEntry.ref == ref)
        .execution_options(populate_existing=True)).one()


def _upsert(session: Session, row: dict[str, object]) -> None:
    """INSERT … ON CONFLICT (user_id, source, ref) DO UPDATE: two transactions logging the same
    ref at once (the first drill minutes of the day) both succeed, the later one wins."""
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(TimeEntry).values(**row)
    elif dialect == "sqlite":
        statement = sqlite.insert(TimeEntry).values(**row)
    else:
        raise RuntimeError(f"no upsert for the {dialect} dialect")
    changed = {k: statement.excluded[k] for k in ("day", "minutes", "roadmap_id", "node_key",
                                                  "note")}
    session.execute(statement.on_conflict_do_update(
        index_elements=[TimeEntry.user_id, TimeEntry.source, TimeEntry.ref], set_=changed))


def entries_between(session: Session, user: User, first: date, last: date) -> list[TimeEntry]:
    """The user's entries from `first` to `last` (inclusive), oldest first."""
    return list(session.scalars(select(TimeEntry).where(
        TimeEntry.user_id == user.id, TimeEntry.day >= first, TimeEntry.day <= last)
        .order_by(TimeEntry.day, TimeEntry.id)))


def minutes_by_day(entries: Sequence[TimeEntry]) -> dict[date, int]:
    """Total minutes per day."""
    totals: dict[date, int] = {}
    for entry in entries:
        totals[entry.day] = totals.get(entry.day, 0) + entry.minutes
    return totals


@dataclass(frozen=True)
class WeekHours:
    """Hours logged in a plan week against its budget."""

    week: int
    start: date
    end: date
    budget: float
    logged: float

    @property
    def percent(self) -> int:
        """Logged as a share of the budget, 0 when the week has no budget."""
        return round(100 * self.logged / self.budget) if self.budget else 0


def hours_per_week(state: PlanState, minutes: dict[date, int], *, until: date | None = None
                   ) -> list[WeekHours]:
    """Every plan week (up to the week of `until`) with hours logged and budgeted."""
    last = state.last_week
    if until is not None:
        last = max(1, min(last, state.calendar.week_of(until)))
    rows = []
    for week in range(1, last + 1):
        start, end = state.calendar.week_start(week), state.calendar.week_end(week)
        logged = sum(m for day, m in minutes.items() if start <= day <= end)
        rows.append(WeekHours(week=week, start=start, end=end,
                              budget=state.calendar.budget(week, state.hours),
                              logged=round(logged / 60, 2)))
    return rows


def logged_hours(minutes: dict[date, int], first: date, last: date) -> float:
    """Hours logged from `first` to `last` inclusive."""
    return round(sum(m for day, m in minutes.items() if first <= day <= last) / 60, 2)
