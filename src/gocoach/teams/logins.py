"""Signing in: password checks limited per username and address, and sign-in sessions.

A session is a random token; the database keeps only its SHA-256, so a copy of the database
signs nobody in. The web face puts the token in a signed cookie. Failed attempts are rows in
`login_attempts`, so the limit holds across worker processes and restarts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gocoach.store.tables import LoginAttempt, LoginSession, User
from gocoach.teams.passwords import hash_password, needs_rehash, verify_password

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=14)
MAX_NAME = 80
MAX_ADDRESS = 64


@dataclass(frozen=True)
class LoginOutcome:
    """What a sign-in attempt gave: the user, or a refusal (wrong, or too many failures)."""

    user: User | None
    retry_after: timedelta | None = None

    @property
    def throttled(self) -> bool:
        """True when the attempt was refused unchecked: too many recent failures."""
        return self.retry_after is not None


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a session or invitation token, as stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite returns naive values)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def authenticate(session: Session, *, username: str, password: str, address: str,
                 now: datetime) -> LoginOutcome:
    """Check a password. After MAX_FAILURES failures in WINDOW for this username and address,
    further attempts are refused without checking until the oldest failure is WINDOW old.

    The attempt is recorded in the caller's transaction: commit it even when refused.
    """
    name, where = username.strip().lower()[:MAX_NAME], address[:MAX_ADDRESS]
    failures = list(session.scalars(
        select(LoginAttempt.at).where(
            LoginAttempt.username == name, LoginAttempt.address == where,
            LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - WINDOW)
        .order_by(LoginAttempt.at)))
    if len(failures) >= MAX_FAILURES:
        oldest = as_utc(failures[-MAX_FAILURES])
        return LoginOutcome(None, retry_after=max(oldest + WINDOW - now, timedelta(seconds=1)))
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    matched = verify_password(user.password_hash if user else None, password)
    allowed = user is not None and matched and not user.disabled
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - WINDOW))
    if allowed:
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == name,
                                                   LoginAttempt.address == where))
    session.add(LoginAttempt(username=name, address=where, succeeded=allowed, at=now))
    session.flush()
    if not allowed or user is None:
        return LoginOutcome(None)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginOutcome(user)


def open_session(session: Session, *, user: User, now: datetime) -> str:
    """A new sign-in session for the user; returns its token (only its hash is stored)."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))  # old ones go
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=token_digest(token), user_id=user.id, created_at=now,
                             expires_at=now + SESSION_LIFETIME))
    session.flush()
    return token


def session_user(session: Session, token: str, *, now: datetime) -> User | None:
    """The signed-in user of a session token: None when unknown, expired or disabled."""
    return session.scalars(
        select(User).join(LoginSession, LoginSession.user_id == User.id).where(
            LoginSession.token_hash == token_digest(token), LoginSession.expires_at > now,
            User.disabled.is_(False))).one_or_none()


def close_session(session: Session, token: str) -> None:
    """Sign out of one session."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == token_digest(token)))


def count_sessions(session: Session, user: User, *, now: datetime) -> int:
    """How many live sessions the user has."""
    return int(session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.expires_at > now)) or 0)
