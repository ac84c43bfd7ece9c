"""Milestones tick from real data: items, exercises passed, cards' retrievability; criteria."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from gocoach.curricula.progress import set_status
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.reports.activity import ExerciseInfo, ExerciseStats, ReviewStats
from gocoach.reports.milestones import check_milestones, final_criteria, next_milestone
from gocoach.store.tables import User
from plan_fixtures import MONDAY, at, make_plan, mark, reload

DAY = timedelta(days=1)
NO_DATA = (ReviewStats(), ExerciseStats())


def test_the_16_week_plan_has_its_four_milestones(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    milestones = check_milestones(state, *NO_DATA)
    assert [(m.title, m.due_week, m.due_date) for m in milestones] == [
        ("Неделя 3: Базовые Go навыки", 3, date(2026, 11, 22)),
        ("Неделя 7: Первый backend API", 7, date(2026, 12, 20)),
        ("Неделя 12: Production-ready навыки", 12, date(2027, 1, 24)),
        ("Неделя 16: Полноценный backend разработчик", 16, date(2027, 2, 21))]
    assert [m.checks[0].total for m in milestones] == [41, 86, 143, 179]
    assert not any(m.reached for m in milestones)
    assert [c.available for c in milestones[0].checks] == [True, False, False]


def test_a_milestone_is_reached_when_its_weeks_are_done(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    weeks = [state.week(n).items for n in (1, 2, 3)]
    mark(session, user, weeks[0] + weeks[1], MONDAY + 10 * DAY)
    mark(session, user, weeks[2][:-1], MONDAY + 18 * DAY)
    first = check_milestones(reload(session, user, state), *NO_DATA)[0]
    assert not first.reached and first.checks[0].met == 40
    assert first.checks[0].missing == ("Веб-скрапер с concurrent обработкой страниц",)
    mark(session, user, weeks[2][-1:], MONDAY + 20 * DAY, status="skipped")
    milestones = check_milestones(reload(session, user, state), *NO_DATA)
    assert milestones[0].reached and milestones[0].reached_on == MONDAY + 20 * DAY
    assert next_milestone(milestones) is milestones[1]


def test_exercises_and_cards_must_hold_too(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    early = [*state.week(1).items, *state.week(2).items, *state.week(3).items]
    mark(session, user, early, MONDAY + 19 * DAY)
    state = reload(session, user, state)
    keys = (early[0].key,)
    open_exercise = ExerciseStats(True, (ExerciseInfo("hello", "Hello", keys),))
    passed = ExerciseStats(True, (ExerciseInfo("hello", "Hello", keys, at(MONDAY + 20 * DAY),
                                               "https://coach.local/ex/hello"),))
    weak = ReviewStats(available=True, retrievability={keys[0]: (0.95, 0.6)})
    strong = ReviewStats(available=True, retrievability={keys[0]: (0.95, 0.85)})
    blocked = check_milestones(state, strong, open_exercise)[0]
    assert not blocked.reached and blocked.checks[1].missing == ("Hello",)
    forgotten = check_milestones(state, weak, passed)[0]
    assert not forgotten.reached and (forgotten.checks[2].met, forgotten.checks[2].total) == (1, 2)
    reached = check_milestones(state, strong, passed)[0]
    assert reached.reached and reached.reached_on == MONDAY + 20 * DAY
    assert reached.checks[1].evidence == ("Hello https://coach.local/ex/hello",)


def test_one_milestone_per_month_or_tier_elsewhere(session: Session, user: User) -> None:
    senior = make_plan(session, user, "senior-3-months")
    months = check_milestones(senior, *NO_DATA)
    assert [(m.title.split(" —")[0], m.due_week) for m in months] == [
        ("Месяц 1", 4), ("Месяц 2", 8), ("Месяц 3", 12)]
    assert [m.checks[0].total for m in months] == [31, 66, 102]
    mastery = check_milestones(make_plan(session, user, "go-mastery"), *NO_DATA)
    assert [m.due_week for m in mastery] == [10, 17, 26, 36]
    assert mastery[0].title.startswith("FOUNDATION TIER")


def test_final_criteria_are_a_checklist_with_evidence(session: Session, user: User) -> None:
    state = make_plan(session, user, "backend-16-weeks")
    criteria = final_criteria(state)
    assert len(criteria) == 15 and criteria[0].group == "Технические навыки"
    portfolio = next(c for c in criteria if c.title == "Код в публичных GitHub репозиториях")
    set_status(session, user=user, roadmap=get_roadmap(session, "backend-16-weeks"),
               key=portfolio.key, status="done", evidence=["https://github.com/me"],
               now=at(MONDAY + 30 * DAY))
    ticked = next(c for c in final_criteria(reload(session, user, state)) if c.key == portfolio.key)
    assert (ticked.status, ticked.evidence, ticked.closed_on) == (
        "done", ("https://github.com/me",), MONDAY + 30 * DAY)
