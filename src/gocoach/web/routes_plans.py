"""Pages for the study plan: plan, today, time log, weekly reports, milestones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from gocoach.curricula.progress import find_item, set_status
from gocoach.curricula.roadmaps import get_roadmap, list_roadmaps
from gocoach.plans.calendar import parse_date, parse_off_range
from gocoach.plans.plan import (
    PlanState,
    active_plan,
    apply_replan,
    create_plan,
    load_plan,
    measure_pace,
    preview_replan,
    require_plan,
)
from gocoach.plans.timelog import (
    entries_between,
    hours_per_week,
    log_time,
    logged_hours,
    minutes_by_day,
)
from gocoach.reports.activity import exercise_stats, review_stats
from gocoach.reports.agenda import agenda_for
from gocoach.reports.ics import installation_id, plan_calendar_ics
from gocoach.reports.milestones import check_milestones, final_criteria
from gocoach.reports.modules import name_modules
from gocoach.reports.weekly import (
    SECTION_KEYS,
    draft_report,
    ensure_drafts,
    list_reports,
    report_markdown,
    save_report,
    section_title,
    week_figures,
)
from gocoach.startup import utc_now
from gocoach.store.tables import WeeklyReport
from gocoach.teams.comments import mark_report_read, report_thread, unread_report_comments
from gocoach.web.deps import CurrentUser, PageDep, SessionDep
from gocoach.web.wording import user_zone

router = APIRouter()
MARKDOWN = MarkdownIt("commonmark", {"html": False})


def get_now(request: Request) -> datetime:
    """The current time; tests put a fixed clock in `app.state.clock`."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utc_now()


NowDep = Annotated[datetime, Depends(get_now)]


def get_today(request: Request, now: NowDep) -> date:
    """Today in the user's time zone (GOCOACH_TIMEZONE, else this machine's)."""
    return now.astimezone(user_zone(request.app.state.settings.timezone)).date()


TodayDep = Annotated[date, Depends(get_today)]


def _state(session: SessionDep, user: CurrentUser) -> PlanState:
    return name_modules(session, load_plan(session, user, require_plan(session, user)))


@router.get("/plan")
def read_plan(session: SessionDep, user: CurrentUser, page: PageDep,
              today: TodayDep) -> Response:
    """The plan week by week with the pace and a re-plan preview; the form to make a plan."""
    roadmaps = list_roadmaps(session)
    plan = active_plan(session, user)
    context: dict[str, Any] = {"roadmaps": roadmaps, "today": today}
    if plan is None:
        return page.render("plan.html", state=None, **context)
    state = load_plan(session, user, plan)
    minutes = minutes_by_day(entries_between(session, user, plan.start_date, state.end_date))
    logged = {h.week: h.logged for h in hours_per_week(state, minutes)}
    pace = measure_pace(state, today, logged_hours(minutes, plan.start_date, today))
    return page.render("plan.html", state=state, pace=pace, logged=logged,
                       current=state.calendar.week_of(today),
                       replan=preview_replan(state, today), **context)


@router.post("/plan")
def create_plan_page(
    session: SessionDep, user: CurrentUser, now: NowDep,
    roadmap: Annotated[list[str], Form()], start: Annotated[str, Form()],
    hours: Annotated[str, Form()] = "", off: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    """Make a plan from the form; it becomes the active plan."""
    ranges = [parse_off_range(line) for line in off.splitlines() if line.strip()]
    create_plan(session, user=user, roadmaps=[get_roadmap(session, s) for s in roadmap],
                start=parse_date(start), now=now, off=ranges, title=title.strip(),
                hours_per_week=float(hours.replace(",", ".")) if hours.strip() else None)
    return RedirectResponse("/plan", status_code=303)


@router.post("/plan/replan")
def apply_replan_page(session: SessionDep, user: CurrentUser, now: NowDep,
                      today: TodayDep) -> Response:
    """Apply the re-plan shown on the plan page."""
    state = _state(session, user)
    replan = preview_replan(state, today)
    if replan.needed:
        apply_replan(session, state, replan, now=now)
    return RedirectResponse("/plan", status_code=303)


@router.get("/plan/weeks/{week}")
def read_plan_week(week: int, session: SessionDep, user: CurrentUser, page: PageDep) -> Response:
    """The items of one plan week (loaded when the week is opened)."""
    state = _state(session, user)
    if not 1 <= week <= state.last_week:
        raise LookupError(f"the plan has weeks 1 to {state.last_week}, not {week}")
    return page.render("_plan_week.html", week=state.week(week))


@router.post("/plan/items/{slug}/{key}")
def update_plan_item(
    slug: str, key: str, session: SessionDep, user: CurrentUser, page: PageDep, now: NowDep,
    status: Annotated[str, Form()], show_week: Annotated[bool, Form()] = False,
) -> Response:
    """Change an item's status from the plan or today page; returns the item's row."""
    set_status(session, user=user, roadmap=get_roadmap(session, slug), key=key, status=status,
               now=now, source="web")
    state = _state(session, user)
    item = next((i for i in state.items if i.roadmap_slug == slug and i.key == key), None)
    if item is None:
        raise LookupError(f"item '{key}' of '{slug}' is not in the plan")
    return page.render("_plan_item.html", item=item, show_week=show_week)


@router.get("/plan/calendar.ics")
def export_calendar(session: SessionDep, user: CurrentUser, page: PageDep,
                    now: NowDep) -> Response:
    """The plan as an iCalendar file, in the page's language."""
    state = _state(session, user)
    milestones = check_milestones(state, review_stats(session, user, now=now),
                                  exercise_stats(session, user, now=now))
    return Response(plan_calendar_ics(state, milestones, now=now, lang=page.lang,
                                      installation=installation_id(session, now=now)),
                    media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="gocoach-plan.ics"'})


@router.get("/today")
def read_today(session: SessionDep, user: CurrentUser, page: PageDep, now: NowDep,
               today: TodayDep) -> Response:
    """The day's agenda."""
    if active_plan(session, user) is None:
        return RedirectResponse("/plan", status_code=303)
    agenda = agenda_for(session, user=user, today=today, now=now, lang=page.lang)
    return page.render("today.html", agenda=agenda)


@router.get("/time")
def read_time_log(session: SessionDep, user: CurrentUser, page: PageDep,
                  today: TodayDep) -> Response:
    """The time log: the form, hours per week against the budget, the latest entries."""
    plan = active_plan(session, user)
    state = load_plan(session, user, plan) if plan else None
    first = plan.start_date if plan else today.replace(day=1)
    entries = entries_between(session, user, min(first, today), today)
    weeks = hours_per_week(state, minutes_by_day(entries), until=today) if state else []
    return page.render("time.html", today=today, weeks=weeks, state=state,
                       entries=list(reversed(entries))[:30])


@router.post("/time")
def create_time_entry(
    session: SessionDep, user: CurrentUser, now: NowDep, today: TodayDep,
    minutes: Annotated[int, Form()], day: Annotated[str, Form()] = "",
    item: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
) -> Response:
    """Log time by hand."""
    roadmap = node = None
    if item.strip():
        roadmap, node = find_item(session, item.strip())
    log_time(session, user=user, minutes=minutes, source="manual", now=now,
             day=parse_date(day) if day.strip() else today, roadmap=roadmap,
             item_key=node.key if node else None, note=note.strip())
    return RedirectResponse("/time", status_code=303)


@router.get("/reports")
def list_reports_page(session: SessionDep, user: CurrentUser, page: PageDep,
                      now: NowDep, today: TodayDep) -> Response:
    """Every week of the plan with its report's state."""
    state = _state(session, user)
    ensure_drafts(session, user=user, state=state, today=today, now=now,
                  exercises=exercise_stats(session, user, now=now), lang=page.lang)
    return page.render("reports.html", state=state, reports=list_reports(session, state),
                       current=state.calendar.week_of(today),
                       unread=unread_report_comments(session, user))


def _report(request: Request, session: SessionDep, user: CurrentUser, week: int, now: datetime,
            lang: str) -> tuple[PlanState, WeeklyReport]:
    state = _state(session, user)
    report = draft_report(session, user=user, state=state, week=week,
                          today=get_today(request, now), now=now,
                          exercises=exercise_stats(session, user, now=now), lang=lang)
    return state, report


@router.get("/reports/{week}")
def read_report(week: int, session: SessionDep, user: CurrentUser, page: PageDep,
                now: NowDep, saved: bool = False) -> Response:
    """A week's report, editable."""
    state, report = _report(page.request, session, user, week, now, page.lang)
    sections = [(key, section_title(key, page.lang)) for key in SECTION_KEYS]
    figures = week_figures(report)
    comments = None
    if page.settings.mode == "server":  # the thread with mentors (teams); seen once shown
        comments = report_thread(session, report, viewer=user)
        mark_report_read(session, report=report, reader=user, now=now)
    return page.render("report.html", state=state, report=report, sections=sections,
                       saved=saved, comments=comments, figures=figures)


@router.post("/reports/{week}")
async def update_report(week: int, request: Request, session: SessionDep, user: CurrentUser,
                        now: NowDep, today: TodayDep) -> Response:
    """Save the edited sections of a week's report."""
    form = await request.form()
    sections = {key: str(form.get(key, "")) for key in (*SECTION_KEYS, "summary")
                if key in form}
    save_report(session, user=user, state=_state(session, user), week=week, sections=sections,
                today=today, now=now)
    return RedirectResponse(f"/reports/{week}?saved=true", status_code=303)


@router.get("/reports/{week}/export.md")
def export_report(week: int, session: SessionDep, user: CurrentUser, page: PageDep,
                  now: NowDep) -> Response:
    """A week's report as Markdown."""
    state, report = _report(page.request, session, user, week, now, page.lang)
    return Response(report_markdown(report, state, page.lang, hours=page.words.hours),
                    media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="report-week-{week}.md"'})


@router.get("/reports/{week}/print")
def print_report(week: int, session: SessionDep, user: CurrentUser, page: PageDep,
                 now: NowDep) -> Response:
    """A week's report as a page made for printing (or saving as PDF from the browser)."""
    state, report = _report(page.request, session, user, week, now, page.lang)
    sections = [(key, section_title(key, page.lang)) for key in SECTION_KEYS]
    # raw HTML is off in MARKDOWN, so the rendered text is safe to mark up
    html = {key: Markup(MARKDOWN.render(report.sections.get(key, ""))) for key in SECTION_KEYS}
    return page.render("report_print.html", state=state, report=report, sections=sections,
                       html=html)


@router.get("/milestones")
def list_milestones(session: SessionDep, user: CurrentUser, page: PageDep,
                    now: NowDep, today: TodayDep) -> Response:
    """Milestones as checklists with evidence, and the final success criteria."""
    state = _state(session, user)
    milestones = check_milestones(state, review_stats(session, user, now=now),
                                  exercise_stats(session, user, now=now))
    return page.render("milestones.html", state=state, milestones=milestones,
                       criteria=final_criteria(state), today=today)

