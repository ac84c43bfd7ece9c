"""The drill page (keyboard: space reveals, 1–4 rate, u undoes) and the statistics page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from gocoach.drills.cards import card_statuses
from gocoach.drills.minutes import log_drill_minutes
from gocoach.drills.queue import daily_queue, interval_parts, next_intervals
from gocoach.drills.reviews import (
    RATINGS,
    ReviewConflict,
    as_utc,
    get_drill_settings,
    record_rating,
    undo_last_rating,
    update_drill_settings,
)
from gocoach.drills.stats import drill_stats
from gocoach.plans.calendar import local_time
from gocoach.questions.faces import card_face
from gocoach.questions.rendering import render_inline, render_markdown
from gocoach.store.tables import User
from gocoach.web.deps import CurrentUser, PageDep, SessionDep
from gocoach.web.routes_plans import NowDep

router = APIRouter()
RATING_KEYS = {1: "drill.again", 2: "drill.hard", 3: "drill.good", 4: "drill.easy"}


def drill_context(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """What the drill card fragment shows: the next card (or none) and today's counts."""
    queue = daily_queue(session, user=user, now=now, limit=1)
    context: dict[str, Any] = {"queue": queue, "entry": None, "ratings": RATING_KEYS,
                               "shown_at": now.isoformat(),
                               "next_due": local_time(queue.next_due) if queue.next_due else None}
    if queue.entries:
        entry = queue.entries[0]
        face = card_face(session, entry.ref)
        intervals = next_intervals(session, user=user, ref=entry.ref, now=now)
        context.update(entry=entry, face=face, front=render_inline(face.front),
                       answer=render_markdown(face.answer),
                       key_points=[render_inline(p) for p in face.key_points],
                       intervals={r: interval_parts(i) for r, i in intervals.items()})
    return context


def card_title(session: Session, ref: str) -> Markup:
    """A card named by its question (or follow-up) title, as the learner knows it."""
    try:
        return render_inline(card_face(session, ref).front)
    except LookupError:  # the card's question left the bank
        return Markup.escape(ref)


def _is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _show(request: Request, page: PageDep, context: dict[str, Any], status: int = 200) -> Response:
    template = "_drill_card.html" if _is_htmx(request) else "drill.html"
    return page.render(template, status_code=status, **context)


@router.get("/drill")
def read_drill(request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
               now: NowDep, undone: str | None = None, rated: str | None = None,
               rating: int | None = None) -> Response:
    """The next card of today's queue (the fragment alone for HTMX).

    After a plain form's redirect, `undone` names the card whose rating was taken back, and
    `rated` with `rating` the card just rated, so the notice survives the redirect.
    """
    context = drill_context(session, user, now)
    if undone:
        context["undone"] = {"title": card_title(session, undone[:200])}
    if rated and rating in RATING_KEYS:
        status = card_statuses(session, user=user, refs=[rated[:200]], now=now).get(rated)
        if status is not None:
            context.update(rated={"due": local_time(status.due)},
                           rating_name=page.t(RATING_KEYS[rating]))
    return _show(request, page, context)


def _duration(now: datetime, duration_ms: str, shown_at: str) -> int:
    if duration_ms.strip().isdigit():
        return int(duration_ms)
    try:
        return int((now - as_utc(datetime.fromisoformat(shown_at))).total_seconds() * 1000)
    except ValueError:
        return 0


@router.post("/drill/rate")
def create_rating(
    request: Request, session: SessionDep, user: CurrentUser, page: PageDep, now: NowDep,
    ref: Annotated[str, Form()], rating: Annotated[int, Form()],
    version: Annotated[int | None, Form()] = None, duration_ms: Annotated[str, Form()] = "",
    shown_at: Annotated[str, Form()] = "",
) -> Response:
    """Record a rating of the card shown; a second rating of the same showing gets a 409."""
    try:
        result = record_rating(session, user=user, ref=ref, rating=rating, now=now,
                               duration_ms=_duration(now, duration_ms, shown_at),
                               source="drill", expected_version=version)
    except ReviewConflict as exc:
        session.rollback()
        if _is_htmx(request):
            return PlainTextResponse(str(exc), status_code=409)
        return _show(request, page, {**drill_context(session, user, now), "error": str(exc)}, 409)
    response: Response
    if not _is_htmx(request):  # a plain form: the notice goes through the redirect
        query = urlencode({"rated": ref, "rating": result.rating})
        response = RedirectResponse(f"/drill?{query}", status_code=303)
    else:
        response = _show(request, page, {**drill_context(session, user, now),
                                         "rated": {"due": local_time(result.due)},
                                         "rating_name": page.t(RATING_KEYS[result.rating])})
    # last, once the next card is rendered: it locks the user's row until the commit that
    # follows the return, so concurrent ratings wait on each other as briefly as possible
    log_drill_minutes(session, user=user, now=now)
    return response


@router.post("/drill/undo")
def undo_rating(request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
                now: NowDep) -> Response:
    """Take back the last rating; the card comes back as it was."""
    undone = undo_last_rating(session, user=user)
    log_drill_minutes(session, user=user, now=now)
    if not _is_htmx(request):  # a plain form (before htmx took over the button) keeps the notice
        target = f"/drill?{urlencode({'undone': undone.ref})}" if undone else "/drill"
        return RedirectResponse(target, status_code=303)
    undone_card = {"title": card_title(session, undone.ref)} if undone else None
    return _show(request, page, {**drill_context(session, user, now), "undone": undone_card})


@router.get("/drill/stats")
def read_stats(session: SessionDep, user: CurrentUser, page: PageDep, now: NowDep) -> Response:
    """Forecast, heatmap, true retention, streak and modules, as charts with tables beside."""
    stats = drill_stats(session, user=user, now=now, zone=page.words.zone)
    peak = max((n for _, n in stats.forecast), default=0) or 1
    return page.render("drill_stats.html", stats=stats, peak=peak,
                       heat=heat_cells(stats.heatmap, stats.today),
                       settings=get_drill_settings(session, user=user))


def heat_cells(counts: dict[date, int], today: date,
               weeks: int = 53) -> list[tuple[date, int, int]]:
    """(day, reviews, level 0–4) for the heatmap grid: whole weeks, Monday first, up to today."""
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    peak = max(counts.values(), default=0) or 1
    cells = []
    day = start
    while day <= today:
        count = counts.get(day, 0)
        level = 0 if count == 0 else min(4, 1 + int(3 * count / peak))
        cells.append((day, count, level))
        day += timedelta(days=1)
    return cells


@router.post("/drill/settings")
def update_settings(
    session: SessionDep, user: CurrentUser, now: NowDep,
    retention: Annotated[float, Form()], new_per_day: Annotated[int, Form()],
) -> Response:
    """Change the desired retention and new cards a day (checked; bad values get a 400)."""
    update_drill_settings(session, user=user, now=now, desired_retention=retention,
                          new_per_day=new_per_day)
    return RedirectResponse("/drill/stats", status_code=303)


__all__ = ["RATINGS", "router"]
