"""Every route of the app, walked as anonymous, as another learner and as a mentor of another
cohort, with the path filled with a learner's own objects: a login, a 401/403/404 — never that
learner's data, never a 500, and the learner's data unchanged afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from account_fixtures import (
    PASSWORD,
    SAME_ORIGIN,
    add_user,
    cheap_hashing,
    database_of,
    server_client,
    sign_in,
)
from conftest import NOW
from gocoach.curricula.progress import set_status
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.plan import create_plan, load_plan
from gocoach.plans.timelog import log_time
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus
from gocoach.reports.weekly import save_report
from gocoach.store.engine import transaction
from gocoach.store.tables import (
    InterviewAnswer,
    InterviewSession,
    Progress,
    ProjectReview,
    ProjectSubmission,
    ReportComment,
    Submission,
    SubmissionReview,
    User,
    WeeklyReport,
)
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.teams.invitations import create_invitation
from plan_fixtures import MONDAY, import_seed
from servers import postgres_server

MARKERS = ("SECRET-A-REPORT", "SECRET-A-NOTE", "SECRET-A-PROGRESS", "SECRET-A-ANSWER",
           "SECRET-A-CODE", "Alpha Learner", "learner-a")
PUBLIC = {"/login", "/logout", "/invite/{token}", "/healthz", "/lang/{code}",
          "/favicon.ico"}  # the icon is a static file
# path parameters that name one learner's objects (or cohort): another user must not reach them
OWNED = ("interview_id", "submission_id", "job_id", "answer_id", "username", "contest_id",
         "project_submission_id")


@dataclass
class World:
    """The app and the ids of learner A's objects."""

    client: TestClient
    ids: dict[str, str] = field(default_factory=dict)


@contextmanager
def database_url(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """'' (SQLite in the data folder) or the URL of a throwaway PostgreSQL server."""
    if kind == "sqlite":
        yield ""
        return
    base = Path("/tmp") / f"gocoach-pg-scoping-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        yield url


@pytest.fixture(scope="module", params=[
    "sqlite", pytest.param("postgres", marks=[pytest.mark.postgres,
                                              pytest.mark.xdist_group("postgres")])])
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch, database_url(
            request.param, tmp_path_factory) as url:
        cheap_hashing(patch)
        patch.setattr(grading_service, "sandbox_available",
                      lambda: SandboxStatus(False, "no sandbox in this test"))
        with server_client(tmp_path_factory.mktemp("scoping"), clock=lambda: NOW,
                           database_url=url) as client:
            database = database_of(client)
            for name, role in (("root", "admin"), ("learner-b", "learner"),
                               ("mentor-n", "mentor"), ("mentor-s", "mentor")):
                add_user(database, name, role)
            add_user(database, "learner-a")
            yield World(client=client, ids=_learner_a_data(client))


def _learner_a_data(client: TestClient) -> dict[str, str]:
    """Learner A's plan, report, time, progress, interview and submission; their ids."""
    with transaction(database_of(client).sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        a = users["learner-a"]
        a.display_name = "Alpha Learner"
        roadmap = import_seed(session, users["root"], "senior-3-months")
        north = create_cohort(session, slug="north", roadmaps=[roadmap], start=MONDAY, now=NOW)
        south = create_cohort(session, slug="south", roadmaps=[roadmap], start=MONDAY, now=NOW)
        add_member(session, cohort=north, user=a, role="learner", now=NOW)
        add_member(session, cohort=north, user=users["mentor-n"], role="mentor", now=NOW)
        add_member(session, cohort=south, user=users["learner-b"], role="learner", now=NOW)
        add_member(session, cohort=south, user=users["mentor-s"], role="mentor", now=NOW)
        plan = create_plan(session, user=a, roadmaps=[get_roadmap(session, "senior-3-months")],
                           start=MONDAY, now=NOW)
        state = load_plan(session, a, plan)
        save_report(session, user=a, state=state, week=1, today=NOW.date(), now=NOW,
                    sections={"studied": "SECRET-A-REPORT"})
        log_time(session, user=a, minutes=45, source="manual", now=NOW, day=date(2026, 11, 3),
                 note="SECRET-A-NOTE")
        item = state.items[0]
        set_status(session, user=a, roadmap=roadmap, key=item.key, status="in_progress",
                   note="SECRET-A-PROGRESS", now=NOW, source="web")
        interview = InterviewSession(user_id=a.id, level="senior", modules=[], minutes=30,
                                     state="open", plan=["chan-buffered"], summary={},
                                     started_at=NOW, last_activity_at=NOW)
        session.add(interview)
        session.flush()
        answer = InterviewAnswer(user_id=a.id, session_id=interview.id, position=0,
                                 qid="chan-buffered", ref="chan-buffered",
                                 answer_text="SECRET-A-ANSWER", asked_at=NOW)
        submission = Submission(user_id=a.id, exercise="lru-cache", status="fail",
                                files={"lru.go": "// SECRET-A-CODE"}, result={},
                                created_at=NOW)
        project_run = ProjectSubmission(user_id=a.id, project="calculator", status="fail",
                                        stages_passed=[], report={"stages": []},
                                        files={"main.go": "// SECRET-A-CODE"}, created_at=NOW)
        session.add_all([answer, submission, project_run])
        session.flush()
        token = create_invitation(session, role="learner", now=NOW, created_by=None).token
        return {"interview_id": str(interview.id), "answer_id": str(answer.id),
                "submission_id": str(submission.id), "key": item.key, "week": "1",
                "project_submission_id": str(project_run.id),
                "username": "learner-a", "token": token, "qid": "chan-buffered",
                "digest": "0123abcd", "job_id": "job-of-a", "number": "01", "code": "en",
                "contest_id": "1"}


def fill(path: str, ids: dict[str, str]) -> str:
    """The route's path with learner A's objects (and cohort 'north') in its parameters."""
    slug = ("north" if path.startswith("/cohorts") else
            "lru-cache" if path.startswith("/exercises") else
            "calculator" if path.startswith("/projects") else "senior-3-months")

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return slug if name == "slug" else ids.get(name, "1")

    return re.sub(r"\{([^}]+)\}", value, path)


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those wrapped)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


def routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every API route of the app."""
    app_routes = client.app.routes  # type: ignore[attr-defined]
    found = [(method, route.path) for route in api_routes(app_routes)
             for method in sorted(route.methods or ())]
    assert len(found) > 60, "the walk must cover the whole app"
    others = [r.path for r in app_routes if not isinstance(r, APIRoute)
              and getattr(r, "original_router", None) is None]
    assert others == ["/static"], others  # no other door (e.g. /openapi.json)
    return found


# A form with the fields the app's forms use, filled so handlers run past validation.
HIJACK = {"text": "hijack", "rating": "3", "status": "done", "note": "hijack", "minutes": "5",
          "role": "admin", "password": "hijacked password", "username": "learner-a",
          "display_name": "hijack", "disabled": "true", "current": PASSWORD,
          "new": "hijacked password", "confirm": "not the same", "ref": "chan-buffered",
          "retention": "0.9", "new_per_day": "5", "start": "2026-11-02", "on": "true",
          "roadmap": "senior-3-months", "slug": "hijack", "days": "7", "cohort": "north",
          "sections": "x", "studied": "hijack", "claim": "covered", "comment": "hijack",
          "body": "hijack"}


def calls(client: TestClient, method: str, url: str) -> Iterator[Any]:
    """The request as it comes: GET once; other methods empty and with a filled form."""
    if method == "GET":
        yield client.get(url, follow_redirects=False)
        return
    for form in ({}, HIJACK):
        yield client.request(method, f"{url}?index=0", data=form, headers=SAME_ORIGIN,
                             follow_redirects=False)


def snapshot(client: TestClient) -> tuple[object, ...]:
    """What learner A has: the report, progress note, interview state, submissions."""
    with transaction(database_of(client).sessions) as session:
        a = session.scalars(select(User).where(User.username == "learner-a")).one()
        return (
            tuple(r.sections.get("studied") for r in session.scalars(
                select(WeeklyReport).where(WeeklyReport.user_id == a.id))),
            tuple((p.status, p.note) for p in session.scalars(
                select(Progress).where(Progress.user_id == a.id))),
            tuple(i.state for i in session.scalars(
                select(InterviewSession).where(InterviewSession.user_id == a.id))),
            session.scalar(select(func.count()).select_from(Submission)
                           .where(Submission.user_id == a.id)),
            tuple(c.body for c in session.scalars(select(ReportComment).where(
                ReportComment.user_id == a.id))),
            tuple(c.body for c in session.scalars(select(SubmissionReview).where(
                SubmissionReview.user_id == a.id))),
            session.scalar(select(func.count()).select_from(ProjectSubmission)
                           .where(ProjectSubmission.user_id == a.id)),
            tuple(c.body for c in session.scalars(select(ProjectReview).where(
                ProjectReview.user_id == a.id))),
            a.password_hash, a.role, a.disabled,
        )


def test_anonymous_requests_reach_nothing(world: World) -> None:
    client = world.client
    client.cookies.clear()
    for method, path in routes(client):
        if path in PUBLIC:
            continue
        for answer in calls(client, method, fill(path, world.ids)):
            if method == "GET":
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/login?next="), path
            else:
                assert answer.status_code in (401, 422), (method, path, answer.status_code)
            assert not any(m in answer.text for m in MARKERS), path


@pytest.mark.parametrize("actor", ["learner-b", "mentor-s"])
def test_another_user_never_sees_or_changes_learner_as_data(world: World, actor: str) -> None:
    client = world.client
    client.cookies.clear()
    before = snapshot(client)
    sign_in(client, actor)
    walked = 0
    for method, path in routes(client):
        if path in PUBLIC:  # the sign-in pages echo what is typed (a username), by design
            continue
        url = fill(path, world.ids)
        owned = any(f"{{{name}}}" in path for name in OWNED) or path.startswith("/cohorts/")
        for answer in calls(client, method, url):
            walked += 1
            refused = answer.status_code == 503 and path.endswith("/submissions")  # no sandbox
            assert answer.status_code < 500 or refused, (method, url, answer.text[:300])
            leaked = [m for m in MARKERS if m in answer.text]
            assert not leaked, (method, url, leaked)
            if owned:
                assert answer.status_code in (403, 404, 405, 422), (method, url,
                                                                    answer.status_code)
            if answer.status_code == 303:
                assert not answer.headers["location"].startswith("/login"), (url, "signed out")
    assert walked > 60
    assert snapshot(client) == before


def test_the_walk_would_see_a_leak(world: World) -> None:
    """Positive controls: the learner and their own mentor do see what the walk looks for."""
    client = world.client
    client.cookies.clear()
    sign_in(client, "learner-a")
    assert "SECRET-A-REPORT" in client.get("/reports/1").text
    interview = client.get(f"/interviews/{world.ids['interview_id']}/export.md")
    assert interview.status_code == 200
    client.cookies.clear()
    sign_in(client, "mentor-n")
    table = client.get("/cohorts/north")
    assert table.status_code == 200 and "Alpha Learner" in table.text
    report = client.get("/cohorts/north/learners/learner-a/reports/1")
    assert report.status_code == 200 and "SECRET-A-REPORT" in report.text
    review = client.get(f"/cohorts/north/reviews/{world.ids['submission_id']}")
    assert review.status_code == 200 and "SECRET-A-CODE" in review.text
    run = client.get(f"/cohorts/north/reviews/projects/{world.ids['project_submission_id']}")
    assert run.status_code == 200 and "SECRET-A-CODE" in run.text
    assert client.get("/cohorts/south").status_code == 404
    assert client.get("/cohorts/south/learners/learner-b").status_code == 404
    assert client.get("/cohorts/north/learners/learner-b").status_code == 404
    client.cookies.clear()
    sign_in(client, "learner-a")
    assert client.get("/cohorts/north").status_code == 403  # a learner sees no cohort pages


def test_a_mentor_reads_without_drafting(world: World) -> None:
    """Looking at a learner's reports as a mentor writes nothing (no drafts appear)."""
    client = world.client
    client.cookies.clear()
    with transaction(database_of(client).sessions) as session:
        count = session.scalar(select(func.count()).select_from(WeeklyReport))
    sign_in(client, "mentor-n", PASSWORD)
    assert client.get("/cohorts/north/learners/learner-a").status_code == 200
    assert client.get("/cohorts/north").status_code == 200
    assert client.get("/cohorts/north/learners/learner-a/reports/2").status_code == 404
    with transaction(database_of(client).sessions) as session:
        assert session.scalar(select(func.count()).select_from(WeeklyReport)) == count
