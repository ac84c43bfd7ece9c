"""The review queue: a mentor sees the cohort learners' submissions (unreviewed first, newest
first, with the grader's flags), opens one read-only, leaves a review comment, and the learner
sees it on the exercise's page; nobody else reaches a submission."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from account_fixtures import SAME_ORIGIN, cheap_hashing, server_client
from conftest import NOW
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus
from gocoach.store.engine import transaction
from gocoach.store.tables import Cohort, Submission, SubmissionReview, User
from gocoach.teams.reviews import add_review, cohort_submission, review_queue
from test_teams_comments import EN, Team, build_team, sign_in


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    cheap_hashing(monkeypatch)
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "no sandbox in this test"))
    with server_client(tmp_path, clock=lambda: NOW) as client:
        yield build_team(client)


def queue_order(team: Team) -> list[int]:
    page = team.client.get("/cohorts/north/reviews", headers=EN)
    assert page.status_code == 200
    return [int(n) for n in re.findall(r'<tr id="submission-(\d+)"', page.text)]


def test_the_queue_puts_unreviewed_first_then_newest(team: Team) -> None:
    ids = team.submissions
    sign_in(team.client, "mira")
    assert queue_order(team) == [ids["lena-new"], ids["lena-pool"], ids["lena-old"]]
    page = team.client.get("/cohorts/north/reviews", headers=EN).text
    row = re.search(rf'<tr id="submission-{ids["lena-new"]}".*?</tr>', page, re.S)
    assert row and "⚑ 1" in row.group(0) and "os.Exit" in row.group(0)
    assert "waiting" in row.group(0)
    assert str(ids["boris"]) not in re.findall(r'submission-(\d+)', page)  # another cohort
    posted = team.client.post(f"/cohorts/north/reviews/{ids['lena-new']}/comments",
                              data={"body": "Why os.Exit? Return an error instead."},
                              headers=SAME_ORIGIN, follow_redirects=False)
    assert posted.status_code == 303
    assert queue_order(team) == [ids["lena-pool"], ids["lena-old"], ids["lena-new"]]


def test_a_mentor_reviews_and_the_learner_sees_it(team: Team) -> None:
    client, sid = team.client, team.submissions["lena-new"]
    sign_in(client, "mira")
    page = client.get(f"/cohorts/north/reviews/{sid}", headers=EN)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # the files, escaped
    assert "<script>alert(1)" not in page.text
    assert "The code check flagged" in page.text and "os.Exit" in page.text
    assert "LRU" in page.text or "lru-cache" in page.text
    client.post(f"/cohorts/north/reviews/{sid}/comments", headers=SAME_ORIGIN,
                data={"body": "Why os.Exit? Return an error <instead>."})
    sign_in(client, "lena")
    exercise = client.get("/exercises/lru-cache", headers=EN)
    assert exercise.status_code == 200
    reviews = exercise.text.split('id="reviews"')[1]
    assert "Mentor reviews" in exercise.text and f"#{sid}" in reviews
    assert "Return an error &lt;instead&gt;." in reviews and ">new<" in reviews
    again = client.get("/exercises/lru-cache", headers=EN).text.split('id="reviews"')[1]
    assert ">new<" not in again
    assert 'id="reviews"' not in client.get("/exercises/worker-pool", headers=EN).text


def test_nobody_else_reaches_a_submission(team: Team) -> None:
    client, ids = team.client, team.submissions
    body = {"body": "hijack"}
    for actor, status in (("olga", 404), ("boris", 403), ("lena", 403)):
        sign_in(client, actor)
        for path in (f"/cohorts/north/reviews/{ids['lena-new']}", "/cohorts/north/reviews"):
            page = client.get(path)
            assert page.status_code == status, (actor, path)
            assert "package lru" not in page.text
        answer = client.post(f"/cohorts/north/reviews/{ids['lena-new']}/comments", data=body,
                             headers=SAME_ORIGIN)
        assert answer.status_code == status, actor
    sign_in(client, "mira")
    for wrong in (ids["boris"], 0, -1, 2**63, 10**30):  # another cohort's, or no such id
        assert client.get(f"/cohorts/north/reviews/{wrong}").status_code in (404, 422), wrong
        assert client.post(f"/cohorts/north/reviews/{wrong}/comments", data=body,
                           headers=SAME_ORIGIN).status_code in (404, 422), wrong
    assert client.post(f"/cohorts/north/reviews/{ids['lena-new']}/comments",
                       data={"body": " "}, headers={**SAME_ORIGIN, **EN}).status_code == 400
    with transaction(team.database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(SubmissionReview)) == 0


def test_the_domain_functions(team: Team) -> None:
    with transaction(team.database.sessions) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        north = session.scalars(select(Cohort).where(Cohort.slug == "north")).one()
        queue = review_queue(session, north, limit=2)
        assert [e.submission_id for e in queue] == [team.submissions["lena-new"],
                                                    team.submissions["lena-pool"]]
        assert queue[0].flags and queue[1].stage == "build" and not queue[0].reviewed
        row = cohort_submission(session, north, team.submissions["lena-new"])
        add_review(session, submission=row, author=users["lena"], body="my own note", now=NOW)
        assert not review_queue(session, north)[0].reviewed  # the learner's note is no review
        add_review(session, submission=row, author=users["root"], body="admin", now=NOW)
        assert review_queue(session, north)[-1].reviews == 1
        with pytest.raises(LookupError):
            add_review(session, submission=row, author=users["olga"], body="x", now=NOW)
        with pytest.raises(LookupError):
            cohort_submission(session, north, team.submissions["boris"])


def test_a_stored_reason_flag_is_worded_in_the_mentors_language(team: Team) -> None:
    """Flags stored as codes (the grader's `Reason`) read as sentences, never as dict text."""
    with transaction(team.database.sessions) as session:
        row = session.get(Submission, team.submissions["lena-pool"])
        assert row is not None
        row.result = {**row.result, "flags": [
            {"code": "flag.catches_signals", "params": {"file": "pool.go"}}]}
    sign_in(team.client, "mira")
    for headers, words in ((EN, "pool.go: catches signals"),
                           ({"Accept-Language": "ru"}, "pool.go:")):
        page = team.client.get("/cohorts/north/reviews", headers=headers).text
        row_html = re.search(rf'<tr id="submission-{team.submissions["lena-pool"]}".*?</tr>',
                             page, re.S)
        assert row_html is not None
        flags = re.search(r'<td class="flags">(.*?)</td>', row_html.group(0), re.S)
        assert flags is not None and words in flags.group(1)
        assert "code" not in flags.group(1) and "{" not in flags.group(1)
