"""Small facts the installation keeps about itself, such as what content it has loaded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gocoach.store.tables import AppState


def read_state(session: Session, key: str) -> str | None:
    """The value stored under `key`, or None."""
    row = session.get(AppState, key)
    return row.value if row is not None else None


def write_state(session: Session, key: str, value: str, *, now: datetime) -> None:
    """Store `value` under `key`, replacing what was there."""
    row = session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
