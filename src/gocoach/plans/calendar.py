"""A plan's calendar: 7-day weeks counted from the start date, with days off taken out."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFF_WEEK_DAYS = 4  # a week with this many days off is skipped: its work moves to the next week
DAY = timedelta(days=1)
_ISO = r"(\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(rf"^\s*{_ISO}\s*(?:(?:\.\.|–|—|to)\s*{_ISO})?\s*$")


def parse_date(text: str) -> date:
    """'2026-11-02' → date; a ValueError that shows the expected form otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD") from None


def parse_off_range(text: str) -> tuple[date, date]:
    """'2026-12-28..2027-01-03' (or one date) → the first and last day off."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a range of days off; write YYYY-MM-DD..YYYY-MM-DD")
    first = parse_date(match[1])
    last = parse_date(match[2]) if match[2] else first
    if last < first:
        raise ValueError(f"'{text}': the range ends before it starts")
    return first, last


def setting_zone() -> tzinfo:
    """The user's time zone: the GOCOACH_TIMEZONE setting, else this machine's."""
    return _zone_named(os.environ.get("GOCOACH_TIMEZONE", "").strip())


@functools.lru_cache(maxsize=8)
def _zone_named(name: str) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # refused when the settings are read; this guards a zone removed since
    return datetime.now(UTC).astimezone().tzinfo or UTC


def local_date(moment: datetime) -> date:
    """The day a timestamp falls on in the user's time zone (`setting_zone`; naive values are
    UTC)."""
    return local_time(moment).date()


def local_time(moment: datetime) -> datetime:
    """A timestamp in the user's time zone (`setting_zone`; naive values are UTC), to show to
    a person."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    name = os.environ.get("GOCOACH_TIMEZONE", "").strip()
    # without the setting, the machine's rules (DST included) for that very moment
    return moment.astimezone(_zone_named(name)) if name else moment.astimezone()


@dataclass(frozen=True)
class PlanCalendar:
    """Week n (1-based) runs from start + 7(n-1) days for 7 days; some days are off."""

    start: date
    off: tuple[tuple[date, date], ...] = ()

    @classmethod
    def from_strings(cls, start: date, ranges: Iterable[Sequence[str]]) -> PlanCalendar:
        """A calendar from stored [first, last] ISO strings."""
        return cls(start, tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in ranges))

    def week_start(self, week: int) -> date:
        """The first day of week `week`."""
        return self.start + timedelta(days=7 * (week - 1))

    def week_end(self, week: int) -> date:
        """The last day of week `week`."""
        return self.week_start(week) + timedelta(days=6)

    def week_of(self, day: date) -> int:
        """The plan week a day falls in (0 or less before the start)."""
        return (day - self.start).days // 7 + 1

    def is_day_off(self, day: date) -> bool:
        """True when the day is in one of the ranges off."""
        return any(first <= day <= last for first, last in self.off)

    def days_off(self, week: int) -> int:
        """How many of the week's 7 days are off."""
        first = self.week_start(week)
        return sum(self.is_day_off(first + i * DAY) for i in range(7))

    def is_off(self, week: int) -> bool:
        """A week with most of its days off gets no work."""
        return self.days_off(week) >= OFF_WEEK_DAYS

    def budget(self, week: int, hours_per_week: float) -> float:
        """Hours planned for a week: none when off, fewer when some days are off."""
        if self.is_off(week):
            return 0.0
        return round(hours_per_week * (7 - self.days_off(week)) / 7, 2)

    def first_study_week(self, week: int) -> int:
        """`week` itself, or the next week that is not off."""
        while self.is_off(week):
            week += 1
        return week

    def advance(self, week: int, steps: int) -> int:
        """The week `steps` study weeks after `week`, skipping weeks off."""
        for _ in range(steps):
            week = self.first_study_week(week + 1)
        return week

    def study_weeks(self, count: int, first: int = 1) -> list[int]:
        """The first `count` weeks that are not off, from week `first`."""
        weeks: list[int] = []
        week = self.first_study_week(first)
        while len(weeks) < count:
            weeks.append(week)
            week = self.first_study_week(week + 1)
        return weeks
