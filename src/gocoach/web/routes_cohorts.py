"""Cohort pages (server mode): the list, a cohort's progress table for its mentors, a learner's
weekly reports read-only; admins also create cohorts and add people to them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import Session

from gocoach.curricula.roadmaps import get_roadmap, list_roadmaps
from gocoach.plans.calendar import local_date, parse_date
from gocoach.reports.weekly import SECTION_KEYS, section_title
from gocoach.store.tables import Cohort, User
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
from gocoach.teams.overview import cohort_overview, learner_report, learner_reports
from gocoach.web.deps import AdminUser, CurrentUser, Page, PageDep, SessionDep, current_time
from gocoach.web.routes_accounts import error_text, require_server_mode

router = APIRouter(dependencies=[Depends(require_server_mode)])
MARKDOWN = MarkdownIt("commonmark", {"html": False})


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
    today = local_date(now)
    return page.render(
        "cohort.html", status_code=status, cohort=cohort, today=today,
        rows=cohort_overview(session, cohort, today=today, now=now),
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
    return page.render("cohort_learner.html", cohort=cohort, view=view)


@router.get("/cohorts/{slug}/learners/{username}/reports/{week}")
def read_learner_report(slug: str, username: str, week: int, session: SessionDep,
                        user: CurrentUser, page: PageDep) -> Response:
    """One weekly report of a learner, as written (a mentor cannot change it)."""
    cohort = viewable_cohort(session, slug, viewer=user)
    learner = cohort_learner(session, cohort, username)
    require_role(user, "mentor", "admin")
    state, report = learner_report(session, learner, week)
    html = {key: Markup(MARKDOWN.render(report.sections.get(key, ""))) for key in SECTION_KEYS}
    sections = [(key, section_title(key, page.lang)) for key in SECTION_KEYS]
    return page.render("cohort_report.html", cohort=cohort, learner=learner, state=state,
                       report=report, sections=sections, html=html)
