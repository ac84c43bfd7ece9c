"""Team mode on a real PostgreSQL: submissions as procrastinate jobs, graded by `gocoach worker`.

The fast tests fake the grading; the slow one starts the web app and two real workers, submits
20 solutions through the web, kills a worker with SIGKILL in the middle of a grading, and finds
every verdict stored exactly once.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from conftest import NOW
from gocoach.practice.exercises import find_exercise, load_catalogue
from gocoach.practice.grading import Exercise, GradeResult, TestResult, read_files
from gocoach.practice.jobs import (
    Grader,
    grade_request,
    queue_app,
    request_status,
    retry_stalled_jobs,
    store_verdict,
    submit_request,
)
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import GradingRequest, Submission
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app
from servers import free_port, postgres_server

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]

ROOT = Path(__file__).resolve().parents[1]
GOCOACH = ROOT / ".venv" / "bin" / "gocoach"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
SLUG = "retry-backoff"
HX = {"HX-Request": "true", "Accept-Language": "ru"}
JOB_URL = re.compile(r'hx-get="(/exercises/[^"]+/jobs/([^"]+))"')


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    base = Path("/tmp") / f"gocoach-pg-queue-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        settings = load_settings(database_url=url, data_dir=tmp_path_factory.mktemp("queue"),
                                 load_bundled=False, grading_cache_dir=CACHE_DIR,
                                 grading_uid_base=64800)  # fmt: skip
        database, _ = open_database(settings)
        database.engine.dispose()
        yield settings


@pytest.fixture
def pg(pg_settings: Settings) -> Iterator[Database]:
    """The module's database, emptied of requests, submissions and jobs."""
    database, _ = open_database(pg_settings)
    with transaction(database.sessions) as session:
        session.execute(text("TRUNCATE grading_requests, submissions, procrastinate_jobs, "
                             "procrastinate_workers RESTART IDENTITY CASCADE"))
    yield database
    database.engine.dispose()


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return find_exercise(load_catalogue(ROOT / "content"), SLUG)


def submit_many(database: Database, exercise: Exercise, count: int) -> list[str]:
    app = queue_app(database.settings.database_url)
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        return [submit_request(session, app=app, user=user, exercise=exercise,
                               files=read_files(exercise, "solution"), started_at=None, now=NOW)
                for _ in range(count)]  # fmt: skip


def statuses(database: Database, job_ids: list[str]) -> list[Any]:
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        return [request_status(session, j, owner=user.id, slug=SLUG) for j in job_ids]


def passing(exercise: Exercise) -> GradeResult:
    return GradeResult("pass", None, (TestResult("TestX", "pass", None, None, ""),), stage="run")


# --- the web only enqueues; the place in line comes from the queue -----------------------------


def test_the_web_enqueues_and_shows_the_place_in_line_and_that_no_grader_runs(
    pg: Database, exercise: Exercise
) -> None:
    settings = pg.settings.model_copy(update={"grading_queue": 3})
    with TestClient(create_app(settings)) as client:
        data = {f"file:{n}": t for n, t in read_files(exercise, "solution").items()}
        answers = [client.post(f"/exercises/{SLUG}/submissions", data=data, headers=HX)
                   for _ in range(4)]  # fmt: skip
        assert [a.status_code for a in answers] == [200, 200, 200, 503]
        assert "Проверяющие заняты" in answers[3].text  # GOCOACH_GRADING_QUEUE waiting at most
        assert "в очереди: 3" in answers[2].text
        assert "не запущен ни один проверяющий (gocoach worker)" in answers[2].text
        url = JOB_URL.search(answers[0].text)
        assert url is not None and url.group(2) == "q1"
        assert "в очереди: 1" in client.get(url.group(1), headers=HX).text
        # Another exercise's URL, someone else's job and a huge id are a 404, not a 500.
        for wrong in ("/exercises/lru-cache/jobs/q1", f"/exercises/{SLUG}/jobs/q99",
                      f"/exercises/{SLUG}/jobs/q{10**30}", f"/exercises/{SLUG}/jobs/1"):
            assert client.get(wrong, headers=HX).status_code == 404, wrong
    with transaction(pg.sessions) as session:
        jobs = session.execute(text("SELECT task_name, queue_name, args FROM procrastinate_jobs "
                                    "ORDER BY id")).all()  # fmt: skip
        assert [tuple(j) for j in jobs] == [
            ("gocoach.grade_request", "grading", {"request_id": n}) for n in (1, 2, 3)]
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_refused_submission_is_answered_at_once_without_a_job(
    pg: Database, exercise: Exercise
) -> None:
    with TestClient(create_app(pg.settings)) as client:
        answer = client.post(f"/exercises/{SLUG}/submissions", headers=HX,
                             data={"file:retry.go": "package retry\nimport \"C\"\n"})
    assert answer.status_code == 200 and "cgo" in answer.text
    with transaction(pg.sessions) as session:
        assert session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0
        row = session.scalars(select(Submission)).one()
        assert (row.status, row.files, row.result["stage"]) == ("error", {}, "rejected")


# --- a verdict is stored once, whoever grades it ---------------------------------------------


def test_two_graders_storing_the_same_request_store_one_submission(
    pg: Database, exercise: Exercise
) -> None:
    [job_id] = submit_many(pg, exercise, 1)
    request_id = int(job_id[1:])
    barrier = threading.Barrier(2)
    stored: list[int | None] = []

    def store() -> None:
        with transaction(pg.sessions) as session:
            barrier.wait(timeout=10)
            stored.append(store_verdict(session, request_id=request_id, exercise=exercise,
                                        result=passing(exercise), now=NOW))  # fmt: skip

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(stored, key=lambda s: s is None) == [1, None]
    grader = Grader(sessions=pg.sessions, catalogue=[exercise], clock=lambda: NOW,
                    grade=lambda ex, files: pytest.fail("a graded request is graded again"))
    assert grade_request(grader, request_id) == "already graded"  # a retried job stops here
    with transaction(pg.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1
        request = session.get_one(GradingRequest, request_id)
        assert (request.submission_id, request.graded_at is not None) == (1, True)
    [done] = statuses(pg, [job_id])
    assert (done.state, done.submission_id) == ("done", 1)


def test_a_request_for_an_exercise_the_worker_lacks_fails_with_a_reason(
    pg: Database, exercise: Exercise
) -> None:
    [job_id] = submit_many(pg, exercise, 1)
    grader = Grader(sessions=pg.sessions, catalogue=[], clock=lambda: NOW,
                    grade=lambda ex, files: passing(ex))
    assert grade_request(grader, int(job_id[1:])) == "unknown exercise"
    [failed] = statuses(pg, [job_id])
    assert failed.state == "failed" and "no exercise 'retry-backoff'" in (failed.error or "")


# --- jobs of a silent worker go back in line ----------------------------------------------------


def test_jobs_of_a_worker_without_heartbeat_go_back_in_line_once(
    pg: Database, exercise: Exercise
) -> None:
    jobs = submit_many(pg, exercise, 3)
    with transaction(pg.sessions) as session:
        dead, alive = (session.execute(text("SELECT procrastinate_register_worker_v1()")).scalar()
                       for _ in range(2))  # fmt: skip
        for worker in (dead, alive):
            session.execute(text("SELECT procrastinate_fetch_job_v2(ARRAY['grading'], :w)"),
                            {"w": worker})
        session.execute(text("UPDATE procrastinate_workers SET last_heartbeat = now() - "
                             "interval '1 hour' WHERE id = :w"), {"w": dead})  # fmt: skip
    assert [s.state for s in statuses(pg, jobs)] == ["running", "running", "waiting"]

    async def sweep_twice_at_once() -> list[list[int]]:
        app = queue_app(pg.settings.database_url)
        async with app.open_async():
            return list(await asyncio.gather(retry_stalled_jobs(app, seconds=30),
                                             retry_stalled_jobs(app, seconds=30)))

    assert sorted(asyncio.run(sweep_twice_at_once())) == [[], [1]]
    assert [(s.state, s.position) for s in statuses(pg, jobs)] == [
        ("waiting", 1), ("running", None), ("waiting", 2)]
    with transaction(pg.sessions) as session:
        attempts = session.execute(text("SELECT attempts FROM procrastinate_jobs ORDER BY id"))
        assert [a for (a,) in attempts] == [1, 0, 0]


def test_the_worker_command_refuses_a_schema_that_is_behind(pg: Database, tmp_path: Path) -> None:
    with transaction(pg.sessions) as session:
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        session.execute(text("UPDATE alembic_version SET version_num = '0009_accounts' "
                             "WHERE version_num = '0011_job_queue'"))  # fmt: skip
    try:
        env = {**os.environ, "GOCOACH_DATABASE_URL": pg.settings.database_url,
               "GOCOACH_DATA_DIR": str(tmp_path)}  # fmt: skip
        done = subprocess.run([str(GOCOACH), "worker"], env=env, capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        assert done.returncode == 1
        assert "run `gocoach migrate` first" in done.stderr and "Traceback" not in done.stderr
    finally:
        with transaction(pg.sessions) as session:
            session.execute(text("DELETE FROM alembic_version"))
            for number in version:
                session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": number})


# --- the whole thing: web, two workers, one killed mid-grading --------------------------------


SLOW_INIT = """package retry

import "time"

func init() { time.Sleep(3 * time.Second) } // still grading when its worker is killed
"""


def planned_submissions(exercise: Exercise) -> list[tuple[dict[str, str], str]]:
    """20 submissions with the status each must get: the slow one first."""
    solution, starter = read_files(exercise, "solution"), read_files(exercise, "starter")
    broken = {**solution, "broken.go": "package retry\n\nfunc broken( {\n"}
    plan = [({**solution, "slow.go": SLOW_INIT}, "pass")]
    for n in range(19):
        kind = n % 6
        if kind in (0, 2, 4):
            plan.append(({**solution, "note.go": f"package retry\n\n// {n}\n"}, "pass"))
        elif kind in (1, 5):
            plan.append((starter, "fail"))
        else:
            plan.append((broken, "error"))
    return plan


class Services:
    """The web app and workers as subprocesses, each logging to its own file."""

    def __init__(self, settings: Settings, folder: Path):
        self.folder = folder
        self.env = {**os.environ, "GOCOACH_DATABASE_URL": settings.database_url,
                    "GOCOACH_DATA_DIR": str(settings.data_dir), "GOCOACH_LOAD_BUNDLED": "false",
                    "GOCOACH_GRADING_CACHE_DIR": str(CACHE_DIR),
                    "GOCOACH_GRADING_UID_BASE": "64800", "GOCOACH_GRADING_WARMUP": "false",
                    "GOCOACH_ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen([str(GOCOACH), *args], env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until(condition: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_twenty_submissions_two_workers_one_killed_mid_grading(
    pg: Database, exercise: Exercise, tmp_path: Path
) -> None:
    from gocoach.practice.service import GradingService

    warm = GradingService(pg.settings)  # a cold cache would make the first gradings minutes
    warm.warm([exercise])
    warm.close()
    services, port = Services(pg.settings, tmp_path), free_port()
    try:
        services.start("web", "serve", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _up(base), 60, "the web app")
        for name in ("worker-a", "worker-b"):
            services.start(name, "worker", "--stalled-after", "4", "--verbose")
        wait_until(lambda: all("Starting worker" in services.log(n)
                               for n in ("worker-a", "worker-b")), 60, "two workers")
        plan = planned_submissions(exercise)
        with httpx.Client(base_url=base, headers=HX, timeout=30) as client:
            urls = [_submit(client, files) for files, _ in plan]
            slow_job = _procrastinate_job(pg, urls[0][1])
            started = f"Starting job gocoach.grade_request[{slow_job}]"
            victim = wait_until(lambda: next((n for n in ("worker-a", "worker-b")
                                              if started in services.log(n)), None),
                                60, "a worker to start the slow grading")  # fmt: skip
            victim_pid = services.processes[victim].pid
            wait_until(lambda: _running_in(f"/grading/p{victim_pid}-"), 30,
                       "the slow grading's sandbox")  # kill it mid-grading, sandbox running
            services.processes[victim].send_signal(signal.SIGKILL)
            services.processes[victim].wait(10)
            assert f"grade_request[{slow_job}](request_id=1) ended" not in services.log(victim)
            # Its sandbox died with it (bubblewrap --die-with-parent): nothing runs on in its
            # job folder (grading/p<pid>-…).
            wait_until(lambda: not _running_in(f"/grading/p{victim_pid}-"), 10,
                       "the killed worker's sandbox to go")  # fmt: skip
            pages = [wait_until(lambda u=url: _result(client, u), 240, f"the verdict of {url}")
                     for url, _ in urls]  # fmt: skip
    finally:
        services.stop()
    survivor = "worker-b" if victim == "worker-a" else "worker-a"
    assert "put back in line" in services.log(survivor)
    with transaction(pg.sessions) as session:
        rows = session.scalars(select(Submission).order_by(Submission.id)).all()
        requests = session.scalars(select(GradingRequest).order_by(GradingRequest.id)).all()
        events = session.execute(text("SELECT type::text FROM procrastinate_events "
                                      "WHERE job_id = :j ORDER BY id"),
                                 {"j": slow_job}).scalars().all()
    assert len(rows) == 20 and len({r.id for r in rows}) == 20  # none lost, none doubled
    by_id = {r.id: r for r in rows}
    assert sorted(r.submission_id or 0 for r in requests) == sorted(by_id)
    expected = [status for _, status in plan]
    assert [by_id[r.submission_id or 0].status for r in requests] == expected
    # The slow job was started by the killed worker, taken back once, and graded by the other
    # ("scheduled" only notes the retry's start time).
    assert [e for e in events if e != "scheduled"] == [
        "deferred", "started", "deferred_for_retry", "started", "succeeded"]
    for page, (_, status), request in zip(pages, plan, requests, strict=True):
        assert f"#{request.submission_id}" in page, page[:300]
        assert f'class="ex-status st-{status}"' in page


def _running_in(fragment: str) -> list[int]:
    """Processes whose command line mentions `fragment`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and fragment.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _up(base: str) -> bool:
    try:
        return bool(httpx.get(f"{base}/exercises", timeout=2).status_code == 200)
    except httpx.HTTPError:
        return False


def _submit(client: httpx.Client, files: dict[str, str]) -> tuple[str, str]:
    answer = client.post(f"/exercises/{SLUG}/submissions",
                         data={f"file:{n}": t for n, t in files.items()})  # fmt: skip
    assert answer.status_code == 200, answer.text[:500]
    found = JOB_URL.search(answer.text)
    assert found is not None, answer.text[:500]
    return found.group(1), found.group(2)


def _procrastinate_job(database: Database, job_id: str) -> int:
    with transaction(database.sessions) as session:
        request = session.get_one(GradingRequest, int(job_id[1:]))
        assert request.job_id is not None
        return request.job_id


def _result(client: httpx.Client, url: str) -> str | None:
    page = client.get(url).text
    return None if JOB_URL.search(page) else page


def test_request_status_rejects_foreign_and_malformed_ids(pg: Database, exercise: Exercise) -> None:
    [job_id] = submit_many(pg, exercise, 1)
    with transaction(pg.sessions) as session:
        user = ensure_local_user(session, now=NOW)
        for wrong, owner, slug in ((job_id, user.id + 1, SLUG), (job_id, user.id, "lru-cache"),
                                   ("q", user.id, SLUG), ("q-1", user.id, SLUG),
                                   (f"q{2**70}", user.id, SLUG)):  # fmt: skip
            with pytest.raises(LookupError):
                request_status(session, wrong, owner=owner, slug=slug)
        assert request_status(session, job_id, owner=user.id, slug=SLUG).position == 1
