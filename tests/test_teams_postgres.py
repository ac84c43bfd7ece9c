"""Accounts and cohorts on a real PostgreSQL server: the schema, racing sign-ups on one
invitation, the login limit, and the mentor table's figures (UTC days, grouped counts)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from account_fixtures import PASSWORD, cheap_hashing
from conftest import NOW
from gocoach.startup import Database, open_database
from gocoach.store.engine import Base, transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Cohort, User
from gocoach.teams.accounts import AccountError, create_user
from gocoach.teams.cohorts import create_cohort
from gocoach.teams.invitations import accept_invitation, create_invitation
from gocoach.teams.logins import MAX_FAILURES, authenticate
from gocoach.teams.overview import cohort_overview
from plan_fixtures import MONDAY, import_seed
from servers import postgres_server
from test_teams_cohorts import TODAY, busy_learner

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
RACERS = 8


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    base = Path("/tmp") / f"gocoach-pg-teams-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url, pytest.MonkeyPatch.context() as patch:
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
             "cohort_roadmaps", "'disabled'")
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
