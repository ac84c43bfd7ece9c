"""Accounts and cohorts on a real PostgreSQL server: the schema, racing sign-ups on one
invitation, the login limit, the mentor table's figures (UTC days, grouped counts), comment
threads on reports and the review queue (through the domain and through the pages)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from account_fixtures import PASSWORD, SAME_ORIGIN, cheap_hashing, server_client
from conftest import NOW
from gocoach.plans.plan import load_plan
from gocoach.reports.weekly import save_report
from gocoach.startup import Database, open_database
from gocoach.store.engine import Base, transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Cohort, Submission, User, WeeklyReport
from gocoach.teams.accounts import AccountError, create_user
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.teams.comments import (
    add_report_comment,
    mark_report_read,
    report_thread,
    unread_report_comments,
)
from gocoach.teams.invitations import accept_invitation, create_invitation
from gocoach.teams.logins import MAX_FAILURES, authenticate
from gocoach.teams.overview import cohort_overview
from gocoach.teams.reviews import add_review, cohort_submission, review_queue
from plan_fixtures import MONDAY, import_seed
from servers import postgres_server
from test_teams_cohorts import TODAY, busy_learner
from test_teams_comments import EN, build_team, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
RACERS = 8


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = Path("/tmp") / f"gocoach-pg-teams-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        yield url


@pytest.fixture(scope="module")
def pg(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = pg_url
    with pytest.MonkeyPatch.context() as patch:
        cheap_hashing(patch)
        database, _ = open_database(load_settings(
            database_url=url, data_dir=tmp_path_factory.mktemp("pg"), load_bundled=False,
            db_pool_size=RACERS + 2))
        yield database
        database.engine.dispose()


def test_the_team_tables_match_the_models(pg: Database) -> None:
    with pg.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    names = ("login_sessions", "login_attempts", "invitations", "cohorts", "cohort_members",
             "cohort_roadmaps", "'disabled'", "report_comments", "submission_reviews")
    assert [d for d in diff if any(n in repr(d) for n in names)] == []


def test_racing_sign_ups_on_one_invitation_make_one_account(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        token = create_invitation(session, role="learner", now=NOW, created_by=None).token
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def sign_up(index: int) -> None:
        try:
            with transaction(pg.sessions) as session:
                barrier.wait(timeout=30)
                accept_invitation(session, token=token, username=f"racer{index}",
                                  password=PASSWORD, now=NOW)
            outcomes.append("made")
        except AccountError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["invitation_used"] * (RACERS - 1) + ["made"]
    with transaction(pg.sessions) as session:
        made = session.scalar(select(func.count()).select_from(User).where(
            User.username.like("racer%")))
    assert made == 1


def test_the_login_limit_on_postgres(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        create_user(session, username="limited", password=PASSWORD, now=NOW)
    for _ in range(MAX_FAILURES):
        with transaction(pg.sessions) as session:
            outcome = authenticate(session, username="limited", password="wrong", address="a",
                                   now=NOW)
            assert outcome.user is None and not outcome.throttled
    with transaction(pg.sessions) as session:
        assert authenticate(session, username="limited", password=PASSWORD, address="a",
                            now=NOW).throttled


def test_the_mentor_table_on_postgres(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        admin = create_user(session, username="pgroot", password=PASSWORD, role="admin",
                            now=NOW)
        roadmap = import_seed(session, admin, "senior-3-months")
        cohort = create_cohort(session, slug="pg-autumn", roadmaps=[roadmap], start=MONDAY,
                               now=NOW)
        busy_learner(session, cohort, "pg-anna")
    with transaction(pg.sessions) as session:
        cohort = session.scalars(select(Cohort).where(Cohort.slug == "pg-autumn")).one()
        (row,) = cohort_overview(session, cohort, today=TODAY, now=NOW)
    assert row.pace is not None and (row.pace.closed_items, row.pace.logged_hours) == (2, 3.5)
    assert (row.streak, row.drills_due, row.exercises_passed) == (3, 2, 2)
    assert row.latest_report is not None and row.latest_report.week == 2


def test_comment_threads_and_the_review_queue_on_postgres(pg: Database) -> None:
    with transaction(pg.sessions) as session:
        admin = create_user(session, username="pgadmin", password=PASSWORD, role="admin",
                            now=NOW)
        cohort = create_cohort(session, slug="pg-comments", start=MONDAY, now=NOW,
                               roadmaps=[import_seed(session, admin, "backend-16-weeks")])
        learner = create_user(session, username="pg-lena", password=PASSWORD, now=NOW)
        mentor = create_user(session, username="pg-mira", password=PASSWORD, role="mentor",
                             now=NOW)
        stranger = create_user(session, username="pg-olga", password=PASSWORD, role="mentor",
                               now=NOW)
        plan = add_member(session, cohort=cohort, user=learner, role="learner", now=NOW).plan
        add_member(session, cohort=cohort, user=mentor, role="mentor", now=NOW)
        assert plan is not None
        report = save_report(session, user=learner, state=load_plan(session, learner, plan),
                             week=1, today=TODAY, now=NOW, sections={"studied": "x"})
        # PostgreSQL refuses NUL in text: the comment is stored without it
        add_report_comment(session, report=report, author=mentor, body="ok\x00 go on", now=NOW)
        with pytest.raises(LookupError):
            add_report_comment(session, report=report, author=stranger, body="x", now=NOW)
        submissions = [Submission(user_id=learner.id, exercise=f"ex-{i}", status="pass",
                                  files={}, result={"flags": [f"flag {i}"], "stage": "run"},
                                  created_at=NOW + timedelta(minutes=i)) for i in range(3)]
        session.add_all(submissions)
        session.flush()
        add_review(session, submission=submissions[2], author=mentor, body="seen", now=NOW)
        ids = [s.id for s in submissions]
    with transaction(pg.sessions) as session:
        cohort = session.scalars(select(Cohort).where(Cohort.slug == "pg-comments")).one()
        learner = session.scalars(select(User).where(User.username == "pg-lena")).one()
        queue = review_queue(session, cohort)
        assert [e.submission_id for e in queue] == [ids[1], ids[0], ids[2]]
        assert queue[0].flags == ("flag 1",) and queue[2].reviewed
        with pytest.raises(LookupError):  # no DataError from a number PostgreSQL cannot hold
            cohort_submission(session, cohort, 2**63)
        (report,) = session.scalars(select(WeeklyReport).where(
            WeeklyReport.user_id == learner.id))
        (comment,) = report_thread(session, report, viewer=learner)
        assert (comment.body, comment.unread) == ("ok go on", True)
        assert unread_report_comments(session, learner) == {report.id: 1}
        assert mark_report_read(session, report=report, reader=learner, now=NOW) == 1
        assert unread_report_comments(session, learner) == {}


def test_a_mentor_comment_reaches_the_learner_through_the_pages_on_postgres(
        pg_url: str, pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=lambda: NOW, database_url=pg_url) as client:
        team = build_team(client)
        sign_in(client, "mira")
        posted = client.post("/cohorts/north/learners/lena/reports/1/comments",
                             data={"body": "Well done"}, headers=SAME_ORIGIN,
                             follow_redirects=False)
        assert posted.status_code == 303
        sid = team.submissions["lena-new"]
        assert client.post(f"/cohorts/north/reviews/{sid}/comments", data={"body": "Nice"},
                           headers=SAME_ORIGIN, follow_redirects=False).status_code == 303
        for bad in ("/cohorts/north/reviews/99999999999999999999",
                    "/cohorts/north/learners/lena/reports/99999999999"):
            assert client.get(bad).status_code in (404, 422), bad
        sign_in(client, "olga")
        assert client.get("/cohorts/north/learners/lena/reports/1").status_code == 404
        sign_in(client, "lena")
        # PostgreSQL refuses a NUL in a text: a clean 400, the SQL not shown, nothing saved
        refused = client.post("/time", data={"minutes": "30", "note": "a\x00b"},
                              headers={**SAME_ORIGIN, **EN})
        assert refused.status_code == 400 and "nothing was saved" in refused.text
        assert "INSERT" not in refused.text and "time_entries" not in refused.text
        assert "a\x00b" not in client.get("/time").text
        assert "new mentor comment" in client.get("/reports", headers=EN).text
        assert "Well done" in client.get("/reports/1", headers=EN).text
        exercise = client.get("/exercises/lru-cache", headers=EN)
        assert "Nice" in exercise.text.split('id="reviews"')[1]
