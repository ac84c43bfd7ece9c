"""Projects in team mode on a real PostgreSQL (issue #18): a web upload is stored and its job
deferred in one transaction, `gocoach worker` tests it in its sandbox and stores the run once,
the page polls the job as the exercise page does, and the run's time is logged.

The fast tests fake the tester; the slow one uploads the calculator's reference through the web
app and lets a real `gocoach worker` process build and test it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from conftest import NOW
from gocoach.plans.calendar import local_date
from gocoach.practice.grading import sandbox_available
from gocoach.practice.jobs import queue_app, retry_stalled_jobs
from gocoach.projects.catalogue import Project, find_project, module_files
from gocoach.projects.harness import ProjectReport, StageResult
from gocoach.projects.jobs import (
    ProjectTester,
    check_request,
    project_request_status,
    store_report,
    submit_project_request,
)
from gocoach.projects.module import Module, accept_module
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import ProjectRequest, ProjectSubmission, TimeEntry
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app
from project_fixtures import CACHE_DIR, PROJECTS
from servers import postgres_server
from test_projects_web import HX, RU, archive, upload

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]

ROOT = Path(__file__).resolve().parents[1]
GOCOACH = ROOT / ".venv" / "bin" / "gocoach"
CALC = find_project(PROJECTS, "calculator")
JOB_URL = re.compile(r'hx-get="(/projects/calculator/jobs/([^"]+))"')


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    base = Path("/tmp") / f"gocoach-pg-projects-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        settings = load_settings(database_url=url, data_dir=tmp_path_factory.mktemp("pjq"),
                                 grading_cache_dir=CACHE_DIR, grading_uid_base=64800,
                                 grading_warmup=False)  # fmt: skip
        database, _ = open_database(settings)
        database.engine.dispose()
        yield settings


@pytest.fixture
def pg(pg_settings: Settings) -> Iterator[Database]:
    """The module's database, emptied of requests, runs, reviews, time and jobs."""
    database, _ = open_database(pg_settings)
    with transaction(database.sessions) as session:
        session.execute(text("TRUNCATE project_requests, project_submissions, time_entries, "
                             "procrastinate_jobs, procrastinate_workers RESTART IDENTITY CASCADE"))
    yield database
    database.engine.dispose()


def reference() -> Module:
    return accept_module(module_files(CALC, "reference"))


def submit(database: Database, count: int = 1, stages: Sequence[int] | None = None) -> list[str]:
    app = queue_app(database.settings.database_url)
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        return [submit_project_request(session, app=app, user=user, project=CALC,
                                       module=reference(), stages=stages, now=NOW)
                for _ in range(count)]  # fmt: skip


def passing(project: Project, module: Module, stages: Sequence[int] | None) -> ProjectReport:
    return ProjectReport(project.slug, "pass", "стадий пройдено: 1 из 1",
                         (StageResult(1, project.stage(1).title, "pass", "", ("✔ ok",)),),
                         seconds=0.4)


def fake_tester(database: Database, run: Any = passing) -> ProjectTester:
    return ProjectTester(sessions=database.sessions, projects=PROJECTS, run=run,
                         clock=lambda: NOW)


# --- the web defers; the page polls the queue -------------------------------------------------


def test_an_upload_is_stored_and_queued_in_one_transaction_and_the_page_polls(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gocoach.practice import service as grading_service
    from gocoach.practice.grading import SandboxStatus

    # the web machine needs no sandbox in team mode: the workers test
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "no sandbox on the web machine"))
    settings = pg.settings.model_copy(update={"grading_queue": 2})
    with TestClient(create_app(settings)) as client:
        page = client.get("/projects/calculator", headers=RU)
        assert 'id="upload-form"' in page.text and "no sandbox" not in page.text
        data = archive(ROOT / "content/projects/calculator/reference")
        answers = [upload(client, "calculator", data, stage=stage) for stage in ("", "2", "")]
        assert [a.status_code for a in answers] == [200, 200, 503]
        assert "Проверяющие заняты" in answers[2].text  # GOCOACH_GRADING_QUEUE waiting at most
        assert "в очереди: 2" in answers[1].text
        assert "не запущен ни один проверяющий (gocoach worker)" in answers[1].text
        url = JOB_URL.search(answers[0].text)
        assert url is not None and url.group(2) == "p1"
        assert "в очереди: 1" in client.get(url.group(1), headers=HX).text
        # another project's URL, someone else's job, an exercise job, a huge id: 404, not 500
        for wrong in ("/projects/todo/jobs/p1", "/projects/calculator/jobs/p99",
                      f"/projects/calculator/jobs/p{10**30}", "/projects/calculator/jobs/q1",
                      "/projects/calculator/jobs/1"):
            assert client.get(wrong, headers=HX).status_code == 404, wrong
    with transaction(pg.sessions) as session:
        jobs = session.execute(text("SELECT task_name, queue_name, args FROM procrastinate_jobs "
                                    "ORDER BY id")).all()  # fmt: skip
        assert [tuple(j) for j in jobs] == [
            ("gocoach.test_project", "grading", {"request_id": n}) for n in (1, 2)]
        requests = session.scalars(select(ProjectRequest).order_by(ProjectRequest.id)).all()
        assert [(r.project, r.stages, sorted(r.files)) for r in requests] == [
            ("calculator", None, ["go.mod", "main.go"]), ("calculator", [2], ["go.mod", "main.go"])]
        assert session.scalar(select(func.count()).select_from(ProjectSubmission)) == 0


def test_the_worker_stores_the_run_once_and_the_page_shows_it(pg: Database) -> None:
    [job_id] = submit(pg)
    request_id = int(job_id[1:])
    barrier = threading.Barrier(2)
    stored: list[int | None] = []

    def store() -> None:
        with transaction(pg.sessions) as session:
            barrier.wait(timeout=10)
            stored.append(store_report(session, request_id=request_id, project=CALC,
                                       module=reference(), report=passing(CALC, reference(), None),
                                       now=NOW))  # fmt: skip

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(stored, key=lambda s: s is None) == [1, None]
    # a retried job (its first worker killed after storing) finds it tested and stops
    assert check_request(fake_tester(pg, lambda *a: pytest.fail("tested twice")), request_id) == \
        "already tested"
    with transaction(pg.sessions) as session:
        assert session.scalar(select(func.count()).select_from(ProjectSubmission)) == 1
        request = session.get_one(ProjectRequest, request_id)
        assert (request.submission_id, request.files) == (1, {})  # the module is not kept
        user = ensure_local_user(session, now=NOW)
        done = project_request_status(session, job_id, owner=user.id, slug="calculator")
        assert (done.state, done.submission_id) == ("done", 1)
        entries = session.execute(select(TimeEntry.source, TimeEntry.minutes, TimeEntry.ref)).all()
        day = local_date(NOW)
        assert [tuple(e) for e in entries] == [("project", 1, f"project:calculator:{day}")]
    with TestClient(create_app(pg.settings)) as client:
        page = client.get(f"/projects/calculator/jobs/{job_id}", headers=HX).text
    assert "стадий пройдено: 1 из 1" in page and "#1" in page and "hx-trigger" not in page


def test_runs_stored_at_once_leave_one_time_entry(pg: Database) -> None:
    """Two workers storing two uploads of one project at the same moment: both runs, one
    time-log entry (the upsert per user and ref), no error."""
    jobs = submit(pg, 2)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def store(request_id: int) -> None:
        try:
            with transaction(pg.sessions) as session:
                barrier.wait(timeout=10)
                store_report(session, request_id=request_id, project=CALC, module=reference(),
                             report=passing(CALC, reference(), None), now=NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(int(j[1:]),)) for j in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with transaction(pg.sessions) as session:
        assert session.scalar(select(func.count()).select_from(ProjectSubmission)) == 2
        assert session.scalar(select(func.count()).select_from(TimeEntry)) == 1


def test_a_request_for_a_project_the_worker_lacks_fails_with_a_reason(pg: Database) -> None:
    [job_id] = submit(pg)
    lacking = ProjectTester(sessions=pg.sessions, projects=(), run=passing, clock=lambda: NOW)
    assert check_request(lacking, int(job_id[1:])) == "refused"
    with transaction(pg.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        failed = project_request_status(session, job_id, owner=user.id, slug="calculator")
    assert failed.state == "failed" and "no project 'calculator'" in (failed.error or "")


def test_a_silent_workers_project_job_goes_back_in_line(pg: Database) -> None:
    [job_id] = submit(pg)
    with transaction(pg.sessions) as session:
        dead = session.execute(text("SELECT procrastinate_register_worker_v1()")).scalar()
        session.execute(text("SELECT procrastinate_fetch_job_v2(ARRAY['grading'], :w)"),
                        {"w": dead})
        session.execute(text("UPDATE procrastinate_workers SET last_heartbeat = now() - "
                             "interval '1 hour' WHERE id = :w"), {"w": dead})  # fmt: skip
        user = ensure_local_user(session, now=NOW)
        running = project_request_status(session, job_id, owner=user.id, slug="calculator")
        assert running.state == "running"

    async def sweep() -> list[int]:
        app = queue_app(pg.settings.database_url)
        async with app.open_async():
            return await retry_stalled_jobs(app, seconds=30)

    assert asyncio.run(sweep()) == [1]
    with transaction(pg.sessions) as session:
        again = project_request_status(session, job_id, owner=user.id, slug="calculator")
    assert (again.state, again.position) == ("waiting", 1)


# --- the whole thing: the web app and a real worker --------------------------------------------


def wait_until(condition: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_a_worker_tests_an_upload_and_the_page_shows_the_run(pg: Database,
                                                             tmp_path: Path) -> None:
    env = {**os.environ, "GOCOACH_DATABASE_URL": pg.settings.database_url,
           "GOCOACH_DATA_DIR": str(pg.settings.data_dir), "GOCOACH_LOAD_BUNDLED": "false",
           "GOCOACH_GRADING_CACHE_DIR": str(CACHE_DIR), "GOCOACH_GRADING_UID_BASE": "64800",
           "GOCOACH_GRADING_WARMUP": "false"}  # fmt: skip
    log = tmp_path / "worker.log"
    with TestClient(create_app(pg.settings)) as client:
        data = archive(ROOT / "content/projects/calculator/reference")
        answer = upload(client, "calculator", data)
        url = JOB_URL.search(answer.text)
        assert answer.status_code == 200 and url is not None, answer.text[:400]
        with log.open("wb") as out:
            worker = subprocess.Popen([str(GOCOACH), "worker", "--verbose"], env=env,
                                      stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            page = wait_until(lambda: (lambda t: None if JOB_URL.search(t) else t)(
                client.get(url.group(1), headers=HX).text), 300, "the worker's run")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    said = log.read_text(errors="replace")
    assert worker.returncode == 0, said
    assert "tested project request 1 (calculator): pass" in said, said
    assert "стадий пройдено: 4 из 4" in page and page.count("пройдена") >= 4, page[:2000]
    assert 'class="mark-done"' in page  # the passed stages offer their roadmap items
    with transaction(pg.sessions) as session:
        runs = session.scalars(select(ProjectSubmission)).all()
        assert [(r.status, r.stages_passed, r.source) for r in runs] == [
            ("pass", [1, 2, 3, 4], "web")]
        assert session.scalar(select(TimeEntry.source)) == "project"
        events = session.execute(text("SELECT type::text FROM procrastinate_events "
                                      "ORDER BY id")).scalars().all()
    assert [e for e in events if e != "scheduled"] == ["deferred", "started", "succeeded"]
