"""`gocoach worker`: grade the web app's submissions from the PostgreSQL job queue (team mode)."""

from __future__ import annotations

import logging
import os
import socket
from typing import Annotated

import typer
from rich.markup import escape

from gocoach.cli.context import console, errors, fail, handle_errors, say_error, say_reason
from gocoach.cli.language import N_, t
from gocoach.practice.grading import SandboxUnavailable
from gocoach.practice.jobs import (
    WorkerOptions,
    WorkerStopped,
    queue_app,
    run_worker,
    uses_workers,
)
from gocoach.practice.service import GradingService, worker_grader
from gocoach.projects.jobs import worker_tester
from gocoach.startup import open_database, utc_now
from gocoach.store.engine import schema_is_current
from gocoach.store.settings import load_settings


def register(app: typer.Typer) -> None:
    """Add `gocoach worker` to the main app."""
    app.command("worker", help=N_("cli.cmd.worker"))(worker_command)


@handle_errors
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help=N_("cli.arg.worker_concurrency"))
    ] = 1,
    stalled_after: Annotated[
        float, typer.Option(min=4.0, help=N_("cli.arg.worker_stalled")),
    ] = 30.0,
    verbose: Annotated[bool, typer.Option("--verbose", help=N_("cli.arg.worker_verbose"))]
    = False,
) -> None:
    """Grade web submissions from the PostgreSQL job queue (team mode); Ctrl+C stops."""
    from procrastinate.exceptions import ConnectorException

    settings = load_settings()
    if not uses_workers(settings):
        raise fail(t("cli.worker.needs_postgres"))
    database, _ = open_database(settings, prepare=False)
    if not schema_is_current(database.engine):
        raise fail(t("cli.worker.not_migrated"))
    service = GradingService(settings)
    try:
        service.check_enabled()
    except SandboxUnavailable as exc:
        raise fail(escape(say_error(exc))) from None
    if service.warning:
        errors.print(f"[bold yellow]{escape(say_reason(service.warning))}[/]", highlight=False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gocoach.worker").setLevel(logging.INFO)
    if settings.grading_warmup:
        service.start_warmup()
    name = f"{socket.gethostname()}:{os.getpid()}"
    options = WorkerOptions(concurrency=concurrency, stalled_after=stalled_after, name=name)
    console.print(t("cli.worker.started", name=name, concurrency=concurrency,
                    isolation=service.grading.isolation), highlight=False)
    try:
        run_worker(queue_app(settings.database_url),
                   worker_grader(service, database.sessions, utc_now), options,
                   projects=worker_tester(service, database.sessions, utc_now,
                                          settings.content_dir))
    except ConnectorException as exc:
        raise fail(t("cli.worker.queue_error", what=exc.__cause__ or exc), 3) from None
    except WorkerStopped as exc:
        raise fail(say_error(exc), 3) from None
    finally:
        service.close()
        database.engine.dispose()
