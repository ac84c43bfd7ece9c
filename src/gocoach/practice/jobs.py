"""Graders on many machines: web submissions as jobs of a PostgreSQL queue (team mode).

With PostgreSQL the web app does not grade. It stores a `GradingRequest` and defers one
procrastinate job, `gocoach.grade_request(request_id)`, in the same transaction, then shows
the place in line and the result. Any number of `gocoach worker` processes, on any machines
that reach the database, take jobs and grade with their own sandbox and uid leases.

A worker killed mid-job (even with -9) stops sending heartbeats; the other workers put its job
back in line (`retry_stalled_jobs`). The verdict is stored once: the worker that stores it
locks the request row and sets `graded_at` with the submission in one transaction, and a
retried job that finds `graded_at` set stops there.

    >>> app = queue_app(settings.database_url)                                # doctest: +SKIP
    >>> job = submit_request(session, app=app, user=user, exercise=exercise, files=files,
    ...                      started_at=None, now=now)                        # doctest: +SKIP
    >>> request_status(session, job, owner=user.id, slug=exercise.slug).position  # 1, 2, …
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gocoach.practice.exercises import MAX_ID, find_exercise, store_graded
from gocoach.practice.grading.exercises import Exercise
from gocoach.practice.grading.queue import QueueBusy
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.results import GradeResult
from gocoach.practice.grading.submission import SubmissionRejected, accept_submission
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings
from gocoach.store.tables import GradingRequest, User

if TYPE_CHECKING:  # procrastinate takes ~0.2 s to import: only team mode pays for it
    import procrastinate
    from procrastinate.job_context import JobContext

QUEUE = "grading"
TASK = "gocoach.grade_request"
# A project upload's tester run (gocoach.projects.jobs): same queue, so the same line and slots.
# Practice sits below projects: the worker hands in the function that runs it (`run_worker`).
PROJECT_TASK = "gocoach.test_project"
TASKS = (TASK, PROJECT_TASK)
JOB_PREFIX = "q"  # web job ids are q<request id>; the in-process queue's are job-<hex>
GRADER_SEEN_SECONDS = 60  # a worker heard from within this is counted as running
STALLED_AFTER_SECONDS = 30.0
log = logging.getLogger("gocoach.worker")

State = Literal["waiting", "running", "done", "failed"]


def uses_workers(settings: Settings) -> bool:
    """Team mode: with PostgreSQL, `gocoach worker` processes grade web submissions."""
    return make_url(settings.database_url).get_backend_name() == "postgresql"


def conninfo(database_url: str) -> str:
    """The libpq URL procrastinate connects with, from gocoach's SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def queue_app(database_url: str) -> procrastinate.App:
    """A procrastinate app on this database with the one grading task.

    Deferring through `submit_request` needs no pool (it uses the caller's transaction); a
    worker opens one (`run_worker`).
    """
    import procrastinate

    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE, pass_context=True,
             retry=procrastinate.RetryStrategy(max_attempts=3, wait=2))(_grade_task)  # fmt: skip
    app.task(name=PROJECT_TASK, queue=QUEUE, pass_context=True,
             retry=procrastinate.RetryStrategy(max_attempts=3, wait=2))(_project_task)  # fmt: skip
    return app


# --- the web side: defer, then read the state ---------------------------------------------------


def submit_request(
    session: Session,
    *,
    app: procrastinate.App,
    user: User,
    exercise: Exercise,
    files: Mapping[str, str],
    started_at: datetime | None,
    now: datetime,
    max_waiting: int | None = None,
) -> str:
    """Store the request and defer its job in the session's transaction; return the job id.

    Both commit together (the job's NOTIFY wakes a worker at commit), or neither does. A
    submission refused before compiling (too big, cgo, …) is graded here at once, as the
    worker would, without queueing: nothing large is stored. QueueBusy when `max_waiting`
    jobs are already waiting.
    """
    try:
        accepted = accept_submission(files)
    except SubmissionRejected as exc:
        return _store_refusal(session, user=user, exercise=exercise, reason=exc.reason,
                              started_at=started_at, now=now)  # fmt: skip
    if max_waiting is not None and (waiting := waiting_jobs(session)) >= max_waiting:
        raise QueueBusy(Reason("queue.busy", waiting=waiting))
    kept = {**accepted.files, **dict.fromkeys(accepted.ignored, "")}  # ignored: names only
    request = GradingRequest(user_id=user.id, exercise=exercise.slug, files=kept,
                             started_at=started_at, created_at=now)  # fmt: skip
    session.add(request)
    session.flush()
    raw = session.connection().connection.dbapi_connection
    request.job_id = app.configure_task(TASK, connection=raw).defer(request_id=request.id)
    session.flush()
    return f"{JOB_PREFIX}{request.id}"


def _store_refusal(
    session: Session, *, user: User, exercise: Exercise, reason: Reason,
    started_at: datetime | None, now: datetime,
) -> str:
    result = GradeResult("error", None, stage="rejected", reasons=(reason,))
    request = GradingRequest(user_id=user.id, exercise=exercise.slug, files={},
                             started_at=started_at, created_at=now)  # fmt: skip
    session.add(request)
    session.flush()
    _record(session, request, exercise, result, now)
    return f"{JOB_PREFIX}{request.id}"


@dataclass(frozen=True)
class RequestStatus:
    """Where a web submission is: its place in line, being graded, or its stored verdict."""

    job_id: str
    state: State
    position: int | None = None
    submission_id: int | None = None
    error: str | None = None
    graders: int = 0  # workers heard from lately


def request_status(session: Session, job_id: str, *, owner: int, slug: str) -> RequestStatus:
    """The state of one of the owner's requests for this exercise, or LookupError.

    The position counts the jobs waiting before this one, from 1 (the next to be taken).
    """
    request = _owned_request(session, job_id, owner=owner, slug=slug)
    if request.graded_at is None:
        job = session.execute(text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"),
                              {"id": request.job_id}).scalar()  # fmt: skip
        if job in ("todo", "doing"):
            return _in_line(session, job_id, request, running=job == "doing")
        session.refresh(request)  # a worker may have stored it between the two reads
    if request.graded_at is not None and request.submission_id is not None:
        return RequestStatus(job_id, "done", submission_id=request.submission_id)
    return RequestStatus(job_id, "failed", error=request.error)


def _in_line(session: Session, job_id: str, request: GradingRequest, *, running: bool
             ) -> RequestStatus:
    graders = count_graders(session)
    if not running:
        ahead = session.execute(text(
            "SELECT count(*) FROM procrastinate_jobs "
            "WHERE queue_name = :queue AND status = 'todo' AND id < :id"
        ), {"queue": QUEUE, "id": request.job_id}).scalar_one()  # fmt: skip
        return RequestStatus(job_id, "waiting", position=int(ahead) + 1, graders=graders)
    return RequestStatus(job_id, "running", graders=graders)


def _owned_request(session: Session, job_id: str, *, owner: int, slug: str) -> GradingRequest:
    number = job_id.removeprefix(JOB_PREFIX)
    request_id = int(number) if number.isdecimal() and job_id != number else 0
    request = session.get(GradingRequest, request_id) if 0 < request_id <= MAX_ID else None
    if request is None or request.user_id != owner or request.exercise != slug:
        raise LookupError(f"no grading job '{job_id}'")
    return request


def count_graders(session: Session) -> int:
    """Workers (of this database's queue) that sent a heartbeat in the last minute."""
    return int(session.execute(text(
        "SELECT count(*) FROM procrastinate_workers "
        "WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
    ), {"seconds": GRADER_SEEN_SECONDS}).scalar_one())  # fmt: skip


def waiting_jobs(session: Session) -> int:
    """Grading jobs not taken by a worker yet."""
    return int(session.execute(text(
        "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = :queue AND status = 'todo'"
    ), {"queue": QUEUE}).scalar_one())  # fmt: skip


# --- the worker side ----------------------------------------------------------------------------


Grade = Callable[[Exercise, Mapping[str, str]], GradeResult]


@dataclass(frozen=True)
class Grader:
    """What a worker's jobs need: the database, the catalogue, a grading function, a clock."""

    sessions: sessionmaker[Session]
    catalogue: Sequence[Exercise]
    grade: Grade
    clock: Callable[[], datetime]


def grade_request(grader: Grader, request_id: int) -> str:
    """Grade one request and store its verdict once; return what happened (for the log).

    Grading runs outside any transaction; storing locks the request row, so of two workers
    that graded the same request (a job retried while its first worker still lived) only the
    first stores a submission.
    """
    with transaction(grader.sessions) as session:
        request = session.get(GradingRequest, request_id)
        if request is None:
            return "gone"  # its user was deleted
        if request.graded_at is not None:
            return "already graded"
        slug, files = request.exercise, dict(request.files)
    try:
        exercise = find_exercise(grader.catalogue, slug)
    except LookupError as exc:  # this worker's content has no such exercise
        with transaction(grader.sessions) as session:
            _fail(session, request_id, str(exc), grader.clock())
        return "unknown exercise"
    started = time.monotonic()
    result = grader.grade(exercise, files)
    with transaction(grader.sessions) as session:
        stored = store_verdict(session, request_id=request_id, exercise=exercise,
                               result=result, now=grader.clock())  # fmt: skip
    took = time.monotonic() - started
    if stored is None:
        return "already graded"
    log.info("graded request %s (%s): %s in %.2f s, submission #%s", request_id, slug,
             result.status, took, stored)  # fmt: skip
    return f"{result.status}, submission #{stored}"


def store_verdict(
    session: Session, *, request_id: int, exercise: Exercise, result: GradeResult, now: datetime
) -> int | None:
    """Record the request's submission unless it has one; return its id (None: graded before).

    The row lock makes a second grader wait here, then see `graded_at` and store nothing.
    """
    request = session.get(GradingRequest, request_id, with_for_update=True)
    if request is None or request.graded_at is not None:
        return None
    return _record(session, request, exercise, result, now)


def _record(
    session: Session, request: GradingRequest, exercise: Exercise, result: GradeResult,
    now: datetime,
) -> int:
    submission_id = store_graded(session, user_id=request.user_id, exercise=exercise,
                                 files=request.files, result=result, source="web", now=now,
                                 started_at=request.started_at)  # fmt: skip
    request.submission_id, request.graded_at = submission_id, now
    session.flush()
    return submission_id


def _fail(session: Session, request_id: int, reason: str, now: datetime) -> None:
    request = session.get(GradingRequest, request_id, with_for_update=True)
    if request is not None and request.graded_at is None:
        request.error, request.graded_at = reason, now


def _grade_task(context: JobContext, request_id: int) -> str:
    grader: Grader = context.additional_context["grader"]
    return grade_request(grader, request_id)


ProjectRunner = Callable[[int], str]  # a project request's id → what happened (for the log)


def _project_task(context: JobContext, request_id: int) -> str:
    runner: ProjectRunner | None = context.additional_context.get("projects")
    if runner is None:  # a worker started without the projects' tester: let another one take it
        raise RuntimeError("this worker does not test projects")
    return runner(request_id)


# The jobs of workers that stopped sending heartbeats (killed, frozen, cut off) go back in line.
# One statement: the rows are locked (SKIP LOCKED), so two workers sweeping at once never retry
# the same job twice, nor a job another worker has meanwhile taken.
_RETRY_STALLED = """
WITH stalled AS (
    SELECT job.id
      FROM procrastinate_jobs job
      LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id
     WHERE job.status = 'doing'
       AND job.task_name = ANY(%(task_names)s)
       AND (worker.id IS NULL
            OR worker.last_heartbeat < now() - make_interval(secs => %(seconds)s))
       FOR UPDATE OF job SKIP LOCKED
)
SELECT stalled.id
  FROM stalled
 CROSS JOIN LATERAL procrastinate_retry_job_v2(stalled.id, now(), NULL, NULL, NULL) AS retried
"""


async def retry_stalled_jobs(app: procrastinate.App, *, seconds: float) -> list[int]:
    """Put back in line the grading jobs of workers silent for `seconds`; return their ids."""
    rows = await app.connector.execute_query_all_async(
        query=_RETRY_STALLED, task_names=list(TASKS), seconds=seconds)
    return [int(row["id"]) for row in rows]


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs: jobs at once, and when a silent worker's job is taken back."""

    concurrency: int = 1
    stalled_after: float = STALLED_AFTER_SECONDS
    name: str = "gocoach-worker"

    @property
    def heartbeat(self) -> float:
        """Seconds between heartbeats: at least four per `stalled_after`, and every 2 s at most,
        so a worker started with a shorter `stalled_after` than the others does not take their
        jobs back while they are alive."""
        return max(0.5, min(2.0, self.stalled_after / 4))


class WorkerStopped(RuntimeError):
    """The worker stopped without being asked to (it lost the database, most likely)."""


def run_worker(app: procrastinate.App, grader: Grader, options: WorkerOptions,
               projects: ProjectRunner | None = None) -> None:
    """Take and grade jobs until SIGINT/SIGTERM (running gradings finish first); `projects`
    runs a project upload's tester (gocoach.projects.jobs), when this worker tests projects.

    Raises WorkerStopped when procrastinate stops on its own (a failed heartbeat or listener:
    the database went away), so that a supervisor sees a failure, not a clean exit.
    """
    asyncio.run(_serve(app, grader, options, projects))


async def _serve(app: procrastinate.App, grader: Grader, options: WorkerOptions,
                 projects: ProjectRunner | None = None) -> None:
    loop = asyncio.get_running_loop()
    asked = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, asked.set)
    try:
        async with app.open_async():
            sweeper = asyncio.create_task(_sweep(app, options.stalled_after))
            worker = asyncio.create_task(app.run_worker_async(
                queues=[QUEUE], name=options.name, concurrency=options.concurrency,
                additional_context={"grader": grader, "projects": projects}, listen_notify=True,
                install_signal_handlers=False, update_heartbeat_interval=options.heartbeat,
                stalled_worker_timeout=options.stalled_after,
            ))  # fmt: skip
            stop = asyncio.create_task(asked.wait())
            try:
                await asyncio.wait({worker, stop}, return_when=asyncio.FIRST_COMPLETED)
                if not worker.done():
                    worker.cancel()  # procrastinate lets the running jobs finish first
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                elif not asked.is_set():
                    worker.result()  # its exception, if it failed
                    raise WorkerStopped("the worker stopped by itself: is the database reachable?")
            finally:
                sweeper.cancel()
                stop.cancel()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _sweep(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        try:
            retried = await retry_stalled_jobs(app, seconds=stalled_after)
            if retried:
                log.warning("jobs of a silent worker put back in line: %s", retried)
        except Exception as exc:  # a database hiccup must not stop the worker
            log.warning("could not check for stalled jobs: %s", exc)
        await asyncio.sleep(max(0.5, stalled_after / 3))

