"""Project uploads in team mode: a job of the graders' PostgreSQL queue, tested by `gocoach worker`.

As for exercises (practice/jobs.py): the web stores a `ProjectRequest` with the module and
defers one procrastinate job, `gocoach.test_project(request_id)`, in the same transaction, then
shows the place in line and the result. A worker builds and tests the module in its own sandbox
and stores the run once: it locks the request row, and a retried job (its first worker was
killed) that finds `graded_at` set stores nothing.

    >>> job = submit_project_request(session, app=app, user=user, project=project,
    ...                              module=module, stages=None, now=now)   # doctest: +SKIP
    >>> project_request_status(session, job, owner=user.id, slug=project.slug).state
    'waiting'
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from gocoach.practice.grading.queue import QueueBusy
from gocoach.practice.jobs import (
    PROJECT_TASK,
    QUEUE,
    RequestStatus,
    count_graders,
    waiting_jobs,
)
from gocoach.practice.service import GradingService
from gocoach.projects.catalogue import Project, find_project, load_projects
from gocoach.projects.harness import ProjectReport
from gocoach.projects.module import Module, ModuleRejected, accept_module
from gocoach.projects.runs import run_tester
from gocoach.projects.submissions import MAX_ID, record_run
from gocoach.store.engine import transaction
from gocoach.store.tables import ProjectRequest, User

if TYPE_CHECKING:
    import procrastinate

JOB_PREFIX = "p"  # project job ids are p<request id>; exercises' are q<request id>
log = logging.getLogger("gocoach.worker")


# --- the web side: defer, then read the state ---------------------------------------------------


def submit_project_request(
    session: Session,
    *,
    app: procrastinate.App,
    user: User,
    project: Project,
    module: Module,
    stages: Sequence[int] | None,
    now: datetime,
    max_waiting: int | None = None,
) -> str:
    """Store the upload and defer its job in the session's transaction; return the job id.

    Both commit together, or neither does. QueueBusy when `max_waiting` jobs (exercises and
    projects: one line) are already waiting.
    """
    if max_waiting is not None and (waiting := waiting_jobs(session)) >= max_waiting:
        raise QueueBusy(f"{waiting} submissions are waiting for a grader")
    request = ProjectRequest(
        user_id=user.id, project=project.slug, stages=list(stages) if stages else None,
        files={name: base64.b64encode(data).decode("ascii")
               for name, data in module.files.items()},
        ignored=list(module.ignored), created_at=now)  # fmt: skip
    session.add(request)
    session.flush()
    raw = session.connection().connection.dbapi_connection
    request.job_id = app.configure_task(PROJECT_TASK, connection=raw).defer(request_id=request.id)
    session.flush()
    return f"{JOB_PREFIX}{request.id}"


def project_request_status(session: Session, job_id: str, *, owner: int, slug: str
                           ) -> RequestStatus:
    """The state of one of the owner's uploads of this project, or LookupError.

    `submission_id` of a done one is the project submission the worker stored.
    """
    request = _owned_request(session, job_id, owner=owner, slug=slug)
    if request.graded_at is None:
        job = session.execute(text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"),
                              {"id": request.job_id}).scalar()  # fmt: skip
        if job in ("todo", "doing"):
            graders = count_graders(session)
            if job == "doing":
                return RequestStatus(job_id, "running", graders=graders)
            ahead = session.execute(text(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE queue_name = :queue AND status = 'todo' AND id < :id"
            ), {"queue": QUEUE, "id": request.job_id}).scalar_one()  # fmt: skip
            return RequestStatus(job_id, "waiting", position=int(ahead) + 1, graders=graders)
        session.refresh(request)  # a worker may have stored it between the two reads
    if request.graded_at is not None and request.submission_id is not None:
        return RequestStatus(job_id, "done", submission_id=request.submission_id)
    return RequestStatus(job_id, "failed", error=request.error)


def _owned_request(session: Session, job_id: str, *, owner: int, slug: str) -> ProjectRequest:
    number = job_id.removeprefix(JOB_PREFIX)
    request_id = int(number) if number.isdecimal() and job_id != number else 0
    request = session.get(ProjectRequest, request_id) if 0 < request_id <= MAX_ID else None
    if request is None or request.user_id != owner or request.project != slug:
        raise LookupError(f"no testing job '{job_id}'")
    return request


# --- the worker side ----------------------------------------------------------------------------


RunTester = Callable[[Project, Module, Sequence[int] | None], ProjectReport]


@dataclass(frozen=True)
class ProjectTester:
    """What a worker's project jobs need: the database, the projects, a tester run, a clock."""

    sessions: sessionmaker[Session]
    projects: Sequence[Project]
    run: RunTester
    clock: Callable[[], datetime]


def check_request(tester: ProjectTester, request_id: int) -> str:
    """Test one upload and store its run once; return what happened (for the log).

    The tester runs outside any transaction; storing locks the request row, so of two workers
    that tested the same upload only the first stores a run.
    """
    with transaction(tester.sessions) as session:
        request = session.get(ProjectRequest, request_id)
        if request is None:
            return "gone"  # its user was deleted
        if request.graded_at is not None:
            return "already tested"
        slug, stages = request.project, request.stages
        files, ignored = dict(request.files), tuple(request.ignored or ())
    try:
        project = find_project(tester.projects, slug)
        module = decode_module(files, ignored)
    except (LookupError, ModuleRejected) as exc:  # this worker's content lacks the project
        with transaction(tester.sessions) as session:
            _fail(session, request_id, str(exc), tester.clock())
        return "refused"
    started = time.monotonic()
    report = tester.run(project, module, stages)
    with transaction(tester.sessions) as session:
        stored = store_report(session, request_id=request_id, project=project, module=module,
                              report=report, now=tester.clock())  # fmt: skip
    if stored is None:
        return "already tested"
    log.info("tested project request %s (%s): %s in %.2f s, project submission #%s",
             request_id, slug, report.status, time.monotonic() - started, stored)  # fmt: skip
    return f"{report.status}, project submission #{stored}"



def store_report(
    session: Session, *, request_id: int, project: Project, module: Module,
    report: ProjectReport, now: datetime,
) -> int | None:
    """Record the upload's run unless it has one; return its id (None: stored before).

    The row lock makes a second worker wait here, then see `graded_at` and store nothing. The
    module is dropped from the request: the run keeps the files a reviewer reads.
    """
    request = session.get(ProjectRequest, request_id, with_for_update=True)
    if request is None or request.graded_at is not None:
        return None
    user = session.get_one(User, request.user_id)
    row = record_run(session, user=user, project=project, report=report, module=module,
                     source="web", now=now)
    request.submission_id, request.graded_at, request.files = row.id, now, {}
    session.flush()
    return row.id


def _fail(session: Session, request_id: int, reason: str, now: datetime) -> None:
    request = session.get(ProjectRequest, request_id, with_for_update=True)
    if request is not None and request.graded_at is None:
        request.error, request.graded_at, request.files = reason, now, {}


def decode_module(files: dict[str, str], ignored: tuple[str, ...] = ()) -> Module:
    """The module a request holds (path → base64), checked again as an upload is."""
    try:
        raw = {name: base64.b64decode(data, validate=True) for name, data in files.items()}
    except (binascii.Error, ValueError) as exc:
        raise ModuleRejected("pj.mod.damaged", f"the stored module is damaged: {exc}",
                             detail=str(exc)) from None
    return accept_module(raw, ignored=ignored)


def worker_tester(
    service: GradingService, sessions: sessionmaker[Session], clock: Callable[[], datetime],
    content_dir: Path,
) -> Callable[[int], str]:
    """What a `gocoach worker` runs for a project job: this process's sandbox and uid leases."""

    def run(project: Project, module: Module, stages: Sequence[int] | None) -> ProjectReport:
        return run_tester(service, project, module, stages=stages)

    tester = ProjectTester(sessions=sessions, projects=load_projects(content_dir), run=run,
                           clock=clock)
    return functools.partial(check_request, tester)
