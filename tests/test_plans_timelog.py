"""The time log: by hand, from drills and exercises, hours per week against the budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.calendar import parse_off_range
from gocoach.plans.timelog import (
    entries_between,
    hours_per_week,
    log_time,
    logged_hours,
    minutes_by_day,
)
from gocoach.store.tables import User
from plan_fixtures import MONDAY, at, make_plan

DAY = timedelta(days=1)


def test_hours_per_week_against_the_budget(session: Session, user: User) -> None:
    off = parse_off_range("2026-11-14..2026-11-15")  # the weekend of week 2
    state = make_plan(session, user, "backend-16-weeks", off=[off])
    roadmap = get_roadmap(session, "backend-16-weeks")
    first = state.week(1).items[0]
    log_time(session, user=user, minutes=90, source="manual", day=MONDAY, now=at(MONDAY),
             roadmap=roadmap, item_key=first.key, note="go install")
    log_time(session, user=user, minutes=45, source="manual", day=MONDAY + DAY, now=at(MONDAY))
    log_time(session, user=user, minutes=30, source="drill", day=MONDAY + 8 * DAY,
             now=at(MONDAY + 8 * DAY), ref="drill-session:1")
    entries = entries_between(session, user, MONDAY, MONDAY + 20 * DAY)
    assert [(e.minutes, e.source, e.node_key) for e in entries] == [
        (90, "manual", first.key), (45, "manual", None), (30, "drill", None)]
    minutes = minutes_by_day(entries)
    weeks = hours_per_week(state, minutes, until=MONDAY + 9 * DAY)
    assert [(w.week, w.budget, w.logged, w.percent) for w in weeks] == [
        (1, 17.5, 2.25, 13), (2, 12.5, 0.5, 4)]
    assert logged_hours(minutes, MONDAY, MONDAY) == 1.5


def test_features_log_their_own_time_once_per_session(session: Session, user: User) -> None:
    for minutes in (20, 25):  # the drill reports again when the session ends: updated, not added
        log_time(session, user=user, minutes=minutes, source="drill", day=MONDAY,
                 now=at(MONDAY), ref="drill-session:42")
    log_time(session, user=user, minutes=15, source="exercise", day=MONDAY, now=at(MONDAY),
             ref="drill-session:42")  # another source may use the same ref
    entries = entries_between(session, user, MONDAY, MONDAY)
    assert sorted((e.source, e.minutes) for e in entries) == [("drill", 25), ("exercise", 15)]


@pytest.mark.parametrize(("minutes", "source", "message"), [
    (0, "manual", "between 1 and 1440"),
    (2000, "manual", "between 1 and 1440"),
    (30, "sleep", "unknown time source 'sleep'"),
])
def test_bad_entries_are_refused(session: Session, user: User, minutes: int, source: str,
                                 message: str) -> None:
    with pytest.raises(ValueError, match=message):
        log_time(session, user=user, minutes=minutes, source=source, day=MONDAY, now=at(MONDAY))
