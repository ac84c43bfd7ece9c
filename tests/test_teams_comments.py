"""Comment threads on weekly reports: a mentor comments on a learner's report, the learner sees
it (new, then read) and answers; only the learner, their cohort's mentors and admins reach the
thread; bad comments are refused with a message and store nothing; local mode has no threads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_fixtures import SAME_ORIGIN, add_user, cheap_hashing, database_of, server_client
from account_fixtures import sign_in as sign_in_as
from conftest import NOW
from gocoach.backup.archive import make_backup, restore_backup
from gocoach.plans.plan import active_plan, create_plan, load_plan
from gocoach.reports.weekly import get_report, save_report
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import (
    ReportComment,
    Submission,
    SubmissionReview,
    User,
    WeeklyReport,
)
from gocoach.store.users import ensure_local_user
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.teams.comments import (
    MAX_BODY,
    CommentError,
    add_report_comment,
    check_body,
    may_follow,
    report_thread,
)
from gocoach.web.app import create_app
from plan_fixtures import MONDAY, at, import_seed

EN = {"Accept-Language": "en"}
FLAGGED = {"flags": ["lru.go: вызывает os.Exit (завершение процесса в обход тестов)"],
           "stage": "run", "status": "pass", "tests": [], "benchmarks": [],
           "duration_seconds": 0.4, "message": None}


@dataclass(frozen=True)
class Team:
    """Two cohorts on one server: north (lena, mentor mira) and south (boris, mentor olga)."""

    client: TestClient
    database: Database
    submissions: dict[str, int]  # name → id of lena's (and boris's) submissions


def build_team(client: TestClient) -> Team:
    """The people, the cohorts, lena's week-1 report and a few exercise submissions."""
    database = database_of(client)
    for name, role in (("root", "admin"), ("mira", "mentor"), ("olga", "mentor"),
                       ("lena", "learner"), ("boris", "learner")):
        add_user(database, name, role)
    with transaction(database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        roadmap = import_seed(session, users["root"], "senior-3-months")
        north = create_cohort(session, slug="north", title="North", roadmaps=[roadmap],
                              start=MONDAY, now=NOW)
        south = create_cohort(session, slug="south", title="South", roadmaps=[roadmap],
                              start=MONDAY, now=NOW)
        for cohort, learner, mentor in ((north, "lena", "mira"), (south, "boris", "olga")):
            add_member(session, cohort=cohort, user=users[learner], role="learner", now=NOW)
            add_member(session, cohort=cohort, user=users[mentor], role="mentor", now=NOW)
        for name in ("lena", "boris"):
            plan = active_plan(session, users[name])
            assert plan is not None
            save_report(session, user=users[name], state=load_plan(session, users[name], plan),
                        week=1, today=NOW.date(), now=NOW,
                        sections={"studied": f"channels, by {name}"})
        submissions = {
            "lena-old": Submission(user_id=users["lena"].id, exercise="lru-cache",
                                   status="fail", files={"lru.go": "package lru // old"},
                                   result={**FLAGGED, "flags": [], "status": "fail"},
                                   created_at=at(MONDAY)),
            "lena-new": Submission(user_id=users["lena"].id, exercise="lru-cache",
                                   status="pass",
                                   files={"lru.go": "package lru\n// <script>alert(1)</script>"},
                                   result=FLAGGED, created_at=at(MONDAY, 15)),
            "lena-pool": Submission(user_id=users["lena"].id, exercise="worker-pool",
                                    status="error", files={}, result={"stage": "build"},
                                    created_at=at(MONDAY, 13)),
            "boris": Submission(user_id=users["boris"].id, exercise="lru-cache", status="pass",
                                files={"lru.go": "package lru // boris"}, result=FLAGGED,
                                created_at=at(MONDAY, 16)),
        }
        session.add_all(submissions.values())
        session.flush()
        ids = {name: row.id for name, row in submissions.items()}
    return Team(client=client, database=database, submissions=ids)


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=lambda: NOW) as client:
        yield build_team(client)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    sign_in_as(client, username)


def comment_count(database: Database) -> int:
    with transaction(database.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(ReportComment)) or 0)


MENTOR_REPORT = "/cohorts/north/learners/lena/reports/1"


def test_a_mentor_comments_and_the_learner_sees_it_new_then_answers(team: Team) -> None:
    client = team.client
    sign_in(client, "mira")
    page = client.get(MENTOR_REPORT, headers=EN)
    assert page.status_code == 200 and "No comments yet." in page.text
    posted = client.post(f"{MENTOR_REPORT}/comments", headers=SAME_ORIGIN,
                         data={"body": "Good week!\r\nLook at <b>select</b> & timeouts."},
                         follow_redirects=False)
    assert posted.status_code == 303
    assert re.fullmatch(rf"{MENTOR_REPORT}#comment-\d+", posted.headers["location"])
    page = client.get(MENTOR_REPORT, headers=EN)
    assert "Good week!\nLook at &lt;b&gt;select&lt;/b&gt; &amp; timeouts." in page.text
    assert "<b>select</b>" not in page.text  # plain text, escaped

    sign_in(client, "lena")
    listing = client.get("/reports", headers=EN)
    assert listing.status_code == 200 and "new mentor comment" in listing.text
    report = client.get("/reports/1", headers=EN)
    thread = report.text.split('id="comments"')[1]
    assert "Mira" in thread and "Good week!" in thread and ">new<" in thread
    assert 'class="comment unread"' in thread
    again = client.get("/reports/1", headers=EN).text.split('id="comments"')[1]
    assert ">new<" not in again  # seen once shown
    assert "new mentor comment" not in client.get("/reports", headers=EN).text
    answer = client.post("/reports/1/comments", headers=SAME_ORIGIN,
                         data={"body": "Thanks, I will."}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/reports/1#")

    sign_in(client, "mira")
    thread = client.get(MENTOR_REPORT, headers=EN).text.split('id="comments"')[1]
    assert thread.index("Good week!") < thread.index("Thanks, I will.")
    assert "learner</span>" in thread and "mentor</span>" in thread
    learner_page = client.get("/cohorts/north/learners/lena", headers=EN)
    assert "2 comments" in learner_page.text


def test_only_the_learner_their_mentors_and_admins_reach_the_thread(team: Team) -> None:
    client = team.client
    body = {"body": "a note"}
    for actor, status in (("olga", 404), ("boris", 403), ("root", 303), ("mira", 303)):
        sign_in(client, actor)
        answer = client.post(f"{MENTOR_REPORT}/comments", data=body, headers=SAME_ORIGIN,
                             follow_redirects=False)
        assert answer.status_code == status, actor
        page = client.get(MENTOR_REPORT)
        assert page.status_code == (200 if status == 303 else status), actor
        assert ("channels, by lena" in page.text) == (status == 303), actor
    assert comment_count(team.database) == 2
    sign_in(client, "olga")  # a mentor of another cohort: the same 404 as a missing learner
    assert client.get("/cohorts/north/learners/nobody/reports/1").status_code == 404
    assert client.post("/cohorts/south/learners/lena/reports/1/comments", data=body,
                       headers=SAME_ORIGIN).status_code == 404
    sign_in(client, "boris")  # boris posts on his own week 1, never on lena's
    assert client.post("/reports/1/comments", data=body, headers=SAME_ORIGIN,
                       follow_redirects=False).status_code == 303
    assert client.post("/reports/2/comments", data=body,
                       headers=SAME_ORIGIN).status_code == 404  # no report for week 2 yet
    client.cookies.clear()
    assert client.post(f"{MENTOR_REPORT}/comments", data=body,
                       headers=SAME_ORIGIN).status_code == 401
    assert comment_count(team.database) == 3
    with transaction(team.database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        lena_reads = [c.body for c in session.scalars(select(ReportComment).where(
            ReportComment.user_id == users["lena"].id))]
    assert lena_reads == ["a note", "a note"]  # boris's note went to his own thread


@pytest.mark.parametrize(("text", "message"), [
    ("   \r\n\t ", "The comment is empty"),
    ("\x00\x01\x02", "The comment is empty"),
    ("я" * (MAX_BODY + 1), "A comment has at most 4000 characters"),
])
def test_a_bad_comment_is_refused_with_a_message_and_stores_nothing(team: Team, text: str,
                                                                   message: str) -> None:
    client = team.client
    sign_in(client, "mira")
    answer = client.post(f"{MENTOR_REPORT}/comments", data={"body": text},
                         headers={**SAME_ORIGIN, **EN})
    assert answer.status_code == 400 and message in answer.text
    assert "channels, by lena" in answer.text  # the report is still shown, with the form
    assert comment_count(team.database) == 0
    sign_in(client, "lena")
    own = client.post("/reports/1/comments", data={"body": text}, headers={**SAME_ORIGIN, **EN})
    assert own.status_code == 400 and message in own.text
    assert comment_count(team.database) == 0


def test_check_body_keeps_text_and_drops_control_characters() -> None:
    assert check_body("  a\r\nb\x00c\x1bd\te  ") == "a\nbcd\te"
    assert check_body("x" * MAX_BODY) == "x" * MAX_BODY
    with pytest.raises(CommentError) as raised:
        check_body("x" * (MAX_BODY + 1))
    assert raised.value.key == "comment_long"


def test_who_may_follow_a_learner(team: Team) -> None:
    with transaction(team.database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        lena = users["lena"]
        allowed = {name for name, user in users.items()
                   if may_follow(session, learner=lena, viewer=user)}
        assert allowed == {"lena", "mira", "root"}
        report = _report(session, lena)
        add_report_comment(session, report=report, author=users["mira"], body="hi", now=NOW)
        with pytest.raises(LookupError):
            add_report_comment(session, report=report, author=users["olga"], body="x", now=NOW)
        with pytest.raises(LookupError):
            report_thread(session, report, viewer=users["boris"])
        (only,) = report_thread(session, report, viewer=lena)
        assert (only.author, only.by_learner, only.unread) == ("Mira", False, True)


def _report(session: Session, user: User) -> WeeklyReport:
    plan = active_plan(session, user)
    assert plan is not None
    report = get_report(session, load_plan(session, user, plan), 1)
    assert report is not None
    return report


def test_local_mode_has_no_threads(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "local", load_bundled=False)
    with TestClient(create_app(settings)) as client:
        client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
        database = database_of(client)
        with transaction(database.sessions) as session:
            local = ensure_local_user(session, now=NOW)
            roadmap = import_seed(session, local, "senior-3-months")
            create_plan(session, user=local, roadmaps=[roadmap], start=MONDAY, now=NOW)
        page = client.get("/reports/1", headers=EN)
        assert page.status_code == 200 and 'id="comments"' not in page.text
        assert client.post("/reports/1/comments", data={"body": "x"},
                           headers=SAME_ORIGIN).status_code == 404


def test_backups_carry_the_threads_with_their_authors(team: Team, tmp_path: Path) -> None:
    client = team.client
    sign_in(client, "mira")
    client.post(f"{MENTOR_REPORT}/comments", data={"body": "from mira"}, headers=SAME_ORIGIN)
    client.post(f"/cohorts/north/reviews/{team.submissions['lena-new']}/comments",
                data={"body": "review by mira"}, headers=SAME_ORIGIN)
    with transaction(team.database.sessions) as session:
        dump = json.loads(json.dumps(make_backup(session, now=NOW)))
    assert [r["author_id"] for r in dump["tables"]["report_comments"]] == ["mira"]
    target, _ = open_database(load_settings(data_dir=tmp_path / "target", load_bundled=False))
    try:
        with transaction(target.sessions) as session:
            for name in ("zed", "yan"):  # other people first: the ids differ from the source
                session.add(User(username=name, role="learner", created_at=NOW))
        with transaction(target.sessions) as session:
            restore_backup(session, dump, now=NOW, max_bytes=5 << 20)
        with transaction(target.sessions) as session:
            users = {u.id: u.username for u in session.scalars(select(User))}
            (comment,) = session.scalars(select(ReportComment))
            (review,) = session.scalars(select(SubmissionReview))
            assert (users[comment.user_id], users[comment.author_id or 0]) == ("lena", "mira")
            assert (users[review.user_id], users[review.author_id or 0]) == ("lena", "mira")
            assert session.get_one(Submission, review.submission_id).user_id == review.user_id
            assert session.get_one(WeeklyReport, comment.report_id).user_id == comment.user_id
    finally:
        target.engine.dispose()
