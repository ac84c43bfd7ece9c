"""Drill minutes in the time log: one entry per day, the sum of that day's review durations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.drills.queue import day_start
from gocoach.plans.timelog import log_time
from gocoach.store.tables import ReviewLogEntry, TimeEntry, User


def log_drill_minutes(session: Session, *, user: User, now: datetime) -> TimeEntry | None:
    """Write today's drill minutes (source "drill") to the time log; None while under a minute.

    The user's row is locked first (PostgreSQL's FOR NO KEY UPDATE; SQLite writes one
    transaction at a time), so two ratings committed at once sum in turn: without it, each
    would sum the reviews committed before it started, and the later commit would store a
    total that misses the other's review.
    Callers make this their last statement, as the lock is held until the commit.
    """
    start = day_start(now)
    # FOR NO KEY UPDATE: the review rows' foreign keys hold KEY SHARE locks on the user's row,
    # which FOR UPDATE would wait for (two ratings would deadlock); this one does not
    session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    total_ms = session.scalar(select(func.coalesce(func.sum(ReviewLogEntry.duration_ms), 0)).where(
        ReviewLogEntry.user_id == user.id, ReviewLogEntry.source == "drill",
        ReviewLogEntry.reviewed_at >= start,
        ReviewLogEntry.reviewed_at < start + timedelta(days=1))) or 0
    minutes = round(int(total_ms) / 60000)
    if minutes < 1:
        return None
    return log_time(session, user=user, minutes=minutes, source="drill", day=start.date(),
                    now=now, ref=f"drill:{start.date().isoformat()}", note="FSRS drill")
