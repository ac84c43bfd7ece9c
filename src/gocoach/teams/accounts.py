"""Accounts: users with a role (learner, mentor, admin), their passwords and whether they may
sign in. Every function takes the session and plain values; the faces word the errors by `key`.

>>> user = create_user(session, username="anna", password="a long secret", now=now)
>>> user.role
'learner'
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gocoach.store.tables import LoginSession, User
from gocoach.teams.passwords import check_password_rules, hash_password, verify_password

ROLES = ("learner", "mentor", "admin")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
MAX_DISPLAY_NAME = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # NUL (PostgreSQL refuses it), newlines, escapes


class AccountError(ValueError):
    """Bad account input; `key` names the problem for the interface texts (acct.err.<key>)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class AccessDenied(PermissionError):
    """The acting user's role does not allow this (answered with a 403)."""


def normalize_username(text: str) -> str:
    """The username as stored (lower case, trimmed), or AccountError when it is not one."""
    name = text.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "username", "a username is 2–40 characters: latin letters, digits, '.', '_' or '-', "
            "starting with a letter or a digit")
    return name


def check_role(role: str) -> str:
    """The role if it is one of ROLES, else AccountError."""
    if role not in ROLES:
        raise AccountError("role", f"a role is one of {', '.join(ROLES)}, not {role[:40]!r}")
    return role


def require_role(user: User, *roles: str) -> None:
    """AccessDenied unless the user has one of the roles."""
    if user.role not in roles:
        raise AccessDenied(f"this page is for {' or '.join(roles)}s")


def find_user(session: Session, username: str) -> User | None:
    """The user with this username (any case), or None."""
    name = username.strip().lower()[:80]
    return session.scalars(select(User).where(User.username == name)).one_or_none()


def get_user(session: Session, username: str) -> User:
    """The user with this username, or a LookupError that names it."""
    user = find_user(session, username)
    if user is None:
        raise LookupError(f"no user '{username.strip()[:80]}' (see `gocoach user list`)")
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def check_new_user(session: Session, *, username: str, password: str, role: str = "learner",
                   display_name: str = "") -> str:
    """Check everything create_user needs before anything is written; the normalized name."""
    name = normalize_username(username)
    check_role(role)
    if len(display_name) > MAX_DISPLAY_NAME or CONTROL.search(display_name):
        raise AccountError("display_name", f"a display name has at most {MAX_DISPLAY_NAME} "
                           "characters, none of them control characters")
    if session.scalar(select(func.count()).select_from(User).where(User.username == name)):
        raise AccountError("taken", f"the username '{name}' is taken")
    check_password_rules(password, username=name)
    return name


def create_user(session: Session, *, username: str, password: str, now: datetime,
                role: str = "learner", display_name: str = "") -> User:
    """A new account that can sign in with this password."""
    name = check_new_user(session, username=username, password=password, role=role,
                          display_name=display_name)
    user = User(username=name, display_name=display_name.strip() or name, role=role,
                is_local=False, password_hash=hash_password(password), created_at=now,
                disabled=False)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Give the user a new password (an admin's reset); every session of theirs ends."""
    check_password_rules(password, username=user.username)
    user.password_hash = hash_password(password)
    end_sessions(session, user=user)


def change_password(session: Session, *, user: User, current: str, new: str,
                    keep_token_hash: str | None = None) -> None:
    """The user's own change: the current password must match; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current", "the current password is not right")
    if new == current:
        raise AccountError("same", "the new password is the current one")
    check_password_rules(new, username=user.username)
    user.password_hash = hash_password(new)
    end_sessions(session, user=user, keep_token_hash=keep_token_hash)


def set_role(session: Session, *, user: User, role: str) -> None:
    """Change a user's role."""
    user.role = check_role(role)
    session.flush()


def set_disabled(session: Session, *, user: User, disabled: bool) -> None:
    """Stop (or allow again) a user signing in; a disabled user's sessions end at once."""
    user.disabled = disabled
    if disabled:
        end_sessions(session, user=user)
    session.flush()


def set_display_name(user: User, display_name: str) -> None:
    """Change the name shown to mentors and on pages."""
    name = display_name.strip()
    if not name or len(name) > MAX_DISPLAY_NAME or CONTROL.search(name):
        raise AccountError("display_name", f"a display name has 1 to {MAX_DISPLAY_NAME} "
                           "characters, none of them control characters")
    user.display_name = name


def end_sessions(session: Session, *, user: User, keep_token_hash: str | None = None) -> int:
    """Sign the user out everywhere (except, if given, the session with this token hash)."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token_hash is not None:
        query = query.where(LoginSession.token_hash != keep_token_hash)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]
