"""The grader's sentences in the interface language (issue #16): the grader gives codes with
values, the database keeps them in no language, and the pages word them in the page's language;
results stored before the codes (Russian sentences) are still shown as they are."""

from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select

from account_fixtures import cheap_hashing, database_of, server_client
from conftest import NOW
from gocoach.practice import service as grading_service
from gocoach.practice.grading import (
    GradeResult,
    GradingSettings,
    SandboxStatus,
    grade_submission,
    load_exercise,
    result_to_json,
    sandbox_available,
)
from gocoach.practice.grading.gosource import static_flags
from gocoach.practice.grading.reasons import ENGLISH, Reason, from_json
from gocoach.practice.grading.runner import expected_tests, limits_note, shape_run
from gocoach.practice.grading.sandbox import ProcessOutcome
from gocoach.store.engine import transaction
from gocoach.store.tables import Submission, User
from gocoach.web.grader_wording import GRADER_KEYS, PREFIX, grader_text
from gocoach.web.i18n import LANGUAGES, catalog_paths
from test_teams_comments import Team, build_team, sign_in
from test_web_exercises import CONTENT, HX, RU, make_client, service

EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parents[1]
PRACTICE = ROOT / "src" / "gocoach" / "practice"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
WORKER_POOL = load_exercise(CONTENT / "exercises" / "worker-pool")
OS_EXIT = 'package pool\n\nimport "os"\n\nfunc stop() { os.Exit(0) }\n'


# --- every code has its texts -------------------------------------------------------------------


def codes_in_the_grader() -> set[str]:
    """The reason codes the practice code can give, read from its source: the first argument of
    every Reason(…) call (each branch of a conditional one), and the code-shaped strings that
    some calls take from a helper's first argument or from a table's values."""
    groups = {code.split(".")[0] for code in ENGLISH}
    shaped = re.compile(rf"^(?:{'|'.join(sorted(groups))})\.[a-z_]+$")
    found: set[str] = set()
    for path in PRACTICE.rglob("*.py"):
        if path.name == "reasons.py":  # the table itself
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                named = isinstance(node.func, ast.Name) and node.func.id == "Reason"
                found |= {text for text in _branches(node.args[0])
                          if named or shaped.match(text)}
            if isinstance(node, ast.Dict):
                found |= {text for value in node.values if value is not None
                          for text in _branches(value) if shaped.match(text)}
    return found


def _branches(node: ast.expr) -> list[str]:
    """The strings an expression may be: a literal, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _branches(node.body) + _branches(node.orelse)
    return []


def po(lang: str) -> Catalog:
    with catalog_paths(lang)[0].open("rb") as source:
        return read_po(source, locale=lang)


def test_every_code_the_grader_gives_has_a_text_in_both_catalogs() -> None:
    codes = codes_in_the_grader()
    assert len(codes) > 50
    assert codes - set(ENGLISH) == set(), "a code without its English sentence"
    assert set(ENGLISH) - codes == set(), "a code nothing gives any more"
    assert set(GRADER_KEYS) == {PREFIX + code for code in codes}  # marked for extraction
    for lang in LANGUAGES:
        messages = po(lang)
        for code in codes:
            message = messages.get(PREFIX + code)
            assert message is not None and message.string, (lang, code)
            assert set(PLACEHOLDER.findall(str(message.string))) == \
                set(PLACEHOLDER.findall(ENGLISH[code])), (lang, code)
    english, russian = po("en"), po("ru")
    # the CLI's English (str of a reason) is the English page's
    assert {code: english[PREFIX + code].string for code in codes} == dict(ENGLISH)
    same = {code for code in codes if russian[PREFIX + code].string == ENGLISH[code]}
    assert same == {"limits.note", "limits.seccomp"}  # a list of values; a program's name


def test_a_reason_is_its_english_and_stored_in_no_language() -> None:
    reason = Reason("run.not_started", cause=Reason("test.panic", panic="boom"))
    assert str(reason) == "The tests did not start: Panic: boom"
    stored = json.loads(json.dumps(reason.to_json()))
    assert stored == {"code": "run.not_started",
                      "params": {"cause": {"code": "test.panic", "params": {"panic": "boom"}}}}
    assert grader_text(stored, "ru") == "Тесты не запустились: Паника: boom"
    assert grader_text(reason, "en") == str(reason)
    assert grader_text({"code": "test.timeout", "params": {"seconds": 2.5}}, "ru").startswith(
        "Тест не уложился в 2,5 с")
    with pytest.raises(ValueError, match="unknown grader reason"):
        Reason("test.no_such_code")
    again = from_json(stored)  # what a face reading the database gets back
    assert isinstance(again, Reason) and again == reason
    assert isinstance(again.params["cause"], Reason) and again.params["cause"].code == "test.panic"
    assert from_json("Тест не прошёл.") == "Тест не прошёл."  # stored before the codes
    assert from_json({"code": "test.future_code", "params": {}}) == "test.future_code"
    assert from_json(None) is None and from_json(["odd"]) is None


def test_odd_stored_reasons_never_break_a_page() -> None:
    assert grader_text(None, "en") == ""
    assert grader_text("Тест не прошёл.", "en") == "Тест не прошёл."  # before the codes
    assert grader_text({"code": "test.future_code", "params": {}}, "ru") == "test.future_code"
    assert grader_text({"code": "test.timeout", "params": {}}, "en").startswith(
        "The test did not finish within {seconds} s")  # a value missing: the text, unfilled
    assert grader_text({"code": "test.timeout", "params": "odd"}, "ru").startswith("Тест не")


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, grading_workers=1) as test_client:
        yield test_client


def event(action: str, test: str | None = None, output: str | None = None) -> bytes:
    raw: dict[str, object] = {"Action": action, "Package": "pool"}
    raw |= {"Test": test} if test else {}
    raw |= {"Output": output} if output else {}
    return (json.dumps(raw) + "\n").encode()


def run_outcome(*, timed_out: bool = False, oom_killed: bool = False) -> GradeResult:
    """What the grader makes of a test process that hit a limit: the first test timed out (or
    panicked), the others never ran; with the flags, the limits and an ignored file, as
    grade_submission adds them."""
    first = expected_tests(WORKER_POOL)[0].name
    said = "panic: test timed out after 10s\n" if timed_out else "panic: boom\n"
    stream = event("run", first) + event("output", first, said) + event("fail", first)
    settings = GradingSettings(go_root=Path("/nonexistent"), cache_dir=Path("/nonexistent"))
    ran = ProcessOutcome(2, stream, timed_out=timed_out, output_truncated=False,
                         duration_seconds=10.0)
    shaped = shape_run(WORKER_POOL, settings, ran, oom_killed=oom_killed)
    assert shaped.status == "fail" and len(shaped.tests) > 2
    return replace(shaped, flags=tuple(static_flags({"stop.go": OS_EXIT})),
                   limits=limits_note(WORKER_POOL, settings),
                   reasons=(*shaped.reasons, Reason("submission.ignored", names="go.mod")))


def refused(tmp_path: Path) -> GradeResult:
    """A submission the grader refuses before compiling (no Go needed)."""
    settings = GradingSettings(go_root=Path("/nonexistent"), cache_dir=tmp_path)
    result = grade_submission(exercise=WORKER_POOL, files={"pool.go": 'package pool\n\nimport "C"'},
                              settings=settings, work_root=tmp_path)
    assert result.stage == "rejected"
    return result


def graded(client: TestClient, monkeypatch: pytest.MonkeyPatch, result: GradeResult) -> None:
    monkeypatch.setattr(service(client), "grade", lambda exercise, files, *, slot=0: result)


def run(client: TestClient, headers: dict[str, str]) -> str:
    """Submit the starter on the exercise page; the result fragment once graded."""
    answer = client.post("/exercises/worker-pool/submissions", headers={**HX, **headers},
                         data={"file:pool.go": "package pool"})
    assert answer.status_code == 200, answer.text
    text = answer.text
    while (job := re.search(r'hx-get="(/exercises/[^"]+/jobs/[^"]+)"', text)) is not None:
        time.sleep(0.05)
        text = client.get(job.group(1), headers={**HX, **headers}).text
    return text


def visible(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def stored_id(fragment: str) -> int:
    found = re.search(r"· #(\d+)", fragment)
    assert found, fragment
    return int(found.group(1))


def shown(client: TestClient, submission: int, headers: dict[str, str]) -> str:
    answer = client.get(f"/exercises/worker-pool/submissions/{submission}",
                        headers={**HX, **headers})
    assert answer.status_code == 200
    return visible(answer.text)


@pytest.mark.parametrize(
    ("hit", "english", "russian"),
    [
        ({"timed_out": True},
         ["The test did not finish within 10 s", "Checking stopped: the tests did not finish",
          "Tests failed: ", "stop.go: calls os.Exit", "Not checked (only the solution",
          "MB of memory"],
         ["Тест не уложился в 10 с", "Проверка прервана: тесты не уложились в 10 с",
          "Не прошло тестов: ", "stop.go: вызывает os.Exit", "Не проверялись",
          "процессов"]),
        ({"oom_killed": True},
         ["Memory limit exceeded (2048 MB for the whole sandbox): the process was killed."],
         ["Превышен лимит памяти (2048 МБ на всю песочницу): процесс убит."]),
    ],
)
def test_a_failing_verdict_at_a_limit_is_in_the_pages_language(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, hit: dict[str, bool],
    english: list[str], russian: list[str],
) -> None:
    graded(client, monkeypatch, run_outcome(**hit))
    live = run(client, EN)
    text = visible(live)
    assert CYRILLIC.search(text) is None, CYRILLIC.findall(text)
    for sentence in english:
        assert sentence in text
    # the same stored submission, shown again in each language
    submission = stored_id(live)
    again, in_russian = shown(client, submission, EN), shown(client, submission, RU)
    assert CYRILLIC.search(again) is None and all(s in again for s in english)
    for sentence in russian:
        assert sentence in in_russian
    assert "Checking stopped" not in in_russian and "The test did not" not in in_russian


def test_a_refused_submission_is_in_the_pages_language(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    graded(client, monkeypatch, refused(tmp_path))
    fragment = run(client, EN)
    live = visible(fragment)
    assert CYRILLIC.search(live) is None, live
    assert "submission refused" in live and '“pool.go” imports "C": cgo is not allowed' in live
    in_russian = shown(client, stored_id(fragment), RU)
    assert "решение не принято" in in_russian
    assert "«pool.go» импортирует \"C\" — cgo в упражнениях запрещён" in in_russian


def test_the_database_keeps_codes_not_sentences(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded(client, monkeypatch, run_outcome(timed_out=True))
    run(client, RU)
    with transaction(database_of(client).sessions) as session:
        row = session.scalars(select(Submission)).one()
        document = json.dumps(row.result, ensure_ascii=False)
    assert CYRILLIC.search(document) is None, document
    total = len(expected_tests(WORKER_POOL))
    assert row.result["reasons"][0] == {"code": "run.failed_count",
                                        "params": {"failed": total, "total": total}}
    assert row.result["tests"][0]["reason"] == {"code": "test.timeout",
                                                "params": {"seconds": 10.0}}
    assert row.result["flags"][0]["code"] == "flag.exit_call"


def test_a_result_stored_in_russian_before_the_codes_still_shows(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded(client, monkeypatch, GradeResult("fail", None))
    submission = stored_id(run(client, EN))
    legacy = {
        "version": 3, "status": "fail", "stage": "run", "duration_seconds": 1.5,
        "message": "Не прошло тестов: 1 из 1.",
        "tests": [{"name": "TestPool", "status": "fail", "output": None, "test_code": "",
                   "hidden": False, "message": "Тест не уложился в 10 с: бесконечный цикл?"}],
        "benchmarks": [{"name": "BenchmarkPool", "status": "fail", "allocs_per_op": 3,
                        "max_allocs_per_op": 1,
                        "message": "3 аллокаций на операцию, а допустимо не больше 1."}],
        "flags": ["pool.go: вызывает os.Exit (завершение процесса в обход тестов)"],
        "limits": "песочница bubblewrap, seccomp, cgroup v2: память 512 МБ",
    }
    with transaction(database_of(client).sessions) as session:
        row = session.get(Submission, submission)
        assert row is not None
        row.result = legacy
    for headers in (EN, RU):
        page = shown(client, submission, headers)
        for sentence in ("Не прошло тестов: 1 из 1.", "Тест не уложился в 10 с",
                         "3 аллокаций на операцию", "pool.go: вызывает os.Exit",
                         "cgroup v2: память 512 МБ"):
            assert sentence in page, (headers, sentence)
    full = client.get("/exercises/worker-pool", headers=EN)
    assert full.status_code == 200 and f"/submissions/{submission}" in full.text


def test_a_refusal_for_want_of_a_sandbox_is_in_the_pages_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    with make_client(tmp_path) as client:  # local mode: graded without a sandbox, warned
        english = visible(client.get("/exercises", headers=EN).text)
        assert "WARNING: bubblewrap was not found" in english and "ВНИМАНИЕ" not in english
        assert "ВНИМАНИЕ: bubblewrap не найден" in client.get("/exercises", headers=RU).text
    cheap_hashing(monkeypatch)
    with server_client(tmp_path / "server", clock=lambda: NOW) as client:
        team = build_team(client)
        sign_in(team.client, "lena")
        answer = team.client.post("/exercises/lru-cache/submissions", headers={**HX, **EN},
                                  data={"file:lru.go": "package lru"})
        assert answer.status_code == 503
        assert CYRILLIC.search(visible(answer.text)) is None, answer.text
        assert "Grading is disabled: no sandbox is available (bwrap is not installed)" in \
            visible(answer.text)
        russian = team.client.post("/exercises/lru-cache/submissions", headers={**HX, **RU},
                                   data={"file:lru.go": "package lru"})
        assert "Проверка решений отключена: песочница недоступна" in russian.text


def test_the_mentors_review_page_words_the_grader_in_its_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "no sandbox in this test"))
    with server_client(tmp_path, clock=lambda: NOW) as client:
        team: Team = build_team(client)
        document = result_to_json(run_outcome(timed_out=True))
        with transaction(team.database.sessions) as session:
            lena = session.scalars(select(User).where(User.username == "lena")).one()
            row = Submission(user_id=lena.id, exercise="worker-pool", status="fail",
                             files={"pool.go": "package pool"}, result=document,
                             created_at=NOW)  # fmt: skip
            session.add(row)
            session.flush()
            submission = row.id
        sign_in(team.client, "mira")
        page = team.client.get(f"/cohorts/north/reviews/{submission}", headers=EN)
        assert page.status_code == 200
        verdict = visible(page.text.split('class="ex-result')[1].split('class="review-files')[0])
        assert CYRILLIC.search(verdict) is None, verdict
        assert "Checking stopped: the tests did not finish within 10 s" in verdict
        in_russian = team.client.get(f"/cohorts/north/reviews/{submission}", headers=RU).text
        assert "Проверка прервана: тесты не уложились в 10 с" in in_russian
        assert "stop.go: вызывает os.Exit" in in_russian


# --- a real grading -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_a_real_failing_run_reads_in_english_on_the_english_page(client: TestClient) -> None:
    starter = (CONTENT / "exercises/worker-pool/starter/pool.go").read_text()
    answer = client.post("/exercises/worker-pool/submissions", headers={**HX, **EN},
                         data={"file:pool.go": starter})
    text = answer.text
    deadline = time.monotonic() + 330
    while (job := re.search(r'hx-get="(/exercises/[^"]+/jobs/[^"]+)"', text)) is not None:
        assert time.monotonic() < deadline, "grading did not finish"
        time.sleep(0.2)
        text = client.get(job.group(1), headers={**HX, **EN}).text
    result = visible(text)
    assert "Tests failed:" in result and "MB of memory" in result, result[:2000]
    assert CYRILLIC.search(result) is None, CYRILLIC.findall(result)
    in_russian = shown(client, stored_id(text), RU)
    assert "Не прошло тестов:" in in_russian and "память" in in_russian
