"""Practice pages: the exercise list, an exercise with its editor, queued runs and results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from gocoach.practice.exercises import (
    build_report,
    exercises_by_item,
    find_exercise,
    get_submission,
    has_passed,
    hidden_test_files,
    last_statuses,
    last_submission,
    linked_items,
    result_stage,
    solution_files,
    store_graded,
    submission_history,
)
from gocoach.practice.grading import (
    Exercise,
    GradeResult,
    JobStatus,
    QueueBusy,
    SandboxUnavailable,
    read_files,
    result_to_json,
)
from gocoach.practice.jobs import request_status, submit_request
from gocoach.practice.service import GradingService, Outcome
from gocoach.questions.rendering import render_markdown
from gocoach.startup import Database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.tables import User
from gocoach.teams.reviews import exercise_reviews, mark_reviews_read
from gocoach.web.deps import CurrentUser, Page, PageDep, SessionDep

router = APIRouter()
FILE_FIELD = "file:"


def get_grading(request: Request) -> GradingService:
    """The app's grading service (started with the app)."""
    service: GradingService = request.app.state.grading
    return service


GradingDep = Annotated[GradingService, Depends(get_grading)]


@router.get("/exercises")
def list_exercises(
    session: SessionDep, user: CurrentUser, page: PageDep, grading: GradingDep
) -> Response:
    """Every exercise with your last result, then grouped by the roadmap items they practise."""
    links = linked_items(session, grading.catalogue, user=user)
    return page.render("exercises.html", exercises=grading.catalogue, links=links,
                       groups=exercises_by_item(grading.catalogue, links),
                       last=last_statuses(session, user), grading=grading)


@router.get("/exercises/warmup")
def read_warmup(page: PageDep, grading: GradingDep) -> Response:
    """The warm-up progress bar (polled while the build cache is being filled)."""
    return page.render("_exercise_warmup.html", grading=grading)


@router.get("/exercises/{slug}")
def read_exercise(
    slug: str, session: SessionDep, user: CurrentUser, page: PageDep, grading: GradingDep
) -> Response:
    """The statement, an editor per starter file, the visible tests and your history."""
    exercise = find_exercise(grading.catalogue, slug)
    last = last_submission(session, user, slug)
    reviews = {}
    if page.settings.mode == "server":  # mentors' review comments (teams); seen once shown
        reviews = exercise_reviews(session, user, slug)
        mark_reviews_read(session, learner=user, exercise=slug, now=utc_now())
    return page.render(
        "exercise.html",
        reviews=reviews,
        exercise=exercise,
        statement=render_markdown(_statement(exercise)),
        files=_editor_files(exercise, last.files if last else {}),
        starter=_starter_files(exercise),
        tests=[(name, render_markdown(f"```go\n{code}\n```"))
               for name, code in read_files(exercise, "tests").items()],
        items=linked_items(session, [exercise], user=user)[slug],
        history=submission_history(session, user, slug),
        stage_of=result_stage,
        solved=has_passed(session, user, slug),
        started_at=utc_now().isoformat(),
        grading=grading,
    )


@router.get("/exercises/{slug}/solution")
def read_solution(
    slug: str, request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
    grading: GradingDep,
) -> Response:
    """The reference solution, once one of your own submissions passed (403 before)."""
    exercise = find_exercise(grading.catalogue, slug)
    if not has_passed(session, user, slug):
        return _refuse(page, request, 403, page.t("ex.solution_locked"))
    files = solution_files(exercise)
    if not files:
        return _refuse(page, request, 404, page.t("ex.solution_none"))
    return page.render(
        "exercise_solution.html", exercise=exercise,
        files=[(name, render_markdown(f"```go\n{code}\n```")) for name, code in files.items()],
    )


@router.post("/exercises/{slug}/submissions")
async def create_submission(
    slug: str, request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
    grading: GradingDep,
) -> Response:
    """Queue the editor's files for grading; the answer polls until the results are in."""
    exercise = find_exercise(grading.catalogue, slug)
    form = await request.form()
    files = {key[len(FILE_FIELD):]: str(value) for key, value in form.multi_items()
             if key.startswith(FILE_FIELD)}
    starter = read_files(exercise, "starter")  # a file the reset emptied is not sent on
    files = {name: text for name, text in files.items() if name in starter or text.strip()}
    started_at = _parse_time(str(form.get("started_at") or ""))
    try:
        if grading.queue_app is not None:  # team mode: a `gocoach worker` grades it
            job_id = submit_request(session, app=grading.queue_app, user=user,
                                    exercise=exercise, files=files, started_at=started_at,
                                    now=utc_now(), max_waiting=grading.settings.grading_queue)
        else:
            store = _storer(request.app.state.database, user.id, exercise, files, started_at)
            job_id = grading.enqueue(exercise, files, owner=user.id, on_done=store)
    except QueueBusy:
        return page.render("_exercise_refused.html", status_code=503,
                           message=page.t("ex.busy"))
    except SandboxUnavailable as exc:  # the fragment words the reason in the page's language
        return page.render("_exercise_refused.html", status_code=503, message=exc.reason)
    return _job_fragment(page, exercise, job_id, grading, user, session)


@router.get("/exercises/{slug}/jobs/{job_id}")
def read_job(
    slug: str, job_id: str, session: SessionDep, user: CurrentUser, page: PageDep,
    grading: GradingDep,
) -> Response:
    """Where a queued run is: its place in line, running, or its results."""
    exercise = find_exercise(grading.catalogue, slug)
    return _job_fragment(page, exercise, job_id, grading, user, session)


@router.get("/exercises/{slug}/submissions/{submission_id}")
def read_submission(
    slug: str, submission_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
    grading: GradingDep,
) -> Response:
    """The results of one earlier submission."""
    exercise = find_exercise(grading.catalogue, slug)
    row = get_submission(session, user, submission_id)
    if row.exercise != slug:
        raise LookupError(f"submission {submission_id} is not for '{slug}'")
    return _result(page, session, user, exercise, row.result, submission=row)


def _job_fragment(
    page: Page, exercise: Exercise, job_id: str, grading: GradingService, user: User,
    session: Session,
) -> Response:
    if grading.queue_app is not None:
        return _worker_job_fragment(page, exercise, job_id, user, session)
    status = grading.job(job_id, owner=user.id, slug=exercise.slug)
    if status.state in ("waiting", "running"):
        return page.render("_exercise_job.html", exercise=exercise, job=status)
    if status.state == "failed" or status.result is None:
        return page.render("_exercise_refused.html", message=status.error or page.t("ex.failed"))
    outcome: Outcome = status.result
    return _result(page, session, user, exercise, result_to_json(outcome.result), live=True,
                   submission_id=outcome.stored)


def _worker_job_fragment(
    page: Page, exercise: Exercise, job_id: str, user: User, session: Session
) -> Response:
    """Team mode: the place in line from the job queue, then the submission a worker stored."""
    queued = request_status(session, job_id, owner=user.id, slug=exercise.slug)
    if queued.state in ("waiting", "running"):
        job: JobStatus[None] = JobStatus(job_id, queued.state, position=queued.position)
        return page.render("_exercise_job.html", exercise=exercise, job=job,
                           no_graders=queued.graders == 0)
    if queued.submission_id is None:
        reason = f" ({queued.error})" if queued.error else ""
        return page.render("_exercise_refused.html", message=page.t("ex.failed") + reason)
    row = get_submission(session, user, queued.submission_id)
    return _result(page, session, user, exercise, row.result, live=True, submission_id=row.id)


def _result(
    page: Page, session: Session, user: User, exercise: Exercise, doc: dict[str, Any], *,
    live: bool = False, **context: Any,
) -> Response:
    """One graded result; a live one (just graded) also refreshes the history and marks the
    compiler's lines in the editor. The hidden tests' code is never shown, even of results
    stored before the grader stopped keeping it."""
    hidden = hidden_test_files(exercise)
    stage = result_stage(doc)
    report = build_report(doc.get("message"), hidden) if stage in ("build", "vet") else None
    history = submission_history(session, user, exercise.slug) if live else None
    return page.render(
        "_exercise_result.html", exercise=exercise, doc=doc, stage=stage, report=report,
        items=linked_items(session, [exercise], user=user)[exercise.slug], live=live,
        history=history, stage_of=result_stage, code=_test_code(doc),
        solved=has_passed(session, user, exercise.slug), **context,
    )


def _refuse(page: Page, request: Request, status: int, message: str) -> Response:
    if request.headers.get("hx-request"):
        return PlainTextResponse(message, status_code=status)
    return page.render("error.html", status_code=status, message=message)


def _storer(
    database: Database, user_id: int, exercise: Exercise, files: dict[str, str],
    started_at: datetime | None,
) -> Callable[[GradeResult], int]:
    """What the worker thread does with a result: save it in its own transaction."""

    def store(result: GradeResult) -> int:
        with transaction(database.sessions) as session:
            return store_graded(session, user_id=user_id, exercise=exercise, files=files,
                                result=result, source="web", now=utc_now(),
                                started_at=started_at)

    return store


def _test_code(doc: dict[str, Any]) -> dict[str, Markup]:
    """Each visible test's source, highlighted like the statement's code (hidden ones: none)."""
    return {test["name"]: render_markdown(f"```go\n{test['test_code']}\n```")
            for test in doc.get("tests", []) if test.get("test_code") and not test.get("hidden")}


def _statement(exercise: Exercise) -> str:
    readme = exercise.path / "README.md"
    return readme.read_text(encoding="utf-8") if readme.is_file() else ""


def _editor_files(exercise: Exercise, saved: dict[str, str]) -> list[tuple[str, str]]:
    """One tab per starter .go file, holding your last submitted version when there is one."""
    starter = read_files(exercise, "starter")
    names = [n for n in starter if n.endswith(".go")]
    names += sorted(n for n in saved if n not in starter and n.endswith(".go"))
    return [(name, saved.get(name, starter.get(name, ""))) for name in names]


def _starter_files(exercise: Exercise) -> dict[str, str]:
    """The starter's .go files, which the reset button puts back in the editor."""
    return {name: text for name, text in read_files(exercise, "starter").items()
            if name.endswith(".go")}


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
