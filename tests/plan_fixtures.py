"""Helpers shared by the plan tests: import a seed, make a plan, mark items on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from conftest import seed_bytes
from gocoach.curricula.progress import set_status
from gocoach.curricula.roadmaps import get_roadmap, import_document
from gocoach.plans.plan import PlannedItem, PlanState, create_plan, load_plan
from gocoach.store.tables import Roadmap, User

SEEDS = {"senior-3-months": "002", "backend-16-weeks": "003", "go-mastery": "004"}
MONDAY = date(2026, 11, 2)


def at(day: date, hour: int = 12) -> datetime:
    """Noon (UTC) of a day: the same local day in any time zone within ±11 h."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def import_seed(session: Session, user: User, slug: str) -> Roadmap:
    """Import one of the user's roadmaps under its usual slug."""
    import_document(session, data=seed_bytes(SEEDS[slug]), name=f"{slug}.md", user=user,
                    now=at(MONDAY), max_bytes=5 << 20, slug=slug)
    return get_roadmap(session, slug)


def make_plan(session: Session, user: User, *slugs: str, start: date = MONDAY,
              **kwargs: object) -> PlanState:
    """Import the roadmaps and lay them on a plan; the loaded state."""
    roadmaps = [import_seed(session, user, slug) for slug in slugs]
    plan = create_plan(session, user=user, roadmaps=roadmaps, start=start, now=at(start),
                       **kwargs)  # type: ignore[arg-type]
    return load_plan(session, user, plan)


def mark(session: Session, user: User, items: list[PlannedItem] | tuple[PlannedItem, ...],
         day: date, status: str = "done", **kwargs: object) -> None:
    """Set the status of plan items on a given day."""
    for item in items:
        set_status(session, user=user, roadmap=get_roadmap(session, item.roadmap_slug),
                   key=item.key, status=status, now=at(day), **kwargs)  # type: ignore[arg-type]


def reload(session: Session, user: User, state: PlanState) -> PlanState:
    """The plan loaded again after changes."""
    return load_plan(session, user, state.plan)
