"""Cohorts: the plan template, members and mentors, the mentor's progress table (its figures and
its bounded number of queries), and the cohort pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from account_fixtures import SAME_ORIGIN, add_user, cheap_hashing, database_of, server_client
from account_fixtures import sign_in as sign_in_as
from conftest import NOW
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.plan import active_plan, load_plan, measure_pace
from gocoach.plans.timelog import log_time
from gocoach.reports.activity import exercise_stats, review_stats
from gocoach.reports.milestones import check_milestones, next_milestone
from gocoach.reports.weekly import save_report
from gocoach.startup import Database
from gocoach.store.engine import transaction
from gocoach.store.tables import Cohort, CohortMember, DrillCard, Plan, Submission, User
from gocoach.teams.accounts import create_user
from gocoach.teams.cohorts import add_member, create_cohort, members, visible_cohorts
from gocoach.teams.milestones import judge_milestones
from gocoach.teams.overview import cohort_overview
from plan_fixtures import MONDAY, at, import_seed, mark

TODAY = date(2026, 11, 21)  # a Saturday of plan week 3


def person(session: Session, name: str, role: str = "learner") -> User:
    return create_user(session, username=name, password="long enough pw", role=role, now=NOW)


@pytest.fixture
def cohort(session: Session, monkeypatch: pytest.MonkeyPatch) -> Cohort:
    cheap_hashing(monkeypatch)
    admin = person(session, "root", "admin")
    roadmap = import_seed(session, admin, "senior-3-months")
    return create_cohort(session, slug="autumn", title="Autumn 2026", roadmaps=[roadmap],
                         start=MONDAY, now=NOW, hours_per_week=8)


def test_a_learner_gets_the_cohorts_plan_and_keeps_their_own(session: Session,
                                                             cohort: Cohort) -> None:
    fresh = person(session, "fresh")
    added = add_member(session, cohort=cohort, user=fresh, role="learner", now=NOW)
    assert added.plan is not None
    assert (added.plan.start_date, added.plan.hours_per_week, added.plan.title) == (
        MONDAY, 8, "Autumn 2026")
    busy = person(session, "busy")
    own = import_seed(session, busy, "backend-16-weeks")
    from gocoach.plans.plan import create_plan
    mine = create_plan(session, user=busy, roadmaps=[own], start=MONDAY, now=NOW)
    assert add_member(session, cohort=cohort, user=busy, role="learner", now=NOW).plan is None
    current = active_plan(session, busy)
    assert current is not None and current.id == mine.id


def test_membership_rules(session: Session, cohort: Cohort) -> None:
    learner, mentor = person(session, "lena"), person(session, "misha", "mentor")
    with pytest.raises(ValueError, match="mentor role first"):
        add_member(session, cohort=cohort, user=learner, role="mentor", now=NOW)
    add_member(session, cohort=cohort, user=mentor, role="mentor", now=NOW)
    with pytest.raises(ValueError, match="already"):
        add_member(session, cohort=cohort, user=mentor, role="learner", now=NOW)
    with pytest.raises(ValueError, match="learner or a mentor"):
        add_member(session, cohort=cohort, user=learner, role="admin", now=NOW)
    assert [u.username for u in members(session, cohort, "mentor")] == ["misha"]
    assert visible_cohorts(session, viewer=mentor) == [cohort]
    other = person(session, "olga", "mentor")
    assert visible_cohorts(session, viewer=other) == []
    with pytest.raises(PermissionError):
        visible_cohorts(session, viewer=learner)
    for bad in ("Autumn 2026", "", "x" * 81, "autumn"):
        with pytest.raises(ValueError):
            create_cohort(session, slug=bad, roadmaps=[get_roadmap(session, "senior-3-months")],
                          start=MONDAY, now=NOW)


def busy_learner(session: Session, cohort: Cohort, name: str) -> User:
    """A learner with two items done, 3.5 h logged, cards, passed exercises and two reports."""
    user = person(session, name)
    add_member(session, cohort=cohort, user=user, role="learner", now=NOW)
    plan = active_plan(session, user)
    assert plan is not None
    state = load_plan(session, user, plan)
    mark(session, user, state.items[:2], date(2026, 11, 19))
    for day, minutes in ((date(2026, 11, 3), 120), (date(2026, 11, 20), 60), (TODAY, 30)):
        log_time(session, user=user, minutes=minutes, source="manual", now=at(day), day=day)
    for ref, due in (("a", NOW - timedelta(days=1)), ("b", NOW), ("c", NOW + timedelta(days=2))):
        session.add(DrillCard(user_id=user.id, ref=ref, kind="question", module_number="01",
                              state=2, due=due, created_at=NOW))
    for slug, status in (("lru-cache", "pass"), ("lru-cache", "pass"), ("worker-pool", "pass"),
                         ("rate-limiter", "fail")):
        session.add(Submission(user_id=user.id, exercise=slug, status=status, files={},
                               result={}, created_at=at(date(2026, 11, 10))))
    for week in (1, 2):
        save_report(session, user=user, state=state, week=week, today=TODAY, now=NOW,
                    sections={"studied": f"week {week}"})
    session.flush()
    return user


def test_the_mentor_table_shows_each_learners_figures(session: Session, cohort: Cohort) -> None:
    anna = busy_learner(session, cohort, "anna")
    idle = person(session, "idle")
    session.add(CohortMember(cohort_id=cohort.id, user_id=idle.id, role="learner",
                             added_at=NOW))  # in the cohort, but without a plan
    session.flush()
    rows = {r.user.username: r for r in cohort_overview(session, cohort, today=TODAY, now=NOW)}
    assert list(rows) == ["anna", "idle"]
    row = rows["anna"]
    assert row.pace is not None and row.plan is not None
    assert (row.pace.closed_items, row.pace.logged_hours) == (2, 3.5)
    assert (row.streak, row.drills_due, row.exercises_passed) == (3, 2, 2)
    assert row.last_activity == at(TODAY)
    assert row.latest_report is not None and row.latest_report.week == 2
    assert row.latest_report.edited_at is not None
    # the same pace the learner's own plan page computes
    state = load_plan(session, anna, row.plan)
    assert row.pace == measure_pace(state, TODAY, 3.5)
    assert row.hours_percent == round(100 * 3.5 / row.pace.budget_hours)
    empty = rows["idle"]
    assert (empty.pace, empty.streak, empty.drills_due, empty.last_activity) == (None, 0, 0,
                                                                                 None)


def count_queries(database: Database, work) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def note(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        with transaction(database.sessions) as session:
            work(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    return len(seen)


def test_the_table_needs_the_same_queries_for_two_or_eight_learners(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    with transaction(database.sessions) as session:
        admin = person(session, "root", "admin")
        roadmap = import_seed(session, admin, "senior-3-months")
        small = create_cohort(session, slug="small", roadmaps=[roadmap], start=MONDAY, now=NOW)
        large = create_cohort(session, slug="large", roadmaps=[roadmap], start=MONDAY, now=NOW)
        for index in range(2):
            busy_learner(session, small, f"s{index}")
        for index in range(8):
            busy_learner(session, large, f"l{index}")
        ids = small.id, large.id

    def table(cohort_id: int):  # type: ignore[no-untyped-def]
        def work(session: Session) -> None:
            rows = cohort_overview(session, session.get_one(Cohort, cohort_id), today=TODAY,
                                   now=NOW)
            assert all(r.pace is not None and r.streak == 3 for r in rows)
        return work

    cold = count_queries(database, table(ids[0]))  # fills the per-process caches
    two, eight = (count_queries(database, table(cohort_id)) for cohort_id in ids)
    # the cohort, then eighteen for the table (ten for the figures, eight for the milestones:
    # plan roadmaps, nodes, closing days, drill settings, cards, questions, curricula version)
    assert two == eight == 19
    assert cold <= two + 1  # the exercises' links to items: one scan of the items, kept


def test_the_milestone_column_is_the_learners_own_next_milestone(
        session: Session, cohort: Cohort) -> None:
    anna = busy_learner(session, cohort, "anna")
    session.add(DrillCard(user_id=anna.id, ref="chan-buffered", kind="question",
                          module_number="01", state=2, due=NOW, created_at=NOW, stability=3.0,
                          last_review=NOW - timedelta(days=1)))
    session.flush()
    (row,) = cohort_overview(session, cohort, today=TODAY, now=NOW)
    plan = active_plan(session, anna)
    assert plan is not None and row.milestone is not None
    state = load_plan(session, anna, plan)
    own = check_milestones(state, review_stats(session, anna, now=NOW),
                           exercise_stats(session, anna, now=NOW))
    upcoming = next_milestone(own)
    assert upcoming is not None
    assert (row.milestone.title, row.milestone.due_date) == (upcoming.title, upcoming.due_date)
    assert (row.milestone.items_closed, row.milestone.items_total) == (
        upcoming.checks[0].met, upcoming.checks[0].total)
    assert (row.milestone.reached, row.milestone.total) == (
        sum(m.reached for m in own), len(own))
    # 2 of ~30 items closed in week 3 of 4: behind the plan's schedule for this milestone
    assert row.milestone.state == "at_risk"
    on_time = judge_milestones(own, state, MONDAY)
    assert on_time is not None and on_time.state == "on_track"
    late = judge_milestones(own, state, upcoming.due_date + timedelta(days=1))
    assert late is not None and late.state == "overdue"


def test_a_learner_who_reached_every_milestone_shows_met(session: Session,
                                                         cohort: Cohort) -> None:
    anna = busy_learner(session, cohort, "anna")
    plan = active_plan(session, anna)
    assert plan is not None
    state = load_plan(session, anna, plan)
    mark(session, anna, state.items, date(2026, 11, 20))
    (row,) = cohort_overview(session, cohort, today=TODAY, now=NOW,
                             content_dir=Path("/nonexistent"))  # no exercises to check
    assert row.milestone is not None and row.milestone.state == "met"
    assert row.milestone.reached == row.milestone.total


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=lambda: NOW) as test_client:
        database = database_of(test_client)
        for name, role in (("root", "admin"), ("mira", "mentor"), ("lena", "learner")):
            add_user(database, name, role)
        with transaction(database.sessions) as session:
            import_seed(session, session.scalars(select(User).where(
                User.username == "root")).one(), "senior-3-months")
        yield test_client


def test_an_admin_builds_a_cohort_from_the_pages(client: TestClient) -> None:
    sign_in_as(client, "root")
    form = client.get("/cohorts", headers={"Accept-Language": "en"})
    assert form.status_code == 200 and "Create a cohort" in form.text
    bad = client.post("/cohorts", data={"slug": "Bad Slug", "start": "2026-11-02",
                                        "roadmap": "senior-3-months"},
                      headers={**SAME_ORIGIN, "Accept-Language": "en"})
    assert bad.status_code == 400 and "A cohort id has latin letters" in bad.text
    made = client.post("/cohorts", data={"slug": "autumn", "title": "Autumn", "start":
                                         "2026-11-02", "roadmap": "senior-3-months",
                                         "hours": "8"}, headers=SAME_ORIGIN,
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/cohorts/autumn"
    for name, role in (("lena", "learner"), ("mira", "mentor")):
        added = client.post("/cohorts/autumn/members", data={"username": name, "role": role},
                            headers=SAME_ORIGIN, follow_redirects=False)
        assert added.status_code == 303
    twice = client.post("/cohorts/autumn/members", data={"username": "lena"},
                        headers={**SAME_ORIGIN, "Accept-Language": "en"})
    assert twice.status_code == 400 and "in the cohort already" in twice.text
    nobody = client.post("/cohorts/autumn/members", data={"username": "ghost"},
                         headers=SAME_ORIGIN)
    assert nobody.status_code == 400 and "no user &#39;ghost&#39;" in nobody.text
    client.cookies.clear()
    sign_in_as(client, "mira")
    page = client.get("/cohorts/autumn", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and 'id="learner-lena"' in page.text
    row = re.search(r'<tr id="learner-lena">(.*?)</tr>', page.text, re.S)
    assert row and "0/" in row.group(1) and "not started" not in row.group(1)
    assert client.get("/cohorts", headers={"Accept-Language": "en"}).text.count(
        'href="/cohorts/autumn"') == 1
    assert client.post("/cohorts/autumn/members", data={"username": "root"},
                       headers=SAME_ORIGIN).status_code == 403  # mentors read, admins change
    client.cookies.clear()
    sign_in_as(client, "lena")
    plan = client.get("/plan", headers={"Accept-Language": "en"})
    assert plan.status_code == 200 and "Autumn" in plan.text


def test_a_mentor_reads_a_learners_reports(client: TestClient) -> None:
    database = database_of(client)
    with transaction(database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        cohort = create_cohort(session, slug="autumn", roadmaps=[
            get_roadmap(session, "senior-3-months")], start=MONDAY, now=NOW)
        add_member(session, cohort=cohort, user=users["lena"], role="learner", now=NOW)
        add_member(session, cohort=cohort, user=users["mira"], role="mentor", now=NOW)
        plan = session.scalars(select(Plan).where(Plan.user_id == users["lena"].id)).one()
        save_report(session, user=users["lena"], state=load_plan(session, users["lena"], plan),
                    week=1, today=TODAY, now=NOW,
                    sections={"studied": "Каналы и **select**", "problems": "deadlock"})
    sign_in_as(client, "mira")
    listing = client.get("/cohorts/autumn/learners/lena", headers={"Accept-Language": "en"})
    assert listing.status_code == 200 and "/cohorts/autumn/learners/lena/reports/1" in (
        listing.text)
    report = client.get("/cohorts/autumn/learners/lena/reports/1")
    assert report.status_code == 200
    assert "Каналы и <strong>select</strong>" in report.text and "deadlock" in report.text
    forms = re.findall(r'<form[^>]*action="([^"]+)"', report.text.split("<main")[1])
    assert forms == ["/cohorts/autumn/learners/lena/reports/1/comments"]  # only the thread


def test_the_table_counts_the_streak_in_the_users_zone_as_the_dashboard_does(
        session: Session, cohort: Cohort) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from gocoach.drills.stats import study_streak
    from gocoach.teams.export import cohort_week

    moscow = ZoneInfo("Europe/Moscow")
    vera = person(session, "vera")
    add_member(session, cohort=cohort, user=vera, role="learner", now=NOW)
    # Moscow days 19, 20 and 21 November; UTC days 18, 19 and 21 (a gap on the 20th)
    for moment in (datetime(2026, 11, 18, 21, 30, tzinfo=UTC),
                   datetime(2026, 11, 19, 22, 0, tzinfo=UTC),
                   datetime(2026, 11, 21, 6, 0, tzinfo=UTC)):
        session.add(Submission(user_id=vera.id, exercise="lru-cache", status="fail", files={},
                               result={}, created_at=moment))
    # drill minutes are filed under the UTC day: they do not make the 20th a study day
    log_time(session, user=vera, minutes=5, source="drill", day=date(2026, 11, 20), now=NOW,
             ref="drill:2026-11-20")
    session.flush()
    now = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)  # the 21st, 23:30 in Moscow
    today = date(2026, 11, 21)

    def table_streak(zone: ZoneInfo | None) -> int:
        rows = cohort_overview(session, cohort, today=today, now=now, zone=zone or UTC)
        return next(r.streak for r in rows if r.user.username == "vera")

    assert table_streak(moscow) == 3 == study_streak(session, user=vera, now=now, zone=moscow)
    assert table_streak(None) == 1 == study_streak(session, user=vera, now=now, zone=UTC)
    week = cohort_week(session, cohort, 3, today=today, now=now, zone=moscow)
    assert next(r.streak for r in week.rows if r.username == "vera") == 3
