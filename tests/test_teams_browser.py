"""In real Chromium, server mode: an admin invites a learner into a cohort, the learner signs up,
signs out and in again, and the cohort's mentor sees them in the progress table; a mentor leaves
a comment on a learner's weekly report and the learner, signing in, sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from account_fixtures import PASSWORD, server_settings
from conftest import NOW
from gocoach.plans.plan import load_plan
from gocoach.reports.weekly import save_report
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.tables import User
from gocoach.teams.accounts import create_user
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.web.app import create_app
from plan_fixtures import MONDAY, import_seed
from servers import chromium, free_port, serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = server_settings(tmp_path, port=port)
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        root = create_user(session, username="root", password=PASSWORD, role="admin", now=NOW)
        mira = create_user(session, username="mira", password=PASSWORD, role="mentor", now=NOW,
                           display_name="Mira K.")
        cohort = create_cohort(session, slug="autumn", title="Autumn 2026", start=MONDAY,
                               roadmaps=[import_seed(session, root, "senior-3-months")], now=NOW)
        add_member(session, cohort=cohort, user=mira, role="mentor", now=NOW)
    database.engine.dispose()
    with serving(create_app(settings), port) as url:
        yield url


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/cohorts")  # anonymous: sent to the login, then back
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_invite_sign_up_and_the_mentors_table(base_url: str, tmp_path: Path) -> None:
    with chromium() as browser:
        admin = browser.new_context(locale="en-US").new_page()
        sign_in(admin, base_url, "root")
        admin.wait_for_url(f"{base_url}/cohorts")
        admin.goto(f"{base_url}/admin/users")
        admin.get_by_label("Cohort").select_option("autumn")
        admin.get_by_role("button", name="Make an invitation link").click()
        link = admin.locator("code.invite-link").inner_text().strip()
        assert link.startswith(f"{base_url}/invite/")

        learner = browser.new_context(locale="en-US").new_page()
        learner.goto(link)
        assert "You are invited to gocoach as a learner" in learner.locator("main").inner_text()
        learner.get_by_label("Username").fill("lena")
        learner.get_by_label("Display name").fill("Lena S.")
        learner.get_by_label("Password", exact=True).fill("learner secret 1")
        learner.get_by_label("Password again").fill("learner secret 1")
        learner.get_by_role("button", name="Create the account").click()
        learner.wait_for_url(f"{base_url}/")
        assert learner.locator("header a.me").inner_text() == "Lena S."
        learner.goto(f"{base_url}/plan")
        assert "Autumn 2026" in learner.locator("main").inner_text()
        learner.get_by_role("button", name="Sign out").click()
        learner.wait_for_url(f"{base_url}/login")
        sign_in(learner, base_url, "lena", "wrong password")
        assert "Wrong username or password." in learner.locator("main").inner_text()
        learner.get_by_label("Password").fill("learner secret 1")
        learner.get_by_role("button", name="Sign in").click()
        learner.wait_for_url(f"{base_url}/cohorts")  # back where it was going: a 403 page
        assert "Your role does not give access" in learner.locator("main").inner_text()

        mentor = browser.new_context(locale="en-US").new_page()
        sign_in(mentor, base_url, "mira")
        mentor.get_by_role("link", name="Autumn 2026").click()
        row = mentor.locator("tr#learner-lena")
        row.wait_for()
        assert "Lena S." in row.inner_text() and "0/102" in row.inner_text()
        mentor.screenshot(path=str(tmp_path / "cohort.png"))
    database, _ = open_database(server_settings(tmp_path), prepare=False)
    with transaction(database.sessions) as session:
        lena = session.scalars(select(User).where(User.username == "lena")).one()
        assert lena.password_hash and lena.password_hash.startswith("$argon2id$")
    database.engine.dispose()


@pytest.fixture
def team_url(tmp_path: Path) -> Iterator[str]:
    """A server with mentor mira and learner lena (week 1 reported) in cohort autumn."""
    port = free_port()
    settings = server_settings(tmp_path, port=port)
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        root = create_user(session, username="root", password=PASSWORD, role="admin", now=NOW)
        mira = create_user(session, username="mira", password=PASSWORD, role="mentor", now=NOW,
                           display_name="Mira K.")
        lena = create_user(session, username="lena", password=PASSWORD, now=NOW,
                           display_name="Lena S.")
        cohort = create_cohort(session, slug="autumn", title="Autumn 2026", start=MONDAY,
                               roadmaps=[import_seed(session, root, "senior-3-months")], now=NOW)
        add_member(session, cohort=cohort, user=mira, role="mentor", now=NOW)
        plan = add_member(session, cohort=cohort, user=lena, role="learner", now=NOW).plan
        assert plan is not None
        save_report(session, user=lena, state=load_plan(session, lena, plan), week=1,
                    today=NOW.date(), now=NOW, sections={"studied": "Channels and select"})
    database.engine.dispose()
    with serving(create_app(settings), port) as url:
        yield url


def test_a_mentor_comments_on_a_report_and_the_learner_sees_it(team_url: str,
                                                               tmp_path: Path) -> None:
    note = "Good week! Try <select> with a timeout next."
    with chromium() as browser:
        mentor = browser.new_context(locale="en-US").new_page()
        sign_in(mentor, team_url, "mira")
        mentor.get_by_role("link", name="Autumn 2026").click()
        mentor.locator("tr#learner-lena").get_by_role("link", name="Lena S.").click()
        mentor.get_by_role("link", name="edited").click()
        assert "Channels and select" in mentor.locator("main").inner_text()
        mentor.locator("#comments textarea[name=body]").fill(note)
        mentor.locator("#comments button[type=submit]").click()
        mentor.wait_for_url(re.compile(r".*/reports/1#comment-\d+$"))
        assert note in mentor.locator("#comments .comment-body").inner_text()

        learner = browser.new_context(locale="en-US").new_page()
        sign_in(learner, team_url, "lena")
        learner.goto(f"{team_url}/reports")
        marker = learner.locator("a.unread-mark")
        assert marker.count() == 1
        marker.click()
        learner.wait_for_url(f"{team_url}/reports/1#comments")
        comment = learner.locator("#comments li.comment").first
        assert note in comment.inner_text() and "Mira K." in comment.inner_text()
        assert comment.locator(".tag.new").count() == 1  # new until seen
        assert learner.locator("#comments script").count() == 0  # the text stayed text
        learner.screenshot(path=str(tmp_path / "comment.png"), full_page=True)
        learner.goto(f"{team_url}/reports")
        assert learner.locator("a.unread-mark").count() == 0
