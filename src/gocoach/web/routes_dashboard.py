"""The home page: the dashboard, with charts drawn from data in the page and text fallbacks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gocoach.reports.dashboard import Dashboard, dashboard_for
from gocoach.web.deps import CurrentUser, PageDep, SessionDep
from gocoach.web.routes_plans import NowDep
from gocoach.web.wording import Wording

router = APIRouter()


def chart_data(board: Dashboard, words: Wording) -> dict[str, Any]:
    """The numbers the charts draw, as JSON-ready lists, with their labels and the days
    already worded in the interface language (uPlot's own legend and dates are English)."""
    return {
        "burnup": {
            "weeks": [p.week for p in board.burnup],
            "planned": [p.planned for p in board.burnup],
            "logged": [p.logged for p in board.burnup],
        },
        "forecast": {
            "days": [d.isoformat() for d, _ in board.forecast],
            "labels": [words.date(d, "day") for d, _ in board.forecast],
            "due": [n for _, n in board.forecast],
        },
        "text": {key: words.t(f"chart.{key}")
                 for key in ("week", "hours", "planned", "logged", "day", "due")},
    }


@router.get("/")
def read_dashboard(session: SessionDep, user: CurrentUser, page: PageDep,
                   now: NowDep) -> Response:
    """The dashboard."""
    words = page.words
    board = dashboard_for(session, user=user, today=words.local(now).date(), now=now,
                          zone=words.zone)
    return page.render("dashboard.html", board=board, charts=chart_data(board, page.words))
