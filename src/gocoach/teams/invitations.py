"""Invitations: a single-use sign-up link with an expiry, for a role and optionally a cohort.

The link carries a random token; the database keeps its SHA-256. Accepting checks everything
first, then claims the invitation with one conditional UPDATE, so two people racing on one link
get one account between them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gocoach.store.tables import Cohort, Invitation, User
from gocoach.teams.accounts import AccountError, check_new_user, check_role, create_user
from gocoach.teams.cohorts import add_member
from gocoach.teams.logins import as_utc, token_digest

DEFAULT_DAYS = 7
MAX_DAYS = 90
MAX_TOKEN = 200


@dataclass(frozen=True)
class NewInvitation:
    """A created invitation and the token for its link (shown once, never stored)."""

    invitation: Invitation
    token: str

    def path(self) -> str:
        """The link's path: /invite/<token>."""
        return f"/invite/{self.token}"


def create_invitation(session: Session, *, role: str, now: datetime, created_by: User | None,
                      cohort: Cohort | None = None, days: int = DEFAULT_DAYS) -> NewInvitation:
    """A new sign-up link valid for `days` days (1 to 90)."""
    check_role(role)
    if not 1 <= days <= MAX_DAYS:
        raise AccountError("days", f"an invitation lasts 1 to {MAX_DAYS} days, not {days}")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(token_hash=token_digest(token), role=role,
                            cohort_id=cohort.id if cohort else None,
                            created_by=created_by.id if created_by else None, created_at=now,
                            expires_at=now + timedelta(days=days))
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation, token)


def open_invitation(session: Session, token: str, *, now: datetime) -> Invitation:
    """The invitation of a link, if it can still be used; AccountError (key unknown, used or
    expired) otherwise."""
    found = None
    if 0 < len(token) <= MAX_TOKEN:
        found = session.scalars(select(Invitation).where(
            Invitation.token_hash == token_digest(token))).one_or_none()
    if found is None:
        raise AccountError("invitation_unknown", "this invitation link is not known")
    if found.used_at is not None:
        raise AccountError("invitation_used", "this invitation link has been used already")
    if as_utc(found.expires_at) <= now:
        raise AccountError("invitation_expired", "this invitation link has expired")
    return found


def accept_invitation(session: Session, *, token: str, username: str, password: str,
                      now: datetime, display_name: str = "") -> User:
    """Sign up through an invitation: the new user gets its role and joins its cohort."""
    invitation = open_invitation(session, token, now=now)
    check_new_user(session, username=username, password=password, role=invitation.role,
                   display_name=display_name)
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise AccountError("invitation_used", "this invitation link has been used already")
    user = create_user(session, username=username, password=password, now=now,
                       role=invitation.role, display_name=display_name)
    session.execute(update(Invitation).where(Invitation.id == invitation.id)
                    .values(used_by=user.id).execution_options(synchronize_session=False))
    if invitation.cohort_id is not None:
        cohort = session.get(Cohort, invitation.cohort_id)
        if cohort is not None:
            role = "mentor" if invitation.role == "mentor" else "learner"
            add_member(session, cohort=cohort, user=user, role=role, now=now)
    session.refresh(invitation)
    return user


def list_invitations(session: Session, *, now: datetime) -> list[Invitation]:
    """Invitations not used yet and not expired, newest first."""
    return list(session.scalars(select(Invitation).where(
        Invitation.used_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())))
