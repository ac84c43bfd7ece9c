"""Plans: laying roadmaps on the calendar, pace over simulated weeks, re-planning, .ics export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session

from gocoach.curricula.roadmaps import import_document, load_nodes
from gocoach.plans.calendar import PlanCalendar, parse_off_range
from gocoach.plans.layout import lay_out, share
from gocoach.plans.plan import (
    active_plan,
    apply_replan,
    create_plan,
    late_items,
    measure_pace,
    preview_replan,
)
from gocoach.reports.activity import ExerciseStats, ReviewStats
from gocoach.reports.ics import plan_calendar_ics
from gocoach.reports.milestones import check_milestones
from gocoach.store.tables import User
from plan_fixtures import MONDAY, at, import_seed, make_plan, mark, reload

WEEK = timedelta(days=7)


def test_backend_plan_keeps_the_documents_weeks_and_hours(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    assert state.hours == 17.5  # "15-20 часов в неделю"
    assert len(state.items) == 179 and state.last_week == 16
    assert state.end_date == date(2027, 2, 21)
    week1 = state.week(1)
    assert (week1.start, week1.end, len(week1.items)) == (MONDAY, date(2026, 11, 8), 16)
    assert week1.items[0].title == "Установка Go (последняя стабильная версия)"
    assert week1.items[-1].title == "Написать CLI калькулятор с основными операциями"
    assert "Веб-скрапер с concurrent обработкой страниц" in [i.title for i in state.week(3).items]
    assert [i.title for i in state.week(16).items][-1] == "Production-ready backend система"
    assert not any(i.item_kind in ("milestone", "criterion") for i in state.items)


def test_days_off_skip_a_week_or_shrink_its_budget(session: Session, user: User) -> None:
    holidays = parse_off_range("2026-12-28..2027-01-03")
    short = parse_off_range("2026-11-12..2026-11-13")
    state = make_plan(session, user, "backend-16-weeks", off=[holidays, short])
    assert state.week(9).off and state.week(9).items == ()
    assert state.last_week == 17 and state.end_date == date(2027, 2, 28)
    assert [len(state.week(n).items) for n in (8, 10)] == [13, 9]  # doc weeks 8 and 9
    assert state.week(2).budget_hours == 12.5  # two of seven days off
    assert state.week(1).budget_hours == 17.5


def test_hours_default_and_override(session: Session, user: User) -> None:
    assert make_plan(session, user, "senior-3-months").hours == 10.0  # states none
    state = make_plan(session, user, "backend-16-weeks", hours_per_week=8)
    assert state.hours == 8 and state.week(1).budget_hours == 8


def test_phases_are_spread_by_duration_and_item_counts(session: Session, user: User) -> None:
    doc = ("# Course\n\n## Phase 1: Basics (2 weeks)\n\n- [ ] a1\n- [ ] a2\n- [ ] a3\n- [ ] a4\n\n"
           "## Phase 2: Advanced\n\n- [ ] b1\n- [ ] b2\n\n"
           "## Phase 3: Expert (1 month)\n\n- [ ] c1\n- [ ] c2\n")
    import_document(session, data=doc.encode(), name="course.md", user=user, now=at(MONDAY),
                    max_bytes=1 << 20)
    from gocoach.curricula.roadmaps import get_roadmap

    nodes = load_nodes(session, get_roadmap(session, "course"))
    layout = lay_out(nodes)
    titles = {n.key: n.title for n in nodes}
    weeks = {titles[s.key]: s.doc_week for s in layout.slots}
    # pace from the stated phases: 6 items in 6 weeks, so phase 2's 2 items get 2 weeks
    assert weeks == {"a1": 1, "a2": 1, "a3": 2, "a4": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 7}
    assert layout.mode == "durations" and layout.weeks == 7


def test_go_mastery_tiers_take_their_stated_weeks(session: Session, user: User) -> None:
    state = make_plan(session, user, "go-mastery")
    assert len(state.items) == 827 and state.last_week == 36
    by_title = {i.title: i.week for i in state.items}
    assert min(by_title.values()) == 1
    nodes = {n.key: n for n in state.nodes[state.roadmaps[0].id]}

    def tier_weeks(prefix: str) -> tuple[int, int]:
        weeks = [i.week for i in state.items if _top(nodes, i.key).startswith(prefix)]
        return min(weeks), max(weeks)

    assert tier_weeks("FOUNDATION") == (1, 10)  # 8-12 weeks
    assert tier_weeks("INTERMEDIATE") == (11, 17)  # 6-8 weeks
    assert tier_weeks("ADVANCED") == (18, 26)  # 8-10 weeks
    assert tier_weeks("Expert") == (27, 36)  # phase 11: 8-10 weeks, phase 12 at the pace


def _top(nodes: dict, key: str) -> str:  # type: ignore[type-arg]
    node = nodes[key]
    while node.parent_key:
        node = nodes[node.parent_key]
    return str(node.title)


def test_two_roadmaps_run_one_after_the_other(session: Session, user: User) -> None:
    state = make_plan(session, user, "senior-3-months", "backend-16-weeks")
    senior = [i.week for i in state.items if i.roadmap_slug == "senior-3-months"]
    backend = [i.week for i in state.items if i.roadmap_slug == "backend-16-weeks"]
    assert (min(senior), max(senior)) == (1, 12)
    assert (min(backend), max(backend)) == (13, 28)
    assert state.hours == 17.5  # the first roadmap that states hours


def test_share_keeps_the_total_and_one_week_each() -> None:
    assert share(10, [399, 0, 1]) == [8, 1, 1]
    assert sum(share(7, [30, 80, 100])) == 7
    assert share(2, [5, 5, 5]) == [1, 1, 1]


def test_a_new_plan_replaces_the_active_one_and_errors_are_clear(session: Session,
                                                                 user: User) -> None:
    first = make_plan(session, user, "senior-3-months").plan
    second = make_plan(session, user, "backend-16-weeks").plan
    assert active_plan(session, user) is second and not first.active
    roadmap = import_seed(session, user, "backend-16-weeks")
    with pytest.raises(ValueError, match="at least one roadmap"):
        create_plan(session, user=user, roadmaps=[], start=MONDAY, now=at(MONDAY))
    with pytest.raises(ValueError, match="named twice"):
        create_plan(session, user=user, roadmaps=[roadmap, roadmap], start=MONDAY, now=at(MONDAY))
    with pytest.raises(ValueError, match="between 1 and 100"):
        create_plan(session, user=user, roadmaps=[roadmap], start=MONDAY, now=at(MONDAY),
                    hours_per_week=0)
    with pytest.raises(ValueError, match=r"YYYY-MM-DD\.\.YYYY-MM-DD"):
        parse_off_range("next week")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_off_range("2026-12-03..2026-12-01")


def test_pace_over_simulated_weeks(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    assert measure_pace(state, MONDAY - timedelta(days=1), 0).status == "not_started"
    mark(session, user, state.week(1).items, MONDAY + timedelta(days=5))
    state = reload(session, user, state)
    on_monday = measure_pace(state, MONDAY + WEEK, logged_hours=17.5)
    assert on_monday.status == "on_track"  # two items short is within a day's work
    assert (on_monday.expected_items, on_monday.closed_items) == (16 + 14 // 7, 16)
    assert (on_monday.budget_hours, on_monday.hours_delta) == (20.0, -2.5)  # + 1/7 of week 2
    wednesday = MONDAY + 2 * WEEK + timedelta(days=2)
    behind = measure_pace(state, wednesday, logged_hours=20)
    assert behind.status == "behind"
    assert behind.expected_items == 16 + 14 + 11 * 3 // 7
    assert behind.items_delta == -18
    assert behind.budget_hours == 42.5 and behind.hours_delta == -22.5
    mark(session, user, state.week(2).items + state.week(3).items, wednesday)
    ahead = measure_pace(reload(session, user, state), wednesday, logged_hours=50)
    assert ahead.status == "ahead" and ahead.items_delta == 41 - 34


def test_replan_shifts_remaining_weeks_in_order_after_a_preview(session: Session,
                                                                user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    mark(session, user, state.week(1).items, MONDAY + timedelta(days=6))
    mark(session, user, state.week(2).items[:4], MONDAY + WEEK + timedelta(days=3))
    state = reload(session, user, state)
    today = MONDAY + 2 * WEEK + timedelta(days=1)  # Tuesday of week 3
    late = late_items(state, today)
    assert len(late) == 10 and all(i.week == 2 for i in late)
    preview = preview_replan(state, today)
    assert preview.needed and preview.shift_weeks == 1 and preview.late == 10
    assert (preview.old_end, preview.new_end) == (date(2027, 2, 21), date(2027, 2, 28))
    assert reload(session, user, state).end_date == date(2027, 2, 21)  # nothing applied yet
    open_before = [i.key for i in state.items if not i.closed]
    apply_replan(session, state, preview, now=at(today))
    after = reload(session, user, state)
    assert after.end_date == date(2027, 2, 28) and late_items(after, today) == []
    assert [i.key for i in sorted(after.items, key=lambda i: (i.week, i.position))
            if not i.closed] == open_before
    assert {i.week for i in after.items if i.key in {x.key for x in late}} == {3}
    assert len(after.week(4).items) == 11  # doc week 3 moved on by one week
    assert all(i.week == 1 for i in after.items if i.closed and i.baseline_week == 1)
    assert after.plan.meta["replans"][0]["new_end"] == "2027-02-28"
    assert not preview_replan(after, today).needed


def test_replan_spreads_a_long_lag_and_jumps_weeks_off(session: Session, user: User) -> None:
    off = parse_off_range("2026-11-23..2026-11-29")  # week 4
    state = make_plan(session, user, "backend-16-weeks", off=[off])
    today = MONDAY + 2 * WEEK  # week 3, weeks 1 and 2 untouched: 35 h of work late
    preview = preview_replan(state, today)
    assert preview.shift_weeks == 2 and preview.late == 30
    moved = [m.new_week for m in preview.moves]
    assert moved[:30] == [3] * 15 + [5] * 15  # in order, half a week's load each; 4 is off
    assert {m.new_week for m in preview.moves if m.item.week == 3} == {6}
    assert preview.new_end == state.end_date + 2 * WEEK


def test_calendar_export_parses_back(session: Session, user: User) -> None:
    off = parse_off_range("2026-12-28..2027-01-03")
    state = make_plan(session, user, "backend-16-weeks", off=[off])
    milestones = check_milestones(state, ReviewStats(), ExerciseStats())
    data = plan_calendar_ics(state, milestones, now=at(MONDAY), installation="test", lang="en")
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 16 + 4  # weeks with work (week 9 is off) and the four milestones
    first = events[0]
    assert first.decoded("dtstart") == MONDAY and first.decoded("dtend") == date(2026, 11, 9)
    assert str(first["summary"]) == "Week 1: 16 items, 17.5 h"
    assert "[ ] Установка Go (последняя стабильная версия)" in str(first["description"])
    assert all(e.decoded("dtstart") != date(2026, 12, 28) for e in events)
    deadlines = {str(e["summary"]): e.decoded("dtstart") for e in events[16:]}
    assert deadlines["Milestone: Неделя 7: Первый backend API"] == date(2026, 12, 20)
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_calendar_helpers() -> None:
    calendar = PlanCalendar(date(2026, 11, 4), ((date(2026, 11, 11), date(2026, 11, 14)),))
    assert calendar.week_of(date(2026, 11, 4)) == 1 and calendar.week_of(date(2026, 11, 3)) == 0
    assert calendar.is_off(2) and calendar.advance(1, 1) == 3
    assert calendar.study_weeks(3) == [1, 3, 4]
