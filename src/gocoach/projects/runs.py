"""Tester runs through the app's grading service: the same sandbox, uid leases and queue as
exercises, so a server never runs more builds at once than it has grading slots.

    >>> report = run_tester(service, project, module)                       # CLI: synchronous
    >>> job = enqueue_tester(service, project, module, owner=user.id, on_done=store)  # web
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gocoach.practice.grading import GradeResult
from gocoach.practice.service import GradingService, Outcome
from gocoach.projects.catalogue import Project
from gocoach.projects.harness import ProjectReport, StageResult, check_project
from gocoach.projects.module import Module

JOB_PREFIX = "project:"


@dataclass(frozen=True)
class Finished:
    """What a queued tester run left: its report and what the completion callback returned."""

    report: ProjectReport
    stored: Any = None


def run_tester(
    service: GradingService,
    project: Project,
    module: Module,
    *,
    stages: Sequence[int] | None = None,
    on_stage: Callable[[StageResult], None] | None = None,
) -> ProjectReport:
    """Build and test now, on this thread, as a uid leased for this run alone.

    SandboxUnavailable when the machine refuses grading (server mode without bubblewrap).
    """
    with service.lease() as (settings, work_root):
        return check_project(project, module, settings=settings, work_root=work_root,
                             stages=stages, on_stage=on_stage)


def enqueue_tester(
    service: GradingService,
    project: Project,
    module: Module,
    *,
    owner: int,
    stages: Sequence[int] | None = None,
    on_done: Callable[[ProjectReport], Any] | None = None,
) -> str:
    """Queue a run in the exercises' line; QueueBusy when full. Poll with `service.job`
    (slug `project:<slug>`): its Outcome's `stored` is a `Finished`."""

    def work(slot: int) -> Outcome:
        report = run_tester(service, project, module, stages=stages)
        stored = on_done(report) if on_done is not None else None
        summary = GradeResult(report.status, report.message, duration_seconds=report.seconds)
        return Outcome(summary, Finished(report, stored))

    return service.enqueue_work(work, owner=owner, slug=job_slug(project))


def job_slug(project: Project) -> str:
    """The slug a project's queued runs are filed under (distinct from exercise slugs)."""
    return JOB_PREFIX + project.slug
