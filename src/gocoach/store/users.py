"""Users: local mode has one, created on first run; accounts and roles come later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.store.tables import User

LOCAL_USERNAME = "local"


def ensure_local_user(session: Session, *, now: datetime) -> User:
    """The single local user, created the first time it is needed."""
    user = session.scalars(select(User).where(User.username == LOCAL_USERNAME)).one_or_none()
    if user is None:
        user = User(
            username=LOCAL_USERNAME,
            display_name="Local learner",
            role="learner",
            is_local=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
    return user
