"""A learner's project runs: stored, summed up per stage, linked to the roadmap items practised.

    >>> row = record_run(session, user=user, project=project, report=report, module=module,
    ...                  source="cli", now=now)                       # doctest: +SKIP
    >>> [(s.number, s.status) for s in stage_states(session, user, project)]  # doctest: +SKIP
    [(1, 'pass'), (2, 'fail'), (3, 'todo'), (4, 'todo')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.curricula.tree import normalize_title
from gocoach.plans.calendar import local_date
from gocoach.plans.timelog import log_time
from gocoach.practice.exercises import LinkedItem, mark_items_done
from gocoach.projects.catalogue import Project
from gocoach.projects.checks import SKIPPED, SKIPPED_MESSAGE
from gocoach.projects.harness import RACE, RACE_MESSAGE, ProjectReport
from gocoach.projects.module import Module
from gocoach.projects.said import Said, from_json, key_of
from gocoach.store.tables import Node, Progress, ProjectSubmission, Roadmap, User

SOURCES = ("web", "cli")
MAX_ID = 2**31 - 1  # ids are INTEGER: PostgreSQL refuses a bigger one in a query
KEPT_SUFFIXES = (".go", "go.mod", "go.sum")
MAX_KEPT_BYTES = 256 * 1024
# Work between two runs of a project on one day counts up to this much: a longer gap is a
# break (a project takes longer between runs than an exercise, whose cap is 30 minutes).
WORK_GAP_CAP = timedelta(minutes=60)


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
    """Store a tester run with its report and the module's source files (for a reviewer), and
    log the day's time on the project (`log_project_time`)."""
    if source not in SOURCES:
        raise ValueError(f"unknown submission source '{source}'; use one of {SOURCES}")
    row = ProjectSubmission(
        user_id=user.id, project=project.slug, status=report.status,
        stages_passed=[s.number for s in report.stages if s.status == "pass"],
        report=report.to_json(), files=kept_files(module), duration_ms=round(report.seconds * 1000),
        source=source, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    log_project_time(session, user=user, project=project, now=now)
    return row


def log_project_time(session: Session, *, user: User, project: Project, now: datetime) -> int:
    """Log the time worked on the project on `now`'s day: one time-log entry per project and
    day (source `project`), recomputed from that day's runs, so logging it again is harmless
    and two runs stored at once leave one entry. Returns its minutes.

    The time is the gaps between consecutive runs of the day, each counting up to WORK_GAP_CAP,
    plus the length of the day's first run (at least a minute in all).
    """
    day = local_date(now)
    runs = session.execute(
        select(ProjectSubmission.created_at, ProjectSubmission.duration_ms)
        .where(ProjectSubmission.user_id == user.id, ProjectSubmission.project == project.slug)
        .order_by(ProjectSubmission.created_at, ProjectSubmission.id)).all()
    minutes = work_minutes([(_aware(at), ms) for at, ms in runs], day)
    items = [item for items in stage_items(session, project).values() for item in items]
    first = items[0] if items else None
    log_time(session, user=user, minutes=minutes, source="project", day=day, now=now,
             roadmap=session.get(Roadmap, first.roadmap_id) if first else None,
             item_key=first.key if first else None, note=project.title,
             ref=f"project:{project.slug}:{day.isoformat()}")
    return minutes


def work_minutes(runs: Sequence[tuple[datetime, int]], day: date) -> int:
    """Minutes worked on `day`, from the (stored at, length in ms) of a project's runs, oldest
    first: the day's first run's length, then the gap up to each next run (which holds that
    run), each gap counting up to WORK_GAP_CAP."""
    seconds = 0.0
    previous: datetime | None = None
    for at, duration_ms in runs:
        if local_date(at) != day:
            continue
        if previous is None:
            seconds += duration_ms / 1000
        else:
            seconds += min(max(at - previous, timedelta(0)), WORK_GAP_CAP).total_seconds()
        previous = at
    return max(1, min(24 * 60, round(seconds / 60)))


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


def stage_verdicts(report: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    """(stage number, status) of each stage a stored report ran (none in an odd one)."""
    stages = report.get("stages") if isinstance(report, dict) else None
    return tuple((int(s.get("number", 0)), str(s.get("status", "")))
                 for s in stages or [] if isinstance(s, dict))


def review_flags(report: dict[str, Any]) -> tuple[str, ...]:
    """What a reviewer should look at in a stored run, beyond the verdict: a race report,
    files left out of the upload, a tester error, a stage skipped for a missing tool. Each is
    a sentence (projects/said.py); runs stored before the keys are read by their Russian."""
    if not isinstance(report, dict):
        return ()
    flags: list[str] = []
    for stage in report.get("stages") or []:
        if not isinstance(stage, dict):
            continue
        number = str(stage.get("number"))
        stored = stage.get("message") or ""
        message = from_json(stored)
        legacy = str(stored) if isinstance(stored, str) else ""
        if key_of(message) == RACE or legacy.startswith(RACE_MESSAGE):
            flags.append(Said("pj.check.flag.race", stage=number))
        if stage.get("status") == "error":
            flags.append(Said("pj.check.flag.error", stage=number))
        if stage.get("status") == "skipped" and (key_of(message) == SKIPPED
                                                 or legacy.startswith(SKIPPED_MESSAGE)):
            flags.append(Said("pj.check.flag.skipped", stage=number, message=message))
    ignored = [str(name) for name in report.get("ignored") or []]
    if ignored:
        names = ", ".join(ignored[:5])
        shown = Said("pj.check.flag.more", names=names, more=len(ignored) - 5) \
            if len(ignored) > 5 else names
        flags.append(Said("pj.check.flag.not_sent", names=shown))
    return tuple(flags)


def summarize(states: Sequence[StageState]) -> tuple[int, int]:
    """(stages passed at least once, stages in all)."""
    return sum(1 for s in states if s.passed_ever), len(states)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
