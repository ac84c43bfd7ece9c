"""Go practice: the exercise catalogue, its links to roadmap items, submissions and their history.

    >>> catalogue = load_catalogue(settings.content_dir)            # doctest: +SKIP
    >>> links = linked_items(session, catalogue, user=user)         # doctest: +SKIP
    >>> record_submission(session, user=user, exercise=ex, files=files, result=result,
    ...                   source="cli", now=now)                    # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.curricula.progress import curricula_version, set_status
from gocoach.curricula.tree import normalize_title
from gocoach.plans.calendar import local_date
from gocoach.plans.timelog import log_time
from gocoach.practice.grading import (
    Exercise,
    GradeResult,
    load_exercises,
    read_files,
    result_to_json,
)
from gocoach.store.tables import Node, Progress, Roadmap, Submission, User

SOURCES = ("web", "cli")
WORK_GAP_CAP = timedelta(minutes=30)
MAX_ID = 2**31 - 1  # ids are INTEGER (PostgreSQL's int4): a bigger id cannot exist, and a query
# with one fails there (SQLite overflows beyond 2**63)


@dataclass(frozen=True)
class LinkedItem:
    """A roadmap item an exercise practises, with the user's status of it."""

    roadmap_slug: str
    roadmap_title: str
    roadmap_id: int
    key: str
    title: str
    status: str = "todo"
    order: tuple[int, int, int] = field(default=(0, 0, 0), compare=False)


def exercises_dir(content_dir: Path) -> Path:
    """Where the shipped exercises live inside the content folder."""
    return content_dir / "exercises"


def load_catalogue(content_dir: Path) -> tuple[Exercise, ...]:
    """Every exercise under `content_dir/exercises`, sorted by slug (empty if there is none)."""
    root = exercises_dir(content_dir)
    return _load(root.resolve()) if root.is_dir() else ()


@lru_cache(maxsize=8)
def _load(root: Path) -> tuple[Exercise, ...]:
    return tuple(load_exercises(root))


def find_exercise(catalogue: Sequence[Exercise], slug: str) -> Exercise:
    """The exercise with this slug, or a LookupError naming the known ones."""
    for exercise in catalogue:
        if exercise.slug == slug:
            return exercise
    known = ", ".join(e.slug for e in catalogue) or "none"
    raise LookupError(f"no exercise '{slug}' (known: {known})")


def linked_items(
    session: Session, catalogue: Sequence[Exercise], *, user: User | None = None
) -> dict[str, list[LinkedItem]]:
    """slug → the roadmap items whose title matches one of the exercise's `practises` texts.

    Matching reads every item's title, so the match is kept per process until the curricula
    change (an import, a new or removed roadmap): the dashboard does not grow with a 40k-item
    roadmap that no exercise practises. The user's statuses are read for the matched items only.
    """
    base = _matched_items(session, catalogue)
    if user is None:
        return base
    keys = {item.key for items in base.values() for item in items}
    statuses = _statuses(session, user, keys)
    return {slug: [replace(i, status=statuses.get((i.roadmap_id, i.key), "todo")) for i in items]
            for slug, items in base.items()}


_MATCHES: OrderedDict[tuple[object, ...], dict[str, list[LinkedItem]]] = OrderedDict()
_MATCHES_LOCK = threading.Lock()
_MATCHES_KEPT = 16


def _matched_items(session: Session, catalogue: Sequence[Exercise]
                   ) -> dict[str, list[LinkedItem]]:
    key = (curricula_version(session),
           tuple((e.slug, tuple(e.practises)) for e in catalogue))
    with _MATCHES_LOCK:
        if key in _MATCHES:
            _MATCHES.move_to_end(key)
            return _MATCHES[key]
    wanted = {normalize_title(p) for e in catalogue for p in e.practises}
    rows = session.execute(
        select(Node.key, Node.title, Node.position, Roadmap.id, Roadmap.slug, Roadmap.title,
               Roadmap.position)
        .join(Roadmap, Roadmap.id == Node.roadmap_id)
        .where(Node.kind == "item", Node.trackable.is_(True))
        .order_by(Roadmap.position, Roadmap.id, Node.position)
    ).all()
    by_title: dict[str, list[LinkedItem]] = {}
    for node_key, title, position, roadmap_id, slug, roadmap_title, roadmap_position in rows:
        norm = normalize_title(title)
        if norm in wanted:
            order = (roadmap_position, roadmap_id, position)
            by_title.setdefault(norm, []).append(
                LinkedItem(slug, roadmap_title, roadmap_id, node_key, title, "todo", order)
            )
    matched = {
        e.slug: list(dict.fromkeys(
            item for p in e.practises for item in by_title.get(normalize_title(p), [])))
        for e in catalogue
    }
    with _MATCHES_LOCK:
        _MATCHES[key] = matched
        while len(_MATCHES) > _MATCHES_KEPT:
            _MATCHES.popitem(last=False)
    return matched


def exercises_by_item(
    catalogue: Sequence[Exercise], links: Mapping[str, Sequence[LinkedItem]]
) -> list[tuple[LinkedItem, list[Exercise]]]:
    """Roadmap items in document order, each with the exercises that practise it."""
    groups: dict[LinkedItem, list[Exercise]] = {}
    for exercise in catalogue:
        for item in links.get(exercise.slug, ()):
            groups.setdefault(item, []).append(exercise)
    return sorted(groups.items(), key=lambda pair: pair[0].order)


def _statuses(session: Session, user: User, keys: Collection[str]
              ) -> dict[tuple[int, str], str]:
    if not keys:
        return {}
    rows = session.execute(
        select(Progress.roadmap_id, Progress.node_key, Progress.status).where(
            Progress.user_id == user.id, Progress.node_key.in_(sorted(keys))
        )
    )
    return {(roadmap_id, key): status for roadmap_id, key, status in rows}


def exercises_for_item(catalogue: Sequence[Exercise], title: str) -> list[Exercise]:
    """The exercises that practise the roadmap item with this title."""
    norm = normalize_title(title)
    return [e for e in catalogue if any(normalize_title(p) == norm for p in e.practises)]


def record_submission(
    session: Session,
    *,
    user: User,
    exercise: Exercise,
    files: Mapping[str, str],
    result: GradeResult,
    source: str,
    now: datetime,
    started_at: datetime | None = None,
    links: Sequence[LinkedItem] = (),
) -> Submission:
    """Store a graded submission and log the time worked on the exercise today."""
    if source not in SOURCES:
        raise ValueError(f"unknown submission source '{source}'; use one of {SOURCES}")
    previous = last_submission(session, user, exercise.slug)
    anchors = [a for a in (started_at, previous.created_at if previous else None) if a]
    since = max(_aware(a) for a in anchors) if anchors else now
    work = min(max(now - since, timedelta(0)), WORK_GAP_CAP)
    row = Submission(
        user_id=user.id,
        exercise=exercise.slug,
        files=stored_files(files, result),
        status=result.status,
        result=result_to_json(result),
        duration_ms=round(result.duration_seconds * 1000),
        work_seconds=int(work.total_seconds()),
        source=source,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _log_day(session, user, exercise, now, links)
    return row


def stored_files(files: Mapping[str, str], result: GradeResult) -> dict[str, str]:
    """The files worth keeping: none of a submission refused before compiling (it may be huge
    or not code at all); its result says why it was refused."""
    return {} if result.stage == "rejected" else dict(files)


def _log_day(
    session: Session, user: User, exercise: Exercise, now: datetime, links: Sequence[LinkedItem]
) -> None:
    """Minutes worked on this exercise today: one time-log entry per exercise and day."""
    day = local_date(now)
    rows = session.scalars(
        select(Submission).where(Submission.user_id == user.id,
                                 Submission.exercise == exercise.slug)
    )
    seconds = sum(r.work_seconds for r in rows if local_date(_aware(r.created_at)) == day)
    first = links[0] if links else None
    log_time(
        session,
        user=user,
        minutes=max(1, round(seconds / 60)),
        source="exercise",
        day=day,
        now=now,
        roadmap=session.get(Roadmap, first.roadmap_id) if first else None,
        item_key=first.key if first else None,
        note=exercise.title,
        ref=f"exercise:{exercise.slug}:{day.isoformat()}",
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last_submission(session: Session, user: User, slug: str) -> Submission | None:
    """The user's latest submission of one exercise."""
    return session.scalars(
        select(Submission)
        .where(Submission.user_id == user.id, Submission.exercise == slug)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    ).one_or_none()


def submission_history(
    session: Session, user: User, slug: str, *, limit: int = 20
) -> list[Submission]:
    """The user's submissions of one exercise, newest first."""
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.user_id == user.id, Submission.exercise == slug)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(limit)
        )
    )


def get_submission(session: Session, user: User, submission_id: int) -> Submission:
    """One of the user's submissions, or a LookupError."""
    if not 0 < submission_id <= MAX_ID:
        raise LookupError(f"no submission {submission_id}")
    row = session.get(Submission, submission_id)
    if row is None or row.user_id != user.id:
        raise LookupError(f"no submission {submission_id}")
    return row


def last_statuses(session: Session, user: User) -> dict[str, str]:
    """slug → status of the user's latest submission (pass/fail/error)."""
    rows = session.execute(
        select(Submission.exercise, Submission.status)
        .where(Submission.user_id == user.id)
        .order_by(Submission.created_at, Submission.id)
    )
    return {slug: status for slug, status in rows}


@dataclass(frozen=True)
class PracticeFacts:
    """One exercise's facts for one user: first pass and minutes worked."""

    passed_at: datetime | None
    minutes: int


def practice_facts(session: Session, user: User) -> dict[str, PracticeFacts]:
    """slug → first passing time and total minutes worked, for every exercise tried."""
    passed: dict[str, datetime] = {}
    seconds: dict[str, int] = {}
    rows = session.execute(
        select(Submission.exercise, Submission.status, Submission.created_at,
               Submission.work_seconds).where(Submission.user_id == user.id)
    )
    for slug, status, created_at, work in rows:
        seconds[slug] = seconds.get(slug, 0) + work
        at = _aware(created_at)
        if status == "pass" and (slug not in passed or at < passed[slug]):
            passed[slug] = at
    return {
        slug: PracticeFacts(passed.get(slug), round(total / 60))
        for slug, total in seconds.items()
    }


def store_graded(
    session: Session,
    *,
    user_id: int,
    exercise: Exercise,
    files: Mapping[str, str],
    result: GradeResult,
    source: str,
    now: datetime,
    started_at: datetime | None = None,
) -> int:
    """Record a finished grading job for a user known by id (the queue's worker threads)."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    links = linked_items(session, [exercise], user=user)[exercise.slug]
    row = record_submission(session, user=user, exercise=exercise, files=files, result=result,
                            source=source, now=now, started_at=started_at, links=links)
    return row.id


def mark_items_done(
    session: Session, *, user: User, items: Sequence[LinkedItem], now: datetime, source: str
) -> list[LinkedItem]:
    """Mark the linked items that are not done yet as done; return the ones changed."""
    changed = []
    for item in items:
        if item.status == "done":
            continue
        roadmap = session.get(Roadmap, item.roadmap_id)
        if roadmap is None:
            continue
        set_status(session, user=user, roadmap=roadmap, key=item.key, status="done", now=now,
                   source=source)
        changed.append(item)
    return changed


# --- what a learner is shown of a result: never the hidden tests' source -------------------

STAGES = ("rejected", "build", "vet", "run", "internal")
# what is stored in place of a compiler line about a hidden test: a language-neutral mark that
# the faces word ("an error in a hidden test (text withheld)"); the web hides such lines
HIDDEN_LINE = "<hidden>"
_PLACE = re.compile(
    r"^(?:vet: )?(?:\./)?(?P<file>[\w.\-]+\.go):(?P<line>\d+)(?::(?P<column>\d+))?:\s?(?P<text>.*)$"
)


@dataclass(frozen=True)
class CompilerLine:
    """One line of the compiler's (or go vet's) output; the place it names, if any."""

    text: str
    file: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class BuildReport:
    """What the compiler said about a submission that did not build, fit to show the learner:
    its lines without those in hidden test files, which are only counted."""

    lines: tuple[CompilerLine, ...]
    hidden_errors: int


def hidden_test_files(exercise: Exercise) -> frozenset[str]:
    """The names of the exercise's hidden test files."""
    return frozenset(read_files(exercise, "hidden"))


def solution_files(exercise: Exercise) -> dict[str, str]:
    """The reference solution's .go files (shown once the learner's own submission passed)."""
    return {name: text for name, text in read_files(exercise, "solution").items()
            if name.endswith(".go")}


def has_passed(session: Session, user: User, slug: str) -> bool:
    """Whether one of the user's own submissions of this exercise passed every test."""
    return session.scalars(
        select(Submission.id).where(Submission.user_id == user.id, Submission.exercise == slug,
                                    Submission.status == "pass").limit(1)
    ).first() is not None


def result_stage(doc: Mapping[str, Any]) -> str:
    """Where grading stopped (see grading.results.Stage), also for results stored before the
    stage was recorded: an error without tests stopped before running them."""
    stage = doc.get("stage")
    if stage in STAGES:
        return str(stage)
    if doc.get("tests") or doc.get("status") != "error":
        return "run"
    message = str(doc.get("message") or "")
    if message.startswith("go vet"):
        return "vet"
    return "rejected" if message.startswith("Решение не принято") else "build"


def build_report(message: str | None, hidden: Collection[str]) -> BuildReport:
    """The compiler's lines of a build or vet failure: the grader's heading dropped, each
    line's place parsed, lines in hidden test files (and their continuation lines) counted
    but not kept.

    >>> build_report("Решение не компилируется:\\npool.go:3:7: undefined: x", set()).lines
    (CompilerLine(text='undefined: x', file='pool.go', line=3, column=7),)
    """
    raw = (message or "").splitlines()
    if raw and raw[0].endswith(":") and not _PLACE.match(raw[0]):
        raw = raw[1:]
    lines: list[CompilerLine] = []
    hidden_errors, skipping = 0, False
    for text in raw:
        place = _PLACE.match(text)
        if skipping and place is None and text[:1].isspace():
            continue
        skipping = place is not None and place["file"] in hidden
        if skipping:
            hidden_errors += 1
        elif place is not None:
            lines.append(CompilerLine(place["text"], place["file"], int(place["line"]),
                                      int(place["column"]) if place["column"] else None))
        elif text.strip():
            lines.append(CompilerLine(text))
    return BuildReport(tuple(lines), hidden_errors)


def conceal_hidden_tests(result: GradeResult, hidden: Collection[str]) -> GradeResult:
    """The result without the hidden tests' source: their code dropped, and the compiler's
    lines about a hidden test file cut to its place (they quote the test's code and data)."""
    tests = tuple(replace(t, test_code="") if t.hidden else t for t in result.tests)
    message = result.message
    if result.stage in ("build", "vet") and message:
        kept: list[str] = []
        skipping = False
        for text in message.splitlines():
            place = _PLACE.match(text)
            if skipping and place is None and text[:1].isspace():
                continue
            skipping = place is not None and place["file"] in hidden
            kept.append(f"{place['file']}:{place['line']}: {HIDDEN_LINE}"
                        if skipping and place is not None else text)
        message = "\n".join(kept)
    return replace(result, tests=tests, message=message)
