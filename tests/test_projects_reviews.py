"""Project runs in the mentors' review queue (issue #18, team mode): next to exercise
submissions, with the tester's stage verdicts and flags; the mentor comments, the learner sees
the comment on the project's page; nobody else reaches a run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from account_fixtures import SAME_ORIGIN, cheap_hashing, server_client
from conftest import NOW
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus
from gocoach.projects.said import Lines, Said, key_of
from gocoach.projects.submissions import review_flags, stage_verdicts
from gocoach.store.engine import transaction
from gocoach.store.tables import Cohort, ProjectReview, ProjectSubmission, User
from gocoach.teams.reviews import (
    add_project_review,
    cohort_project_submission,
    project_reviews,
    review_queue,
)
from test_teams_comments import EN, Team, build_team, sign_in

RACE = ("гонка данных: детектор -race нашёл одновременный доступ к памяти без синхронизации\n"
        "WARNING: DATA RACE")


def report(status: str, stages: list[tuple[int, str, Any]], **extra: Any) -> dict[str, Any]:
    return {"project": "todo", "status": status, "message": "стадий пройдено", "seconds": 2.5,
            "stages": [{"number": n, "title": f"Стадия {n}", "status": s, "message": m,
                        "transcript": [f"✔ проверка {n}"] if s == "pass" else [],
                        "output": "", "seconds": 0.5} for n, s, m in stages],
            "build_output": "", "ignored": [], "limits": "", **extra}


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Team, dict[str, int]]]:
    cheap_hashing(monkeypatch)
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "no sandbox in this test"))
    with server_client(tmp_path, clock=lambda: NOW) as client:
        team = build_team(client)
        with transaction(team.database.sessions) as session:
            users = {u.username: u for u in session.scalars(select(User))}
            runs = {
                "lena-race": ProjectSubmission(
                    user_id=users["lena"].id, project="todo", status="fail", stages_passed=[1, 2],
                    report=report("fail", [(1, "pass", ""), (2, "pass", ""), (3, "fail", RACE),
                                           (4, "skipped", "не запускалась: стадия 3 не пройдена")],
                                  ignored=["todo (a compiled program)"]),
                    files={"main.go": "package main\n// <b>PROJECT-CODE</b>"}, duration_ms=2500,
                    source="web", created_at=NOW + timedelta(days=30)),
                "boris-run": ProjectSubmission(
                    user_id=users["boris"].id, project="todo", status="pass",
                    stages_passed=[1], report=report("pass", [(1, "pass", "")]),
                    files={"main.go": "package main // BORIS-CODE"}, duration_ms=900,
                    source="cli", created_at=NOW + timedelta(days=31)),
            }
            session.add_all(runs.values())
            session.flush()
            ids = {name: row.id for name, row in runs.items()}
        yield team, ids


def rows(page: str) -> list[str]:
    return re.findall(r'<tr id="((?:project-)?submission-\d+)"', page)


def test_a_project_run_joins_the_queue_with_its_stage_verdicts_and_flags(
        team: tuple[Team, dict[str, int]]) -> None:
    crew, runs = team
    client = crew.client
    sign_in(client, "mira")
    page = client.get("/cohorts/north/reviews", headers=EN).text
    # the newest first: lena's project run (a month later) before her exercise submissions
    assert rows(page) == [f"project-submission-{runs['lena-race']}",
                          f"submission-{crew.submissions['lena-new']}",
                          f"submission-{crew.submissions['lena-pool']}",
                          f"submission-{crew.submissions['lena-old']}"]
    row = re.search(rf'<tr id="project-submission-{runs["lena-race"]}".*?</tr>', page, re.S)
    assert row is not None
    text = row.group(0)
    assert f'href="/cohorts/north/reviews/projects/{runs["lena-race"]}"' in text
    assert ">Project<" in text and "<code>todo</code>" in text
    assert ">1✔<" in text and ">2✔<" in text and ">3✘<" in text and ">4–<" in text
    # the English page words the flags in English (they are stored as keys)
    assert "⚑ 2" in text and "data race" in text and "not sent: todo" in text
    assert not re.search("[а-яА-Я]", text.split('class="flags"')[1].split("</td>")[0])
    assert "BORIS" not in page and f"project-submission-{runs['boris-run']}" not in page


def test_a_mentor_reviews_a_run_and_the_learner_sees_it_on_the_project_page(
        team: tuple[Team, dict[str, int]]) -> None:
    crew, runs = team
    client, run = crew.client, runs["lena-race"]
    sign_in(client, "mira")
    page = client.get(f"/cohorts/north/reviews/projects/{run}", headers=EN)
    assert page.status_code == 200
    assert "&lt;b&gt;PROJECT-CODE&lt;/b&gt;" in page.text and "<b>PROJECT-CODE" not in page.text
    assert "The project tester&#39;s result" in page.text
    assert "Stage 3. Стадия 3" in page.text and "WARNING: DATA RACE" in page.text
    assert 'class="mark-done"' not in page.text  # a mentor marks nothing for the learner
    posted = client.post(f"/cohorts/north/reviews/projects/{run}/comments", headers=SAME_ORIGIN,
                         data={"body": "Guard the map with a <mutex>."}, follow_redirects=False)
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(f"/cohorts/north/reviews/projects/{run}#")
    queue = client.get("/cohorts/north/reviews", headers=EN).text
    assert rows(queue)[-1] == f"project-submission-{run}"  # reviewed: after the waiting ones
    sign_in(client, "lena")
    project = client.get("/projects/todo", headers=EN)
    assert project.status_code == 200
    reviews = project.text.split('id="reviews"')[1]
    assert "Mentor reviews" in project.text and f"#{run}" in reviews
    assert "Guard the map with a &lt;mutex&gt;." in reviews and ">new<" in reviews
    again = client.get("/projects/todo", headers=EN).text.split('id="reviews"')[1]
    assert ">new<" not in again
    assert 'id="reviews"' not in client.get("/projects/calculator", headers=EN).text


def test_nobody_else_reaches_a_project_run(team: tuple[Team, dict[str, int]]) -> None:
    crew, runs = team
    client, run = crew.client, runs["lena-race"]
    for actor, status in (("olga", 404), ("boris", 403), ("lena", 403)):
        sign_in(client, actor)
        page = client.get(f"/cohorts/north/reviews/projects/{run}")
        assert page.status_code == status, actor
        assert "PROJECT-CODE" not in page.text
        answer = client.post(f"/cohorts/north/reviews/projects/{run}/comments",
                             data={"body": "hijack"}, headers=SAME_ORIGIN)
        assert answer.status_code == status, actor
    sign_in(client, "mira")
    for wrong in (runs["boris-run"], crew.submissions["lena-new"] + 1000, 0, -1, 2**63):
        assert client.get(f"/cohorts/north/reviews/projects/{wrong}").status_code in (404, 422)
        assert client.post(f"/cohorts/north/reviews/projects/{wrong}/comments",
                           data={"body": "x"}, headers=SAME_ORIGIN).status_code in (404, 422)
    empty = client.post(f"/cohorts/north/reviews/projects/{run}/comments", data={"body": " "},
                        headers={**SAME_ORIGIN, **EN})
    assert empty.status_code == 400 and "PROJECT-CODE" in empty.text  # the page, with why
    with transaction(crew.database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(ProjectReview)) == 0


def test_the_domain_functions(team: tuple[Team, dict[str, int]]) -> None:
    crew, runs = team
    with transaction(crew.database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        north = session.scalars(select(Cohort).where(Cohort.slug == "north")).one()
        first = review_queue(session, north, limit=1)
        assert [(e.kind, e.submission_id) for e in first] == [("project", runs["lena-race"])]
        assert first[0].stages == ((1, "pass"), (2, "pass"), (3, "fail"), (4, "skipped"))
        run = cohort_project_submission(session, north, runs["lena-race"])
        add_project_review(session, run=run, author=users["lena"], body="my note", now=NOW)
        assert not review_queue(session, north)[0].reviewed  # the learner's note is no review
        add_project_review(session, run=run, author=users["root"], body="admin", now=NOW)
        assert review_queue(session, north)[-1].reviews == 1
        assert [c.body for c in project_reviews(session, users["lena"], "todo")[run.id]] == [
            "my note", "admin"]
        with pytest.raises(LookupError):
            add_project_review(session, run=run, author=users["olga"], body="x", now=NOW)
        with pytest.raises(LookupError):
            cohort_project_submission(session, north, runs["boris-run"])


def test_flags_and_verdicts_of_odd_reports() -> None:
    assert review_flags({}) == () and stage_verdicts({}) == ()
    assert review_flags({"stages": "nope", "ignored": None}) == ()
    skipped = report("pass", [(1, "pass", ""), (5, "skipped", "пропущена: nats-server не "
                                                             "установлен")])
    assert review_flags(skipped) == ("стадия 5: пропущена: nats-server не установлен",)
    many = report("error", [(1, "error", "ошибка проверяющего")],
                  ignored=[f"bin{i} (a compiled program)" for i in range(7)])
    assert review_flags(many) == (
        "стадия 1: ошибка проверяющего",
        "не отправлены: bin0 (a compiled program), bin1 (a compiled program), bin2 (a compiled "
        "program), bin3 (a compiled program), bin4 (a compiled program) и ещё 2")
    assert [key_of(flag) for flag in review_flags(many)] == ["pj.check.flag.error",
                                                             "pj.check.flag.not_sent"]
    # a run stored with the testers' keys gives the same flags, as keys with values
    keyed = report("fail", [
        (3, "fail", Lines(Said("pj.check.stage.race"), "WARNING: DATA RACE").to_json()),
        (5, "skipped", Said("pj.check.stage.skipped",
                            reason=Said("pj.check.nats.missing")).to_json())])
    flags = review_flags(keyed)
    assert [key_of(flag) for flag in flags] == ["pj.check.flag.race", "pj.check.flag.skipped"]
    assert flags[0] == "стадия 3: гонка данных (детектор -race)"
    assert flags[1].startswith("стадия 5: пропущена: nats-server не установлен")
