"""Cohort pages (server mode): the list, a cohort's progress table for its mentors, a learner's
weekly reports read-only with their comment threads, the review queue of exercise submissions
and project runs, the week's export; admins also create cohorts and add people to them. The
learner's own side of the threads (posting on their report) is here too: it exists in server
mode only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import Session

from gocoach.curricula.roadmaps import get_roadmap, list_roadmaps
from gocoach.plans.calendar import local_date, parse_date
from gocoach.plans.plan import load_plan, require_plan
from gocoach.practice.exercises import find_exercise
from gocoach.projects.catalogue import find_project, load_projects
from gocoach.questions.rendering import render_markdown
from gocoach.reports.weekly import SECTION_KEYS, get_report, section_title
from gocoach.store.settings import Settings
from gocoach.store.tables import Cohort, User, WeeklyReport
from gocoach.teams.accounts import AccountError, get_user, require_role
from gocoach.teams.cohorts import (
    MEMBER_ROLES,
    add_member,
    cohort_learner,
    cohort_roadmaps,
    create_cohort,
    members,
    remove_member,
    viewable_cohort,
    visible_cohorts,
)
from gocoach.teams.comments import (
    MAX_BODY,
    CommentError,
    add_report_comment,
    comment_counts,
    report_thread,
)
from gocoach.teams.export import cohort_week, week_csv, week_markdown
from gocoach.teams.overview import cohort_overview, learner_report, learner_reports
from gocoach.teams.reviews import (
    add_project_review,
    add_review,
    cohort_project_submission,
    cohort_submission,
    project_thread,
    review_queue,
    submission_thread,
)
from gocoach.web.deps import AdminUser, CurrentUser, Page, PageDep, SessionDep, current_time
from gocoach.web.routes_accounts import error_text, require_server_mode

router = APIRouter(dependencies=[Depends(require_server_mode)])
MARKDOWN = MarkdownIt("commonmark", {"html": False})
Body = Annotated[str, Form()]
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}


def _content_dir(request: Request) -> Path:
    """Where the exercises are (the milestones check them)."""
    settings: Settings = request.app.state.settings
    return settings.content_dir


def _list_page(request: Request, session: Session, user: User, page: Page, status: int = 200,
               **context: Any) -> Response:
    roadmaps = list_roadmaps(session) if user.role == "admin" else []
    return page.render("cohorts.html", status_code=status,
                       cohorts=visible_cohorts(session, viewer=user), roadmaps=roadmaps,
                       today=local_date(current_time(request)), **{"error": None, **context})


@router.get("/cohorts")
def list_cohorts_page(request: Request, session: SessionDep, user: CurrentUser,
                      page: PageDep) -> Response:
    """The cohorts you mentor (every cohort for an admin, with the form to make one)."""
    return _list_page(request, session, user, page)


@router.post("/cohorts")
def create_cohort_page(
    request: Request, session: SessionDep, admin: AdminUser, page: PageDep,
    slug: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
    roadmap: Annotated[list[str] | None, Form()] = None, start: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> Response:
    """Make a cohort from a plan template: roadmaps, a start date, hours a week."""
    try:
        found = [get_roadmap(session, s) for s in (roadmap or [])[:20]]
        hours_per_week = float(hours.replace(",", ".")) if hours.strip() else None
        cohort = create_cohort(session, slug=slug, title=title, roadmaps=found,
                               start=parse_date(start), hours_per_week=hours_per_week,
                               now=current_time(request))
    except (AccountError, LookupError, ValueError) as exc:
        session.rollback()
        return _list_page(request, session, admin, page, 400, error=error_text(page, exc))
    return RedirectResponse(f"/cohorts/{cohort.slug}", status_code=303)


def _cohort_page(request: Request, session: Session, user: User, cohort: Cohort, page: Page,
                 status: int = 200, **context: Any) -> Response:
    now = current_time(request)
    zone = page.words.zone
    today = now.astimezone(zone).date()
    return page.render(
        "cohort.html", status_code=status, cohort=cohort, today=today,
        rows=cohort_overview(session, cohort, today=today, now=now,
                             content_dir=_content_dir(request), zone=zone),
        weeks=max(0, min(520, (today - cohort.start_date).days // 7 + 1)),
        mentors=members(session, cohort, "mentor"),
        roadmaps=cohort_roadmaps(session, cohort), roles=MEMBER_ROLES,
        **{"error": None, **context})


@router.get("/cohorts/{slug}")
def read_cohort(slug: str, request: Request, session: SessionDep, user: CurrentUser,
                page: PageDep) -> Response:
    """The cohort's progress table: one row per learner."""
    cohort = viewable_cohort(session, slug, viewer=user)
    return _cohort_page(request, session, user, cohort, page)


@router.post("/cohorts/{slug}/members")
def create_member(
    slug: str, request: Request, session: SessionDep, admin: AdminUser, page: PageDep,
    username: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "learner",
) -> Response:
    """Add a learner (who gets the cohort's plan if they have none) or a mentor."""
    cohort = viewable_cohort(session, slug, viewer=admin)
    try:
        add_member(session, cohort=cohort, user=get_user(session, username), role=role,
                   now=current_time(request))
    except (AccountError, LookupError, ValueError) as exc:
        session.rollback()
        return _cohort_page(request, session, admin, cohort, page, 400,
                            error=error_text(page, exc))
    return RedirectResponse(f"/cohorts/{cohort.slug}", status_code=303)


@router.post("/cohorts/{slug}/members/{username}/remove")
def delete_member(slug: str, username: str, session: SessionDep, admin: AdminUser) -> Response:
    """Take someone out of the cohort (their data stays theirs)."""
    cohort = viewable_cohort(session, slug, viewer=admin)
    remove_member(session, cohort=cohort, user=get_user(session, username))
    return RedirectResponse(f"/cohorts/{cohort.slug}", status_code=303)


@router.get("/cohorts/{slug}/learners/{username}")
def read_learner(slug: str, username: str, request: Request, session: SessionDep,
                 user: CurrentUser, page: PageDep) -> Response:
    """A learner of the cohort: pace and weekly reports, read-only."""
    cohort = viewable_cohort(session, slug, viewer=user)
    learner = cohort_learner(session, cohort, username)
    view = learner_reports(session, learner, today=local_date(current_time(request)))
    counts = comment_counts(session, [r.id for r in view.reports.values()])
    return page.render("cohort_learner.html", cohort=cohort, view=view, counts=counts)


def _report_page(page: Page, cohort: Cohort, learner: User, week: int, session: Session,
                 user: User, status: int = 200, **context: Any) -> Response:
    state, report = learner_report(session, learner, week)
    html = {key: Markup(MARKDOWN.render(report.sections.get(key, ""))) for key in SECTION_KEYS}
    sections = [(key, section_title(key, page.lang)) for key in SECTION_KEYS]
    return page.render("cohort_report.html", status_code=status, cohort=cohort, learner=learner,
                       state=state, report=report, sections=sections, html=html,
                       comments=report_thread(session, report, viewer=user),
                       **{"comment_error": None, "draft": "", **context})


@router.get("/cohorts/{slug}/learners/{username}/reports/{week}")
def read_learner_report(slug: str, username: str, week: int, session: SessionDep,
                        user: CurrentUser, page: PageDep) -> Response:
    """One weekly report of a learner, as written (a mentor cannot change it), and its
    comment thread."""
    cohort = viewable_cohort(session, slug, viewer=user)
    learner = cohort_learner(session, cohort, username)
    require_role(user, "mentor", "admin")
    return _report_page(page, cohort, learner, week, session, user)


@router.post("/cohorts/{slug}/learners/{username}/reports/{week}/comments")
def create_learner_report_comment(slug: str, username: str, week: int, request: Request,
                                  session: SessionDep, user: CurrentUser, page: PageDep,
                                  body: Body = "") -> Response:
    """A mentor's (or an admin's) comment on a learner's weekly report."""
    cohort = viewable_cohort(session, slug, viewer=user)
    learner = cohort_learner(session, cohort, username)
    _, report = learner_report(session, learner, week)
    try:
        row = add_report_comment(session, report=report, author=user, body=body,
                                 now=current_time(request))
    except CommentError as exc:
        return _report_page(page, cohort, learner, week, session, user, 400,
                            comment_error=error_text(page, exc), draft=body[:MAX_BODY])
    return RedirectResponse(f"/cohorts/{cohort.slug}/learners/{learner.username}/reports/"
                            f"{report.week}#comment-{row.id}", status_code=303)


def _own_report(session: Session, user: User, week: int) -> WeeklyReport:
    state = load_plan(session, user, require_plan(session, user))
    report = get_report(session, state, week) if 0 < week <= 10_000 else None
    if report is None:
        raise LookupError(f"no report for week {week} yet; open /reports/{week} first")
    return report


@router.post("/reports/{week}/comments")
def create_report_comment(week: int, request: Request, session: SessionDep, user: CurrentUser,
                          page: PageDep, body: Body = "") -> Response:
    """The learner's own message in their weekly report's thread."""
    report = _own_report(session, user, week)
    try:
        row = add_report_comment(session, report=report, author=user, body=body,
                                 now=current_time(request))
    except CommentError as exc:
        return page.render("error.html", status_code=400, message=error_text(page, exc))
    return RedirectResponse(f"/reports/{report.week}#comment-{row.id}", status_code=303)


# --- the review queue -------------------------------------------------------------------------


@router.get("/cohorts/{slug}/reviews")
def list_reviews(slug: str, session: SessionDep, user: CurrentUser, page: PageDep) -> Response:
    """The cohort learners' latest exercise submissions and project runs: unreviewed first,
    then newest."""
    cohort = viewable_cohort(session, slug, viewer=user)
    return page.render("cohort_reviews.html", cohort=cohort, queue=review_queue(session, cohort))


def _review_page(request: Request, page: Page, cohort: Cohort, submission_id: int,
                 session: Session, user: User, status: int = 200, **context: Any) -> Response:
    row = cohort_submission(session, cohort, submission_id)
    comments = submission_thread(session, row, viewer=user)
    learner = session.get_one(User, row.user_id)
    try:
        title = find_exercise(request.app.state.grading.catalogue, row.exercise).title
    except LookupError:
        title = row.exercise  # an exercise no longer shipped: its slug
    # the fields the result fragment reads, for a stored result that lacks some (an old one)
    doc = {"status": row.status, "message": None, "tests": [], "benchmarks": [],
           "duration_seconds": row.duration_ms / 1000, "stage": "run", "flags": [],
           "limits": None, **(row.result if isinstance(row.result, dict) else {})}
    code = {test["name"]: render_markdown(f"```go\n{test['test_code']}\n```")
            for test in doc["tests"] if isinstance(test, dict) and test.get("test_code")}
    return page.render("cohort_review.html", status_code=status, cohort=cohort,
                       submission=row, learner=learner, title=title, doc=doc, items=[],
                       code=code, comments=comments,
                       files=sorted(row.files.items()),
                       **{"comment_error": None, "draft": "", **context})


@router.get("/cohorts/{slug}/reviews/{submission_id}")
def read_review(slug: str, submission_id: int, request: Request, session: SessionDep,
                user: CurrentUser, page: PageDep) -> Response:
    """One submission read-only: the learner's files, the grader's result, the review thread."""
    cohort = viewable_cohort(session, slug, viewer=user)
    return _review_page(request, page, cohort, submission_id, session, user)


@router.post("/cohorts/{slug}/reviews/{submission_id}/comments")
def create_review(slug: str, submission_id: int, request: Request, session: SessionDep,
                  user: CurrentUser, page: PageDep, body: Body = "") -> Response:
    """Leave a review comment on a submission; the learner sees it on the exercise's page."""
    cohort = viewable_cohort(session, slug, viewer=user)
    row = cohort_submission(session, cohort, submission_id)
    try:
        review = add_review(session, submission=row, author=user, body=body,
                            now=current_time(request))
    except CommentError as exc:
        return _review_page(request, page, cohort, submission_id, session, user, 400,
                            comment_error=error_text(page, exc), draft=body[:MAX_BODY])
    return RedirectResponse(f"/cohorts/{cohort.slug}/reviews/{row.id}#comment-{review.id}",
                            status_code=303)


def _project_review_page(request: Request, page: Page, cohort: Cohort, submission_id: int,
                         session: Session, user: User, status: int = 200,
                         **context: Any) -> Response:
    row = cohort_project_submission(session, cohort, submission_id)
    comments = project_thread(session, row, viewer=user)
    learner = session.get_one(User, row.user_id)
    try:
        title = find_project(load_projects(_content_dir(request)), row.project).title
    except LookupError:
        title = row.project  # a project no longer shipped: its slug
    # the fields the result fragment reads, for a stored report that lacks some (an old one)
    doc = {"status": row.status, "message": "", "stages": [], "seconds": row.duration_ms / 1000,
           "ignored": [], "limits": "", "build_output": "",
           **(row.report if isinstance(row.report, dict) else {})}
    return page.render("cohort_project_review.html", status_code=status, cohort=cohort,
                       submission=row, submission_id=row.id, learner=learner, title=title,
                       doc=doc, items={}, comments=comments, files=sorted(row.files.items()),
                       **{"comment_error": None, "draft": "", **context})


@router.get("/cohorts/{slug}/reviews/projects/{project_submission_id}")
def read_project_review(slug: str, project_submission_id: int, request: Request,
                        session: SessionDep, user: CurrentUser, page: PageDep) -> Response:
    """One project run read-only: the tester's stage verdicts, the files, the review thread."""
    cohort = viewable_cohort(session, slug, viewer=user)
    return _project_review_page(request, page, cohort, project_submission_id, session, user)


@router.post("/cohorts/{slug}/reviews/projects/{project_submission_id}/comments")
def create_project_review(slug: str, project_submission_id: int, request: Request,
                          session: SessionDep, user: CurrentUser, page: PageDep,
                          body: Body = "") -> Response:
    """Leave a review comment on a project run; the learner sees it on the project's page."""
    cohort = viewable_cohort(session, slug, viewer=user)
    row = cohort_project_submission(session, cohort, project_submission_id)
    try:
        review = add_project_review(session, run=row, author=user, body=body,
                                    now=current_time(request))
    except CommentError as exc:
        return _project_review_page(request, page, cohort, project_submission_id, session, user,
                                    400, comment_error=error_text(page, exc),
                                    draft=body[:MAX_BODY])
    return RedirectResponse(f"/cohorts/{cohort.slug}/reviews/projects/{row.id}"
                            f"#comment-{review.id}", status_code=303)


# --- the week's export ------------------------------------------------------------------------


def _export(slug: str, week: int, kind: str, request: Request, session: Session,
            user: User, page: Page) -> Response:
    cohort = viewable_cohort(session, slug, viewer=user)
    now = current_time(request)
    zone = page.words.zone
    data = cohort_week(session, cohort, week, today=now.astimezone(zone).date(), now=now,
                       content_dir=_content_dir(request), zone=zone)
    text = week_csv(data) if kind == "csv" else week_markdown(data)
    name = f"{cohort.slug}-week-{week}.{kind}"
    return Response(text, media_type=EXPORT_TYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/cohorts/{slug}/week/{week}.csv")
def export_week_csv(slug: str, week: int, request: Request, session: SessionDep,
                    user: CurrentUser, page: PageDep) -> Response:
    """The cohort's week as CSV: one row per learner with the table's figures for the week."""
    return _export(slug, week, "csv", request, session, user, page)


@router.get("/cohorts/{slug}/week/{week}.md")
def export_week_markdown(slug: str, week: int, request: Request, session: SessionDep,
                         user: CurrentUser, page: PageDep) -> Response:
    """The cohort's week as a Markdown table."""
    return _export(slug, week, "md", request, session, user, page)

