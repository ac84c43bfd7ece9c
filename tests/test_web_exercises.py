"""Practice pages in-process: list, editor page, queued runs with results, busy and refusals."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from account_fixtures import add_user, database_of, sign_in
from gocoach.practice import service as grading_service
from gocoach.practice.grading import (
    UNSANDBOXED_WARNING,
    GradeResult,
    SandboxStatus,
    sandbox_available,
)
from gocoach.practice.service import GradingService, WarmupState
from gocoach.store.settings import load_settings
from gocoach.web.app import create_app
from gocoach.web.grader_wording import grader_text

CONTENT = Path(__file__).resolve().parents[1] / "content"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
HX = {"HX-Request": "true"}
RU = {"Accept-Language": "ru"}


def make_client(tmp_path: Path, **overrides: Any) -> TestClient:
    chosen = {"grading_warmup": False, "grading_cache_dir": CACHE_DIR,
              "grading_uid_base": 64400 + 40 * WORKER, **overrides}
    settings = load_settings(data_dir=tmp_path / "web", **chosen)
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, grading_workers=1) as test_client:
        yield test_client


def service(client: TestClient) -> GradingService:
    grading: GradingService = client.app.state.grading  # type: ignore[attr-defined]
    return grading


def submit(client: TestClient, slug: str, files: dict[str, str]) -> Any:
    data = {f"file:{name}": text for name, text in files.items()}
    return client.post(f"/exercises/{slug}/submissions", data=data, headers={**HX, **RU})


def poll(client: TestClient, answer: Any, limit: float = 330) -> str:
    """Follow the result fragment until grading ends; the grader's own build limit (300 s) bounds
    a job, so the wait covers a cold `-race` build on a busy machine."""
    text = answer.text
    deadline = time.monotonic() + limit
    while (job := re.search(r'hx-get="(/exercises/[^"]+/jobs/[^"]+)"', text)) is not None:
        assert time.monotonic() < deadline, "grading did not finish"
        time.sleep(0.2)
        text = client.get(job.group(1), headers={**HX, **RU}).text
    return text


def solution(slug: str) -> dict[str, str]:
    folder = CONTENT / "exercises" / slug / "solution"
    return {p.name: p.read_text() for p in folder.glob("*.go")}


def test_exercise_list_groups_by_roadmap_item(client: TestClient) -> None:
    page = client.get("/exercises", headers=RU)
    assert page.status_code == 200
    assert len(re.findall(r'<tr id="ex-[a-z-]+">', page.text)) == 16
    assert "Реализация rate limiter (token bucket)</b> —" in page.text
    assert page.text.count("не решалось") >= 16
    assert 'href="/exercises">Практика</a>' in page.text


def test_exercise_page_has_statement_editor_and_shipped_assets(client: TestClient) -> None:
    page = client.get("/exercises/worker-pool", headers=RU)
    assert page.status_code == 200
    assert '<textarea class="go-editor" name="file:pool.go"' in page.text
    assert "Запустить тесты" in page.text and "Видимые тесты" in page.text
    assert '<pre class="highlight"><code class="language-go">' in page.text
    for asset in ("vendor/codemirror/codemirror.js", "vendor/codemirror/go.js",
                  "vendor/codemirror/codemirror.css", "exercise.js"):
        assert f"/static/{asset}" in page.text
        assert client.get(f"/static/{asset}").status_code == 200
    assert "MIT" in client.get("/static/vendor/codemirror/LICENSE").text
    assert "CodeMirror.defineMode(\"go\"" in client.get("/static/vendor/codemirror/go.js").text
    assert client.get("/exercises/no-such", headers=RU).status_code == 404


def test_roadmap_item_details_link_to_their_exercises(client: TestClient) -> None:
    page = client.get("/exercises/retry-backoff", headers=RU).text
    link = re.search(r'href="/roadmaps/(backend-16-weeks)#i-(\w+)">Retry mechanisms', page)
    assert link
    details = client.get(f"/roadmaps/{link.group(1)}/items/{link.group(2)}/details").text
    assert 'href="/exercises/retry-backoff"' in details


def test_a_full_queue_answers_503_and_shows_positions(client: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    grading = service(client)

    def slow_grade(exercise: Any, files: Any, *, slot: int) -> GradeResult:
        release.wait(30)
        return GradeResult("fail", "stub", duration_seconds=0.0)

    monkeypatch.setattr(grading, "grade", slow_grade)
    monkeypatch.setattr(grading.settings, "grading_queue", 1)
    grading.close()
    grading.start()
    files = {"pool.go": "package pool"}
    first = submit(client, "worker-pool", files)
    deadline = time.monotonic() + 10
    while "в очереди" in client.get(
            re.findall(r'hx-get="([^"]+)"', first.text)[0], headers={**HX, **RU}).text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = submit(client, "worker-pool", files)
    assert second.status_code == 200 and "в очереди: 1" in second.text
    third = submit(client, "worker-pool", files)
    assert third.status_code == 503
    assert "Проверяющие заняты, попробуйте через минуту" in third.text
    release.set()
    assert "stub" in poll(client, second)


def test_server_mode_without_sandbox_refuses_with_503(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    with make_client(tmp_path, mode="server") as client:
        add_user(database_of(client), "anna")  # server mode: a signed-in learner
        sign_in(client, "anna")
        page = client.get("/exercises/lru-cache", headers=RU).text
        assert "Проверка решений отключена" in page and 'class="run" disabled' in page
        answer = submit(client, "lru-cache", {"lru.go": "package lru"})
        assert answer.status_code == 503 and "bwrap is not installed" in answer.text


def test_local_mode_without_sandbox_shows_the_warning(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    with make_client(tmp_path) as client:
        shown = client.get("/exercises", headers=RU).text  # in the page's language
        assert grader_text(UNSANDBOXED_WARNING, "ru") in shown and "ВНИМАНИЕ: bubblewrap" in shown


def test_warmup_progress_is_shown_while_it_runs(client: TestClient) -> None:
    service(client).warmup = WarmupState(running=True, done=3, total=29, label="lru-cache -race")
    page = client.get("/exercises", headers=RU).text
    assert "Прогрев кэша сборки Go" in page and "3/29 · lru-cache -race" in page
    assert 'hx-get="/exercises/warmup"' in page
    service(client).warmup = WarmupState(running=False, done=29, total=29)
    assert "Прогрев" not in client.get("/exercises/warmup", headers=RU).text


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_warm_up_starts_with_the_app_and_stops_with_it(tmp_path: Path) -> None:
    cold_cache = tmp_path / "cold-go-cache"
    with make_client(tmp_path, grading_warmup=True, grading_cache_dir=cold_cache) as client:
        grading = service(client)
        thread = grading._warm_thread
        assert thread is not None and thread.is_alive() and grading.warmup.total == 29
        # test2json is built first, then the first exercise: wait for that exercise's build.
        test2json = cold_cache / "bin" / "test2json"
        deadline = time.monotonic() + 240
        while not (test2json.is_file() and builds_using(cold_cache)):
            assert time.monotonic() < deadline, "the warm-up never started an exercise build"
            time.sleep(0.2)
        assert grading.warmup.label == "bufio-line-processor"
    # Leaving the app (shutdown) kills the build under way and starts no other.
    thread.join(5)
    assert not thread.is_alive()
    time.sleep(0.5)
    assert builds_using(cold_cache) == []
    assert grading.warmup.done < grading.warmup.total and not grading.warmup.running


def builds_using(cache: Path) -> list[int]:
    """Pids of processes whose command line or environment names this build cache."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if str(cache).encode() in seen:
            pids.append(int(entry.name))
    return pids


def test_job_urls_check_the_exercise_and_ids_are_not_counters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    grading = service(client)

    def compile_error(exercise: Any, files: Any, *, slot: int) -> GradeResult:
        return GradeResult("error", "Решение не компилируется:\npool.go:3:1: syntax error",
                           stage="build", flags=("pool.go: вызывает os.Exit",))  # fmt: skip

    monkeypatch.setattr(grading, "grade", compile_error)
    answer = submit(client, "worker-pool", {"pool.go": "package pool"})
    job = re.findall(r'hx-get="(/exercises/worker-pool/jobs/([^"]+))"', answer.text)[0]
    assert job[1] != "job-1" and len(job[1]) > 12
    result = poll(client, answer)
    assert "ошибка компиляции" in result and "0/0" not in result and "pool.go:3:1" in result
    assert "вызывает os.Exit" in result
    elsewhere = client.get(f"/exercises/lru-cache/jobs/{job[1]}", headers={**HX, **RU})
    assert elsewhere.status_code == 404
    huge = client.get(f"/exercises/worker-pool/submissions/{10**30}", headers=RU)
    assert huge.status_code == 404
    page = client.get("/exercises/worker-pool", headers=RU).text
    assert "ошибка компиляции" in page and "⚑" in page


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_run_tests_shows_results_history_and_offers_items(client: TestClient) -> None:
    failing = poll(client, submit(client, "retry-backoff", {"retry.go": (
        CONTENT / "exercises/retry-backoff/starter/retry.go").read_text()}))
    assert "не пройдено" in failing and "TestNoOverflowOnManyAttempts" in failing
    assert "скрытый" in failing and "Код теста" in failing
    assert "отметить пункты программы" not in failing
    passing = poll(client, submit(client, "retry-backoff", solution("retry-backoff")))
    assert "6/6 тестов пройдено" in passing
    offer = re.search(r'hx-post="(/roadmaps/backend-16-weeks/items/\w+)"', passing)
    assert offer and "Retry mechanisms" in passing
    assert 'id="history" hx-swap-oob="true"' in passing
    page = client.get("/exercises/retry-backoff", headers=RU).text
    assert page.count('class="ex-status st-') == 2
    client.post(offer.group(1), data={"status": "done"}, headers=HX)
    newest = re.findall(r"/exercises/retry-backoff/submissions/(\d+)", page)[0]
    again = client.get(f"/exercises/retry-backoff/submissions/{newest}", headers=RU).text
    assert "✔ Retry mechanisms" in again and "hx-post" not in again


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_allocations_are_shown_against_the_limit(client: TestClient) -> None:
    result = poll(client, submit(client, "json-encoder", solution("json-encoder")))
    assert "BenchmarkAppendEvent" in result and "≤ 0" in result
