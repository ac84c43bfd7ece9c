"""The exercise page as Exercism/LeetCode users expect it (issue #16): a compile error reads as
one, with the compiler's places to jump to; a reset to the starter; the reference solution
after a pass, and only then; never the hidden tests' source."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from account_fixtures import SAME_ORIGIN, add_user, cheap_hashing, database_of, server_client
from account_fixtures import sign_in as sign_in_as
from gocoach.practice import service as grading_service
from gocoach.practice.exercises import HIDDEN_LINE
from gocoach.practice.grading import GradeResult, TestResult, sandbox_available
from gocoach.practice.service import GradingService
from gocoach.store.engine import transaction
from gocoach.store.tables import Submission
from test_web_exercises import CONTENT, HX, RU, make_client, service, solution, submit
from test_web_exercises import poll as poll_in_russian

EN = {"Accept-Language": "en"}
STARTER = (CONTENT / "exercises/worker-pool/starter/pool.go").read_text()
HIDDEN_SOURCE = (CONTENT / "exercises/worker-pool/hidden/pool_hidden_test.go").read_text()
SYNTAX = "Решение не компилируется:\npool.go:14:23: syntax error: unexpected comma, expected )"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, grading_workers=1) as test_client:
        yield test_client


def graded(client: TestClient, monkeypatch: pytest.MonkeyPatch, result: GradeResult) -> list[Any]:
    """Make the app's grader answer `result`; the files it was given are collected."""
    seen: list[Any] = []

    def grade(exercise: Any, files: Any, *, slot: int = 0) -> GradeResult:
        seen.append(dict(files))
        return result

    monkeypatch.setattr(service(client), "grade", grade)
    return seen


def run(client: TestClient, headers: dict[str, str], files: dict[str, str] | None = None) -> str:
    data = {f"file:{name}": text for name, text in (files or {"pool.go": STARTER}).items()}
    answer = client.post("/exercises/worker-pool/submissions", data=data,
                         headers={**HX, **headers})
    assert answer.status_code == 200, answer.text
    text = answer.text
    while (job := re.search(r'hx-get="(/exercises/[^"]+/jobs/[^"]+)"', text)) is not None:
        time.sleep(0.05)
        text = client.get(job.group(1), headers={**HX, **headers}).text
    return text


def visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_a_compile_error_reads_as_one_in_both_languages_with_places_to_jump_to(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded(client, monkeypatch, GradeResult("error", SYNTAX, stage="build"))
    result = run(client, RU)
    shown = visible_text(result)
    assert "не компилируется" in shown and "0/0" not in shown and "тестов пройдено" not in shown
    assert "pool.go:14:23: syntax error: unexpected comma, expected )" in shown
    link = re.search(r'<a href="#run-form" class="ex-loc" data-file="pool.go" data-line="14" '
                     r'data-col="23"', result)
    assert link, result
    assert 'data-live="1"' in result  # a run's own result marks the editor

    english = visible_text(run(client, EN))
    assert "does not compile" in english and "0/0" not in english
    assert "pool.go:14:23: syntax error" in english
    assert not re.search(r"[а-яА-Я]", english.split("pool.go:14:23")[0])  # no Russian heading
    page = visible_text(client.get("/exercises/worker-pool", headers=EN).text)
    history = page.split("Submission history")[1]
    assert history.count("does not compile") == 2 and "0/0" not in history


def test_a_go_vet_failure_says_so_and_shows_the_findings(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    vet = ("go vet нашёл ошибки (тесты не запускались):\n"
           "pool.go:23:19: fmt.Sprintf format %d has arg \"x\" of wrong type string")
    graded(client, monkeypatch, GradeResult("error", vet, stage="vet"))
    shown = visible_text(run(client, EN))
    assert "go vet found problems: the tests did not run" in shown and "0/0" not in shown
    assert 'pool.go:23:19: fmt.Sprintf format %d has arg "x" of wrong type string' in shown
    assert "нашёл" not in shown


def test_an_old_compile_error_stored_without_its_stage_is_not_0_of_0(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded(client, monkeypatch, GradeResult("error", SYNTAX, stage="build"))
    run(client, RU)
    with transaction(database_of(client).sessions) as session:
        row = session.query(Submission).one()
        row.result = {k: v for k, v in row.result.items() if k != "stage"}  # before stages
    page = visible_text(client.get("/exercises/worker-pool", headers=RU).text)
    assert "ошибка компиляции" in page and "0/0" not in page
    fragment = client.get(f"/exercises/worker-pool/submissions/{row.id}", headers={**HX, **RU})
    assert "не компилируется" in fragment.text and "0/0" not in visible_text(fragment.text)


def test_hidden_tests_source_is_never_shown(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as stored by an older grader: the hidden test's code and the compiler quoting it
    leaked = GradeResult("error", "Решение не компилируется:\n"
                         "pool_hidden_test.go:28:41: cannot use workers (untyped int constant "
                         "3) as string value in argument to Run\n"
                         "pool.go:12:40: declared and not used: secretless\n"
                         "pool_hidden_test.go:56:38: cannot use 2 (untyped int constant) as\n"
                         "\thave (int)\n\twant (string)", stage="build")
    graded(client, monkeypatch, leaked)
    result = run(client, EN)
    shown = visible_text(result)
    assert "untyped int constant" not in shown and "have (int)" not in shown
    assert "pool_hidden_test.go" not in shown
    assert "The hidden tests do not compile against your code (errors: 2)" in shown
    assert "pool.go:12:40: declared and not used: secretless" in shown

    hidden_code = "func TestFirstErrorCancelsTheRest(t *testing.T) { secret := 42 }"
    failing = GradeResult("fail", None, (
        TestResult("TestVisible", "fail", "pool_test.go:20: got 1, want 2", None,
                   "func TestVisible(t *testing.T) { visibleMarker() }"),
        TestResult("TestFirstErrorCancelsTheRest", "fail", "pool_hidden_test.go:50: boom",
                   None, hidden_code, hidden=True)))
    graded(client, monkeypatch, failing)
    shown = visible_text(run(client, EN))
    assert "TestFirstErrorCancelsTheRest" in shown and "pool_hidden_test.go:50: boom" in shown
    assert "secret := 42" not in shown and "visibleMarker" in shown
    newest = client.get("/exercises/worker-pool", headers=EN).text
    first = re.findall(r"/exercises/worker-pool/submissions/(\d+)", newest)[0]
    again = client.get(f"/exercises/worker-pool/submissions/{first}", headers={**HX, **EN})
    assert "secret" not in again.text and "TestFirstErrorCancelsTheRest" in again.text


def test_the_grader_keeps_no_hidden_source_in_what_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the CLI prints and the database keeps comes from GradingService.grade."""
    raw = GradeResult("error", "Решение не компилируется:\n"
                      "pool_hidden_test.go:28:41: cannot use workers (untyped int constant 3)\n"
                      "\twant (string)\npool.go:3:1: syntax error", (
                          TestResult("TestHidden", "fail", "m", None, "func TestHidden() {}",
                                     hidden=True),
                          TestResult("TestShown", "fail", "m", None, "func TestShown() {}")),
                      stage="build")
    monkeypatch.setattr(grading_service, "grade_submission", lambda **_: raw)
    with make_client(tmp_path) as client:
        grading: GradingService = service(client)
        exercise = next(e for e in grading.catalogue if e.slug == "worker-pool")
        result = grading.grade(exercise, {"pool.go": STARTER})
    assert result.message is not None
    assert "untyped int constant" not in result.message and "want (string)" not in result.message
    assert f"pool_hidden_test.go:28: {HIDDEN_LINE}" in result.message
    assert "pool.go:3:1: syntax error" in result.message
    assert [t.test_code for t in result.tests] == ["", "func TestShown() {}"]


def test_reset_button_carries_the_starter_while_the_editor_holds_the_last_run(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = graded(client, monkeypatch, GradeResult("fail", "stub", stage="run"))
    mine = STARTER.replace("// TODO", "// my draft")
    run(client, RU, {"pool.go": mine, "extra.go": "  \n"})  # a file the reset emptied
    assert seen == [{"pool.go": mine}]
    page = client.get("/exercises/worker-pool", headers=RU).text
    assert "// my draft" in page.split("<template")[0]  # the editor: the last submission
    starter = re.search(r'<template class="ex-starter" data-file="pool.go">(.*?)</template>',
                        page, re.S)
    assert starter and "// TODO" in starter.group(1) and "my draft" not in starter.group(1)
    button = re.search(r'<button type="button" class="ex-reset" data-confirm="([^"]+)">'
                       r"Вернуть заготовку</button>", page)
    assert button and "останутся в истории" in button.group(1)


def test_the_reference_solution_opens_after_a_pass_and_not_before(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "/exercises/worker-pool/solution"
    assert "once     sync.Once" in solution("worker-pool")["pool.go"]
    locked = client.get(url, headers=RU)
    assert locked.status_code == 403
    assert "откроется, когда ваше собственное решение пройдёт все тесты" in locked.text
    assert "sync.Once" not in locked.text
    assert client.get(url, headers={**HX, **EN}).text.startswith("The reference solution opens")
    graded(client, monkeypatch, GradeResult("fail", "stub", stage="run"))
    run(client, RU)
    assert client.get(url, headers=RU).status_code == 403  # a failed run opens nothing
    assert url not in client.get("/exercises/worker-pool", headers=RU).text

    graded(client, monkeypatch, GradeResult("pass", None, (
        TestResult("TestX", "pass", None, None, ""),), stage="run"))
    passed = run(client, EN)
    assert f'href="{url}"' in passed and "compare with the reference solution" in passed
    assert f'href="{url}"' in client.get("/exercises/worker-pool", headers=EN).text
    opened = client.get(url, headers=EN)
    assert opened.status_code == 200 and "Reference solution" in opened.text
    assert "once     sync.Once" in visible_text(opened.text)
    assert client.get("/exercises/no-such/solution", headers=EN).status_code == 404


def test_in_team_mode_the_solution_opens_for_the_learner_who_passed_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path) as client:
        database = database_of(client)
        add_user(database, "anna")
        add_user(database, "boris")
        graded(client, monkeypatch, GradeResult("pass", None, (
            TestResult("TestX", "pass", None, None, ""),), stage="run"))
        sign_in_as(client, "anna")
        run(client, EN)
        assert client.get("/exercises/worker-pool/solution", headers=EN).status_code == 200
        client.post("/logout", headers=SAME_ORIGIN)
        sign_in_as(client, "boris")
        refused = client.get("/exercises/worker-pool/solution", headers=EN)
        assert refused.status_code == 403 and "opens once your own submission" in refused.text
        assert "/solution" not in client.get("/exercises/worker-pool", headers=EN).text


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_a_real_compile_error_in_the_hidden_tests_shows_no_test_code(client: TestClient) -> None:
    changed = STARTER.replace("workers int,", "workers string,")  # the tests call Run(…, 3, …)
    result = poll_in_russian(client, submit(client, "worker-pool", {"pool.go": changed}))
    shown = visible_text(result)
    assert "ошибка компиляции" in shown and "0/0" not in shown
    assert "Скрытые тесты не компилируются с вашим кодом" in shown
    assert "pool_hidden_test.go" not in shown
    for line in HIDDEN_SOURCE.splitlines():
        if len(line.strip()) > 25:  # no line of the hidden file, however it is quoted
            assert line.strip() not in result
    assert "pool_test.go:" in shown  # the visible tests' lines may be shown
    page = client.get("/exercises/worker-pool", headers=RU).text
    first = re.findall(r"/exercises/worker-pool/submissions/(\d+)", page)[0]
    with transaction(database_of(client).sessions) as session:
        stored = session.get(Submission, int(first))
        assert stored is not None and "untyped int constant 3" not in str(stored.result)
