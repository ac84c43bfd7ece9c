"""The home page: the dashboard, with charts drawn from data in the page and text fallbacks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gocoach.plans.calendar import local_date
from gocoach.reports.dashboard import Dashboard, dashboard_for
from gocoach.web.deps import CurrentUser, PageDep, SessionDep
from gocoach.web.routes_plans import NowDep

router = APIRouter()


def chart_data(board: Dashboard) -> dict[str, Any]:
    """The numbers the charts draw, as JSON-ready lists."""
    return {
        "burnup": {
            "weeks": [p.week for p in board.burnup],
            "planned": [p.planned for p in board.burnup],
            "logged": [p.logged for p in board.burnup],
        },
        "forecast": {
            "days": [d.isoformat() for d, _ in board.forecast],
            "due": [n for _, n in board.forecast],
        },
    }


@router.get("/")
def read_dashboard(session: SessionDep, user: CurrentUser, page: PageDep,
                   now: NowDep) -> Response:
    """The dashboard."""
    board = dashboard_for(session, user=user, today=local_date(now), now=now)
    return page.render("dashboard.html", board=board, charts=chart_data(board))
