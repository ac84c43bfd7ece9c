"""`gocoach worker`: grade the web app's submissions from the PostgreSQL job queue (team mode)."""

from __future__ import annotations

import logging
import os
import socket
from typing import Annotated

import typer
from rich.markup import escape

from gocoach.cli.context import console, errors, fail, handle_errors
from gocoach.practice.grading import SandboxUnavailable
from gocoach.practice.jobs import (
    WorkerOptions,
    WorkerStopped,
    queue_app,
    run_worker,
    uses_workers,
)
from gocoach.practice.service import GradingService, worker_grader
from gocoach.startup import open_database, utc_now
from gocoach.store.engine import schema_is_current
from gocoach.store.settings import load_settings


def register(app: typer.Typer) -> None:
    """Add `gocoach worker` to the main app."""
    app.command("worker")(worker_command)


@handle_errors
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help="Submissions this worker grades at once.")
    ] = 1,
    stalled_after: Annotated[
        float,
        typer.Option(min=4.0, help="Seconds without a heartbeat after which another worker's "
                     "job is taken back and graded again (that worker was killed or cut off)."),
    ] = 30.0,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log every job (procrastinate).")]
    = False,
) -> None:
    """Grade web submissions from the PostgreSQL job queue (team mode); Ctrl+C stops."""
    from procrastinate.exceptions import ConnectorException

    settings = load_settings()
    if not uses_workers(settings):
        raise fail("workers need PostgreSQL: set GOCOACH_DATABASE_URL=postgresql+psycopg://…; "
                   "with SQLite (local mode) `gocoach serve` grades submissions itself")
    database, _ = open_database(settings, prepare=False)
    if not schema_is_current(database.engine):
        raise fail("the database schema is not up to date: run `gocoach migrate` first")
    service = GradingService(settings)
    try:
        service.check_enabled()
    except SandboxUnavailable as exc:
        raise fail(str(exc)) from None
    if service.warning:
        errors.print(f"[bold yellow]{escape(service.warning)}[/]", highlight=False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gocoach.worker").setLevel(logging.INFO)
    if settings.grading_warmup:
        service.start_warmup()
    name = f"{socket.gethostname()}:{os.getpid()}"
    options = WorkerOptions(concurrency=concurrency, stalled_after=stalled_after, name=name)
    console.print(f"gocoach worker {name}: grading up to {concurrency} at once "
                  f"({service.grading.isolation}); Ctrl+C stops after the running gradings",
                  highlight=False)  # fmt: skip
    try:
        run_worker(queue_app(settings.database_url),
                   worker_grader(service, database.sessions, utc_now), options)
    except ConnectorException as exc:
        raise fail(f"job queue: {exc.__cause__ or exc}", 3) from None
    except WorkerStopped as exc:
        raise fail(str(exc), 3) from None
    finally:
        service.close()
        database.engine.dispose()
