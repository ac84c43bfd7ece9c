"""Where a learner's cards stand: state, due time, stability and chance of recall now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.drills.reviews import (
    MATURE_DAYS,
    STATES,
    as_utc,
    get_drill_settings,
    make_scheduler,
    recall_chance,
)
from gocoach.store.tables import DrillCard, User


@dataclass(frozen=True)
class CardStatus:
    """Where a user's card stands: state, due time, stability, chance of recall now."""

    state: str
    due: datetime
    stability: float
    retrievability: float

    @property
    def mature(self) -> bool:
        """Stability of three weeks or more."""
        return self.stability >= MATURE_DAYS


def card_statuses(session: Session, *, user: User, refs: list[str],
                  now: datetime) -> dict[str, CardStatus]:
    """The user's cards among `refs` (cards never rated are left out)."""
    if not refs:
        return {}
    scheduler = make_scheduler(get_drill_settings(session, user=user))
    rows = session.scalars(select(DrillCard).where(DrillCard.user_id == user.id,
                                                   DrillCard.ref.in_(refs)))
    return {row.ref: CardStatus(
        state=STATES.get(row.state, "learning"), due=as_utc(row.due),
        stability=float(row.stability or 0),
        retrievability=recall_chance(scheduler, row.stability, row.last_review, as_utc(now)))
        for row in rows}
