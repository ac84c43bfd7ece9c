"""Re-fit the FSRS parameters from the user's review log (needs the optional `optimizer` extra).

The optimizer of the `fsrs` package needs torch, so it is an optional extra:
`pip install "gocoach[optimizer]"`. Without it everything else works with the default parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib.util import find_spec

from fsrs import Rating, ReviewLog
from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.drills.reviews import as_utc, update_drill_settings
from gocoach.store.tables import ReviewLogEntry, User

MIN_REVIEWS = 100
INSTALL_HINT = ("the optimizer needs torch, pandas and tqdm ({missing} not installed); install "
                'them with `pip install "gocoach[optimizer]"` (about 1 GB), then run this again; '
                "drills work without it, with the default FSRS parameters")


class OptimizerMissing(ValueError):
    """torch (the fsrs optimizer's dependency) is not installed."""


@dataclass(frozen=True)
class OptimizeResult:
    """The fitted parameters and how many reviews they came from."""

    parameters: list[float]
    reviews: int


def review_history(session: Session, *, user: User) -> list[ReviewLog]:
    """The user's review log as fsrs ReviewLog objects (card ids are our card row ids)."""
    rows = session.execute(select(ReviewLogEntry.card_id, ReviewLogEntry.rating,
                                  ReviewLogEntry.reviewed_at, ReviewLogEntry.duration_ms)
                           .where(ReviewLogEntry.user_id == user.id)
                           .order_by(ReviewLogEntry.reviewed_at, ReviewLogEntry.id))
    return [ReviewLog(card_id=card_id, rating=Rating(rating), review_datetime=as_utc(at),
                      review_duration=duration) for card_id, rating, at, duration in rows]


def load_optimizer() -> type:
    """The fsrs Optimizer class, or OptimizerMissing with the install command."""
    missing = [name for name in ("torch", "pandas", "tqdm") if find_spec(name) is None]
    if missing:
        raise OptimizerMissing(INSTALL_HINT.format(missing=", ".join(missing)))
    from fsrs import Optimizer

    return Optimizer


def optimize_parameters(session: Session, *, user: User, now: datetime) -> OptimizeResult:
    """Fit FSRS parameters to the user's reviews and keep them in the drill settings."""
    optimizer_class = load_optimizer()
    history = review_history(session, user=user)
    if len(history) < MIN_REVIEWS:
        raise ValueError(f"only {len(history)} reviews so far; the optimizer needs at least "
                         f"{MIN_REVIEWS} to fit parameters that beat the defaults")
    parameters = [float(p) for p in optimizer_class(history).compute_optimal_parameters()]
    update_drill_settings(session, user=user, now=now, parameters=parameters)
    return OptimizeResult(parameters=parameters, reviews=len(history))
