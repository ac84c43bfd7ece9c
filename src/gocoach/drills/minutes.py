"""Drill minutes in the time log: one entry per day, the sum of that day's review durations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.drills.queue import day_start
from gocoach.plans.timelog import log_time
from gocoach.store.tables import ReviewLogEntry, TimeEntry, User


def log_drill_minutes(session: Session, *, user: User, now: datetime) -> TimeEntry | None:
    """Write today's drill minutes (source "drill") to the time log; None while under a minute."""
    start = day_start(now)
    total_ms = session.scalar(select(func.coalesce(func.sum(ReviewLogEntry.duration_ms), 0)).where(
        ReviewLogEntry.user_id == user.id, ReviewLogEntry.source == "drill",
        ReviewLogEntry.reviewed_at >= start,
        ReviewLogEntry.reviewed_at < start + timedelta(days=1))) or 0
    minutes = round(int(total_ms) / 60000)
    if minutes < 1:
        return None
    return log_time(session, user=user, minutes=minutes, source="drill", day=start.date(),
                    now=now, ref=f"drill:{start.date().isoformat()}", note="FSRS drill")
