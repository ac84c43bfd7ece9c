"""Project pages in-process: list, a project with its stages, uploads queued with exercises,
refusals for bad uploads (issue #18)."""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gocoach.practice.grading import GradeResult, sandbox_available
from gocoach.practice.service import GradingService
from gocoach.projects import runs
from gocoach.projects.harness import ProjectReport, StageResult
from gocoach.store.settings import load_settings
from gocoach.web.app import create_app
from project_fixtures import CACHE_DIR, CONTENT, UID_BASE

HX = {"HX-Request": "true", "Accept-Language": "ru"}
RU = {"Accept-Language": "ru"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "web", grading_warmup=False,
                             grading_cache_dir=CACHE_DIR, grading_uid_base=UID_BASE,
                             grading_workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def grading(client: TestClient) -> GradingService:
    service: GradingService = client.app.state.grading  # type: ignore[attr-defined]
    return service


def archive(folder: Path, top: str = "calc") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path in folder.iterdir():
            zipped.writestr(f"{top}/{path.name}", path.read_bytes())
    return buffer.getvalue()


def upload(client: TestClient, slug: str, data: bytes, stage: str = "") -> Any:
    return client.post(f"/projects/{slug}/submissions", headers=HX, data={"stage": stage},
                       files={"archive": ("module.zip", data, "application/zip")})


def poll(client: TestClient, answer: Any, limit: float = 330) -> str:
    """Follow the job fragment until the run ends (a cold -race build can take minutes)."""
    text = answer.text
    deadline = time.monotonic() + limit
    while (job := re.search(r'hx-get="(/projects/[^"]+/jobs/[^"]+)"', text)) is not None:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.2)
        text = client.get(job.group(1), headers=HX).text
    return text


def test_the_list_shows_every_project(client: TestClient) -> None:
    page = client.get("/projects", headers=RU)
    assert page.status_code == 200
    assert len(re.findall(r'<tr id="pj-[a-z-]+">', page.text)) == 6
    assert "Concurrent Task Processor" in page.text and page.text.count("не решалось") == 6


def test_a_project_page_shows_stages_statements_and_items(client: TestClient) -> None:
    page = client.get("/projects/task-processor", headers=RU)
    assert page.status_code == 200
    assert page.text.count('class="pj-stage"') == 4
    assert "Стадия 3. Graceful shutdown" in page.text
    assert "signal.NotifyContext" in page.text  # the statement, rendered
    assert "pprof + Prometheus метрики" in page.text  # a roadmap item the stage practises
    assert 'hx-encoding="multipart/form-data"' in page.text
    english = client.get("/projects/task-processor", headers={"Accept-Language": "en"})
    assert "Capstone projects" in english.text and "Stages" in english.text


def test_unknown_projects_and_runs_are_404(client: TestClient) -> None:
    assert client.get("/projects/nope", headers=RU).status_code == 404
    assert client.get("/projects/calculator/submissions/5", headers=HX).status_code == 404
    assert client.get("/projects/calculator/submissions/99999999999999999999",
                      headers=HX).status_code in (404, 422)
    assert client.get("/projects/calculator/jobs/job-nope", headers=HX).status_code == 404


def test_the_starter_downloads_as_a_zip_without_the_reference(client: TestClient) -> None:
    answer = client.get("/projects/todo/starter.zip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert sorted(names) == ["todo/PROJECT.md", "todo/go.mod", "todo/main.go"]
    main = zipfile.ZipFile(io.BytesIO(answer.content)).read("todo/main.go")
    assert main == (CONTENT / "projects/todo/starter/main.go").read_bytes()


def test_bad_uploads_are_refused_with_a_4xx(client: TestClient) -> None:
    answer = upload(client, "calculator", b"garbage")
    assert answer.status_code == 400 and "архивом .zip или .tar.gz" in answer.text
    english = client.post("/projects/calculator/submissions",
                          headers={**HX, "Accept-Language": "en"},
                          data={"stage": ""},
                          files={"archive": ("module.zip", b"garbage", "application/zip")})
    assert english.status_code == 400 and "upload a .zip or .tar.gz" in english.text
    answer = client.post("/projects/calculator/submissions", headers=HX, data={"stage": "1"})
    assert answer.status_code == 400 and "Выберите архив" in answer.text
    folder = CONTENT / "projects/calculator/starter"
    answer = upload(client, "calculator", archive(folder), stage="9")
    assert answer.status_code == 400 and "этапы 1–4, а не 9" in answer.text
    huge = {**HX, "Content-Length": str(20 * 1024 * 1024)}
    answer = client.post("/projects/calculator/submissions", headers=huge, content=b"x" * 100)
    assert answer.status_code == 413 and "больше 8 МБ" in answer.text


def test_a_server_without_the_sandbox_refuses_uploads_and_says_why(
        client: TestClient) -> None:
    grading(client).refusal = "bubblewrap is not available here"
    page = client.get("/projects/calculator", headers=RU)
    assert "bubblewrap is not available here" in page.text and "upload-form" not in page.text
    answer = upload(client, "calculator", archive(CONTENT / "projects/calculator/reference"))
    assert answer.status_code == 503 and "bubblewrap is not available here" in answer.text


def test_project_runs_wait_in_the_exercises_line(client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """One grading slot: an exercise submitted while a project runs waits its turn."""
    release = threading.Event()

    def slow_check(project: Any, module: Any, **kwargs: Any) -> ProjectReport:
        release.wait(10)
        return ProjectReport(project.slug, "pass", "стадий пройдено: 1 из 1",
                             (StageResult(1, "Одна операция", "pass", "", ("✔ ok",)),))

    monkeypatch.setattr(runs, "check_project", slow_check)
    first = upload(client, "calculator", archive(CONTENT / "projects/calculator/reference"))
    assert first.status_code == 200
    solution = (CONTENT / "exercises/errgroup/solution").glob("*.go")
    files = {f"file:{p.name}": p.read_text() for p in solution}
    waiting = client.post("/exercises/errgroup/submissions", data=files, headers=HX)
    assert "в очереди: 1" in waiting.text, waiting.text
    # the exercise then runs without building Go: this test is about the line, not grading
    monkeypatch.setattr(grading(client), "grade",
                        lambda *args, **kwargs: GradeResult("pass", None))
    release.set()
    text = poll(client, first, limit=15)
    assert "стадий пройдено: 1 из 1" in text and "#1" in text


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_an_uploaded_reference_passes_is_stored_and_offers_its_items(client: TestClient) -> None:
    answer = upload(client, "calculator", archive(CONTENT / "projects/calculator/reference"))
    assert answer.status_code == 200
    text = poll(client, answer)
    assert "стадий пройдено: 4 из 4" in text and text.count("пройдена") >= 4, text
    assert 'class="mark-done"' in text
    page = client.get("/projects/calculator", headers=RU)
    assert page.text.count('<span class="ex-status st-pass">пройдена</span>') == 4
    assert "Отметить выполненным: Написать CLI калькулятор" in page.text
    stored = re.search(r'hx-get="(/projects/calculator/submissions/\d+)"', page.text)
    assert stored is not None
    report = client.get(stored.group(1), headers=HX)
    assert report.status_code == 200 and "calc 2 + 3 → 5" in report.text
    listing = client.get("/projects", headers=RU)
    assert ">4/4<" in listing.text
