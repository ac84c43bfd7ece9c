"""Project pages: the list, a project with its stages, uploads tested in the grading queue (in
team mode, a job for `gocoach worker`), and the mentors' reviews of the learner's runs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gocoach.practice.grading import JobStatus, QueueBusy, SandboxUnavailable
from gocoach.practice.service import GradingService, Outcome
from gocoach.projects.catalogue import Project, find_project, load_projects, module_files
from gocoach.projects.harness import ProjectReport
from gocoach.projects.jobs import project_request_status, submit_project_request
from gocoach.projects.module import (
    MAX_ARCHIVE_BYTES,
    Module,
    ModuleRejected,
    unpack_archive,
)
from gocoach.projects.runs import Finished, enqueue_tester, job_slug
from gocoach.projects.submissions import (
    get_project_submission,
    progress_by_project,
    project_history,
    record_run,
    stage_items,
    stage_states,
)
from gocoach.questions.rendering import render_markdown
from gocoach.startup import Database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.tables import User
from gocoach.teams.reviews import mark_project_reviews_read, project_reviews
from gocoach.web.deps import CurrentUser, Page, PageDep, SessionDep

router = APIRouter()
UPLOAD_SLACK = 64 * 1024  # multipart framing around the archive


def get_grading(request: Request) -> GradingService:
    """The app's grading service (started with the app)."""
    service: GradingService = request.app.state.grading
    return service


def get_projects(request: Request) -> tuple[Project, ...]:
    """The shipped projects (content/projects)."""
    return load_projects(request.app.state.settings.content_dir)


GradingDep = Annotated[GradingService, Depends(get_grading)]
ProjectsDep = Annotated[tuple[Project, ...], Depends(get_projects)]


@router.get("/projects")
def list_projects(
    session: SessionDep, user: CurrentUser, page: PageDep, projects: ProjectsDep
) -> Response:
    """Every project with its stages and how far you got."""
    return page.render("projects.html", projects=projects,
                       passed=progress_by_project(session, user))


@router.get("/projects/{slug}")
def read_project(
    slug: str, session: SessionDep, user: CurrentUser, page: PageDep, projects: ProjectsDep,
    grading: GradingDep,
) -> Response:
    """The overview, each stage with its statement, status, latest output and roadmap items;
    in server mode, the mentors' reviews of your runs (seen once shown)."""
    project = find_project(projects, slug)
    reviews = {}
    if page.settings.mode == "server":
        reviews = project_reviews(session, user, slug)
        mark_project_reviews_read(session, learner=user, project=slug, now=utc_now())
    return page.render(
        "project.html", project=project, overview=render_markdown(project.overview()),
        statements={s.number: render_markdown(project.statement(s.number, page.lang))
                    for s in project.stages},
        states=stage_states(session, user, project), items=stage_items(session, project,
                                                                       user=user),
        history=project_history(session, user, slug), refusal=grading.refusal,
        max_mib=MAX_ARCHIVE_BYTES // 1024 // 1024, reviews=reviews)


@router.get("/projects/{slug}/starter.zip")
def download_starter(slug: str, projects: ProjectsDep) -> Response:
    """The starter module and the statements as a zip, for working in your own editor."""
    project = find_project(projects, slug)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in module_files(project, "starter").items():
            archive.writestr(f"{slug}/{name}", data)
        statements = "\n\n".join([project.overview()] + [project.statement(s.number)
                                                          for s in project.stages])
        archive.writestr(f"{slug}/PROJECT.md", statements)
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.zip"'})


@router.post("/projects/{slug}/submissions")
async def create_submission(
    slug: str, request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
    projects: ProjectsDep, grading: GradingDep,
) -> Response:
    """Queue an uploaded module (.zip or .tar.gz) for testing; the answer polls for results."""
    project = find_project(projects, slug)
    if grading.refusal:
        return page.render("_project_refused.html", status_code=503, message=grading.refusal)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_ARCHIVE_BYTES + UPLOAD_SLACK:
        return _refused(page, 413, page.t("pj.too_large").format(
            mib=MAX_ARCHIVE_BYTES // 1024 // 1024))
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("archive")
    stage = str(form.get("stage") or "")
    if upload is None or isinstance(upload, str):
        return _refused(page, 400, page.t("pj.no_archive"))
    data = await upload.read(MAX_ARCHIVE_BYTES + 1)
    try:
        module = unpack_archive(data)
        stages = [int(stage)] if stage.isdigit() else None
        if stages:
            project.stage(stages[0])
    except (ModuleRejected, LookupError) as exc:
        return _refused(page, 400, page.words.error(exc))
    try:
        if grading.queue_app is not None:  # team mode: a `gocoach worker` tests it
            job_id = submit_project_request(session, app=grading.queue_app, user=user,
                                            project=project, module=module, stages=stages,
                                            now=utc_now(),
                                            max_waiting=grading.settings.grading_queue)
        else:
            store = _storer(request.app.state.database, user.id, project, module)
            job_id = enqueue_tester(grading, project, module, owner=user.id, stages=stages,
                                    on_done=store)
    except QueueBusy:
        return _refused(page, 503, page.t("ex.busy"))
    except SandboxUnavailable as exc:  # the fragment words the reason in the page's language
        return _refused(page, 503, exc.reason)
    return _job_fragment(page, project, job_id, grading, user, session)


@router.get("/projects/{slug}/jobs/{job_id}")
def read_job(
    slug: str, job_id: str, session: SessionDep, user: CurrentUser, page: PageDep,
    projects: ProjectsDep, grading: GradingDep,
) -> Response:
    """Where a queued run is: its place in line, running, or its results."""
    return _job_fragment(page, find_project(projects, slug), job_id, grading, user, session)


@router.get("/projects/{slug}/submissions/{submission_id}")
def read_submission(
    slug: str, submission_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
    projects: ProjectsDep,
) -> Response:
    """The report of one earlier run."""
    project = find_project(projects, slug)
    row = get_project_submission(session, user, submission_id)
    if row.project != slug:
        raise LookupError(f"project submission {submission_id} is not for '{slug}'")
    return page.render("_project_result.html", project=project, doc=row.report,
                       submission_id=row.id, items=stage_items(session, project, user=user))


def _job_fragment(
    page: Page, project: Project, job_id: str, grading: GradingService, user: User,
    session: Session,
) -> Response:
    if grading.queue_app is not None:
        return _worker_job_fragment(page, project, job_id, user, session)
    status = grading.job(job_id, owner=user.id, slug=job_slug(project))
    if status.state in ("waiting", "running"):
        return page.render("_project_job.html", project=project, job=status)
    outcome: Outcome | None = status.result
    if status.state == "failed" or outcome is None or not isinstance(outcome.stored, Finished):
        return page.render("_project_refused.html", message=status.error or page.t("ex.failed"))
    finished: Finished = outcome.stored
    return page.render("_project_result.html", project=project, doc=finished.report.to_json(),
                       submission_id=finished.stored,
                       items=stage_items(session, project, user=user), fresh=True)


def _worker_job_fragment(
    page: Page, project: Project, job_id: str, user: User, session: Session
) -> Response:
    """Team mode: the place in line from the job queue, then the run a worker stored."""
    queued = project_request_status(session, job_id, owner=user.id, slug=project.slug)
    if queued.state in ("waiting", "running"):
        job: JobStatus[None] = JobStatus(job_id, queued.state, position=queued.position)
        return page.render("_project_job.html", project=project, job=job,
                           no_graders=queued.graders == 0)
    if queued.submission_id is None:
        reason = f" ({queued.error})" if queued.error else ""
        return page.render("_project_refused.html", message=page.t("ex.failed") + reason)
    row = get_project_submission(session, user, queued.submission_id)
    return page.render("_project_result.html", project=project, doc=row.report,
                       submission_id=row.id, items=stage_items(session, project, user=user),
                       fresh=True)


def _storer(
    database: Database, user_id: int, project: Project, module: Module
) -> Callable[[ProjectReport], int]:
    """What the worker thread does with a report: save it in its own transaction."""

    def store(report: ProjectReport) -> int:
        with transaction(database.sessions) as session:
            user = session.get(User, user_id)
            if user is None:
                raise LookupError(f"no user {user_id}")
            row = record_run(session, user=user, project=project, report=report, module=module,
                             source="web", now=utc_now())
            return row.id

    return store


def _refused(page: Page, status: int, message: object) -> Response:
    return page.render("_project_refused.html", status_code=status, message=message)
