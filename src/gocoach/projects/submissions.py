"""A learner's project runs: stored, summed up per stage, linked to the roadmap items practised.

    >>> row = record_run(session, user=user, project=project, report=report, module=module,
    ...                  source="cli", now=now)                       # doctest: +SKIP
    >>> [(s.number, s.status) for s in stage_states(session, user, project)]  # doctest: +SKIP
    [(1, 'pass'), (2, 'fail'), (3, 'todo'), (4, 'todo')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.curricula.tree import normalize_title
from gocoach.practice.exercises import LinkedItem, mark_items_done
from gocoach.projects.catalogue import Project
from gocoach.projects.harness import ProjectReport
from gocoach.projects.module import Module
from gocoach.store.tables import Node, Progress, ProjectSubmission, Roadmap, User

SOURCES = ("web", "cli")
MAX_ID = 2**31 - 1  # ids are INTEGER: PostgreSQL refuses a bigger one in a query
KEPT_SUFFIXES = (".go", "go.mod", "go.sum")
MAX_KEPT_BYTES = 256 * 1024


@dataclass(frozen=True)
class StageState:
    """Where a learner is with one stage: the latest result, and whether it ever passed."""

    number: int
    title: str
    status: str  # pass, fail, error, skipped — of the latest run that ran it — or todo
    result: dict[str, Any] | None
    submission_id: int | None
    at: datetime | None
    passed_ever: bool


def record_run(
    session: Session, *, user: User, project: Project, report: ProjectReport, module: Module,
    source: str, now: datetime,
) -> ProjectSubmission:
    """Store a tester run with its report and the module's source files (for a reviewer)."""
    if source not in SOURCES:
        raise ValueError(f"unknown submission source '{source}'; use one of {SOURCES}")
    row = ProjectSubmission(
        user_id=user.id, project=project.slug, status=report.status,
        stages_passed=[s.number for s in report.stages if s.status == "pass"],
        report=report.to_json(), files=kept_files(module), duration_ms=round(report.seconds * 1000),
        source=source, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def kept_files(module: Module) -> dict[str, str]:
    """The module's own Go sources (no vendor/), when they are small enough to keep."""
    kept: dict[str, str] = {}
    size = 0
    for name, data in sorted(module.files.items()):
        if name.startswith("vendor/") or not name.endswith(KEPT_SUFFIXES):
            continue
        size += len(data)
        if size > MAX_KEPT_BYTES:
            return {}
        kept[name] = data.decode("utf-8", errors="replace")
    return kept


def project_history(
    session: Session, user: User, slug: str, *, limit: int = 20
) -> list[ProjectSubmission]:
    """The user's runs of one project, newest first."""
    return list(session.scalars(
        select(ProjectSubmission)
        .where(ProjectSubmission.user_id == user.id, ProjectSubmission.project == slug)
        .order_by(ProjectSubmission.created_at.desc(), ProjectSubmission.id.desc())
        .limit(limit)))


def get_project_submission(session: Session, user: User, submission_id: int) -> ProjectSubmission:
    """One of the user's project runs, or a LookupError."""
    if not 0 < submission_id <= MAX_ID:
        raise LookupError(f"no project submission {submission_id}")
    row = session.get(ProjectSubmission, submission_id)
    if row is None or row.user_id != user.id:
        raise LookupError(f"no project submission {submission_id}")
    return row


def stage_states(session: Session, user: User, project: Project) -> list[StageState]:
    """Each stage's latest result (from the newest run that ran it) and whether it ever passed."""
    rows = list(session.scalars(
        select(ProjectSubmission)
        .where(ProjectSubmission.user_id == user.id, ProjectSubmission.project == project.slug)
        .order_by(ProjectSubmission.created_at, ProjectSubmission.id)))
    latest: dict[int, tuple[dict[str, Any], ProjectSubmission]] = {}
    passed: set[int] = set()
    for row in rows:
        for result in row.report.get("stages", []):
            number = int(result.get("number", 0))
            if result.get("status") == "skipped":
                continue
            latest[number] = (result, row)
            if result.get("status") == "pass":
                passed.add(number)
    states = []
    for stage in project.stages:
        found = latest.get(stage.number)
        if found is None:
            states.append(StageState(stage.number, stage.title, "todo", None, None, None,
                                     stage.number in passed))
            continue
        result, row = found
        states.append(StageState(stage.number, stage.title, str(result.get("status")), result,
                                 row.id, _aware(row.created_at), stage.number in passed))
    return states


def progress_by_project(session: Session, user: User) -> dict[str, set[int]]:
    """slug → the stage numbers the user has passed at least once."""
    passed: dict[str, set[int]] = {}
    rows = session.execute(select(ProjectSubmission.project, ProjectSubmission.stages_passed)
                           .where(ProjectSubmission.user_id == user.id))
    for slug, stages in rows:
        passed.setdefault(slug, set()).update(int(n) for n in stages or [])
    return passed


def stage_items(
    session: Session, project: Project, *, user: User | None = None
) -> dict[int, list[LinkedItem]]:
    """Stage number → the roadmap items whose title is one of the stage's `practises`."""
    wanted = {normalize_title(p) for stage in project.stages for p in stage.practises}
    rows = session.execute(
        select(Node.key, Node.title, Node.position, Roadmap.id, Roadmap.slug, Roadmap.title,
               Roadmap.position)
        .join(Roadmap, Roadmap.id == Node.roadmap_id)
        .where(Node.kind == "item", Node.trackable.is_(True))
        .order_by(Roadmap.position, Roadmap.id, Node.position))
    statuses = _statuses(session, user) if user is not None else {}
    by_title: dict[str, list[LinkedItem]] = {}
    for key, title, position, roadmap_id, slug, roadmap_title, roadmap_position in rows:
        norm = normalize_title(title)
        if norm in wanted:
            by_title.setdefault(norm, []).append(LinkedItem(
                slug, roadmap_title, roadmap_id, key, title,
                statuses.get((roadmap_id, key), "todo"), (roadmap_position, roadmap_id, position)))
    return {stage.number: list(dict.fromkeys(
        item for p in stage.practises for item in by_title.get(normalize_title(p), [])))
        for stage in project.stages}


def _statuses(session: Session, user: User) -> dict[tuple[int, str], str]:
    rows = session.execute(select(Progress.roadmap_id, Progress.node_key, Progress.status)
                           .where(Progress.user_id == user.id))
    return {(roadmap_id, key): status for roadmap_id, key, status in rows}


def mark_stage_done(
    session: Session, *, user: User, project: Project, stage: int, now: datetime, source: str
) -> list[LinkedItem]:
    """Mark the roadmap items of a stage the user has passed as done; the ones changed.

    A stage never passed is refused (ValueError): the offer comes with a pass.
    """
    project.stage(stage)
    if stage not in progress_by_project(session, user).get(project.slug, set()):
        raise ValueError(f"stage {stage} of '{project.slug}' has not passed yet; run "
                         "`gocoach project submit` first")
    items = stage_items(session, project, user=user)[stage]
    return mark_items_done(session, user=user, items=items, now=now, source=source)


def summarize(states: Sequence[StageState]) -> tuple[int, int]:
    """(stages passed at least once, stages in all)."""
    return sum(1 for s in states if s.passed_ever), len(states)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
