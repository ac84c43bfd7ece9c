"""Backup of a team server's people: accounts (argon2 hashes verbatim, roles, disabled state),
cohorts with their roadmaps, learners and mentors, and invitations.

A username or a cohort id is the same person or cohort in the backup and in the target. What the
target already has is kept unless `replace`: an account or a cohort that differs from the
backup's is reported (never overwritten silently), one that is the same is simply used.
With `replace` the backup's accounts overwrite the ones of the same name (their sign-in sessions
end) and the backup's cohorts and invitations replace the target's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gocoach.backup.format import Backup, CohortRow, UserRow
from gocoach.store.tables import Cohort, CohortMember, CohortRoadmap, Invitation, Roadmap, User
from gocoach.teams.accounts import end_sessions

# the account fields a restore compares and, with `replace`, takes from the backup
ACCOUNT_FIELDS = ("display_name", "role", "is_local", "locale", "password_hash", "disabled")


@dataclass
class AccountsReport:
    """What restoring the people did, and what it kept because the target differs."""

    users: int = 0
    users_kept: list[str] = field(default_factory=list)
    users_replaced: list[str] = field(default_factory=list)
    cohorts: int = 0
    cohorts_kept: list[str] = field(default_factory=list)
    members: int = 0
    members_kept: list[str] = field(default_factory=list)  # "cohort:username"
    invitations: int = 0


def dump_users(session: Session) -> list[dict[str, Any]]:
    """Every account, its password hash included (a backup is a secret)."""
    return [{"username": u.username, "display_name": u.display_name, "role": u.role,
             "is_local": u.is_local, "locale": u.locale, "created_at": u.created_at.isoformat(),
             "password_hash": u.password_hash, "disabled": u.disabled}
            for u in session.scalars(select(User).order_by(User.id))]


def dump_cohorts(session: Session) -> list[dict[str, Any]]:
    """Every cohort with its roadmaps (slugs, in order) and members (usernames)."""
    users = dict(session.execute(select(User.id, User.username)).all())
    roadmaps: dict[int, list[str]] = defaultdict(list)
    for cohort_id, slug in session.execute(
            select(CohortRoadmap.cohort_id, Roadmap.slug)
            .join(Roadmap, Roadmap.id == CohortRoadmap.roadmap_id)
            .order_by(CohortRoadmap.position, CohortRoadmap.id)):
        roadmaps[cohort_id].append(slug)
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for member in session.scalars(select(CohortMember).order_by(CohortMember.id)):
        members[member.cohort_id].append({"user": users[member.user_id], "role": member.role,
                                          "added_at": member.added_at.isoformat()})
    return [{"slug": c.slug, "title": c.title, "start_date": c.start_date.isoformat(),
             "hours_per_week": c.hours_per_week, "created_at": c.created_at.isoformat(),
             "roadmaps": roadmaps[c.id], "members": members[c.id]}
            for c in session.scalars(select(Cohort).order_by(Cohort.id))]


def dump_invitations(session: Session) -> list[dict[str, Any]]:
    """Every invitation: its token's hash (the link itself is never stored), used or not."""
    users = dict(session.execute(select(User.id, User.username)).all())
    cohorts = dict(session.execute(select(Cohort.id, Cohort.slug)).all())

    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return [{"token_hash": i.token_hash, "role": i.role, "cohort": cohorts.get(i.cohort_id or 0),
             "created_by": users.get(i.created_by or 0), "created_at": i.created_at.isoformat(),
             "expires_at": i.expires_at.isoformat(), "used_at": moment(i.used_at),
             "used_by": users.get(i.used_by or 0)}
            for i in session.scalars(select(Invitation).order_by(Invitation.id))]


def restore_users(session: Session, backup: Backup, *, replace: bool,
                  report: AccountsReport) -> dict[str, User]:
    """Add the accounts the target lacks; compare (or, with `replace`, overwrite) the others."""
    users = {u.username: u for u in session.scalars(select(User))}
    for row in backup.users:
        current = users.get(row.username)
        if current is None:
            users[row.username] = _new_user(session, row)
            report.users += 1
            continue
        given = _given(row)
        if all(getattr(current, name) == value for name, value in given.items()):
            continue
        if not replace:
            report.users_kept.append(row.username)
            continue
        signs_in_again = any(getattr(current, name) != given[name]
                             for name in ("password_hash", "disabled") if name in given)
        for name, value in given.items():
            setattr(current, name, value)
        if signs_in_again:
            end_sessions(session, user=current)
        report.users_replaced.append(row.username)
    session.flush()
    return users


def _given(row: UserRow) -> dict[str, Any]:
    """The account fields the backup holds (a version 1 file has no hash nor disabled)."""
    return {name: getattr(row, name) for name in ACCOUNT_FIELDS if name in row.model_fields_set}


def _new_user(session: Session, row: UserRow) -> User:
    user = User(username=row.username, display_name=row.display_name, role=row.role,
                is_local=row.is_local, locale=row.locale, created_at=row.created_at,
                password_hash=row.password_hash, disabled=row.disabled)
    session.add(user)
    return user


def restore_cohorts(session: Session, backup: Backup, *, users: dict[str, User],
                    roadmaps: dict[str, Roadmap], replace: bool,
                    report: AccountsReport) -> None:
    """Cohorts, their roadmaps and members; then the invitations."""
    if replace and backup.version >= 2:
        session.execute(delete(Invitation))
        session.execute(delete(Cohort))
    existing = {c.slug: c for c in session.scalars(select(Cohort))}
    for row in backup.cohorts:
        cohort = existing.get(row.slug)
        if cohort is None:
            cohort = _new_cohort(session, row, roadmaps)
            existing[row.slug] = cohort
            report.cohorts += 1
        elif _definition(session, cohort) != _row_definition(row):
            report.cohorts_kept.append(row.slug)
            continue
        _add_members(session, cohort, row, users, report)
    session.flush()
    _restore_invitations(session, backup, users=users, cohorts=existing, report=report)


def _new_cohort(session: Session, row: CohortRow, roadmaps: dict[str, Roadmap]) -> Cohort:
    cohort = Cohort(slug=row.slug, title=row.title or row.slug, start_date=row.start_date,
                    hours_per_week=row.hours_per_week, created_at=row.created_at)
    session.add(cohort)
    session.flush()
    session.add_all(CohortRoadmap(cohort_id=cohort.id, roadmap_id=roadmaps[slug].id,
                                  position=position)
                    for position, slug in enumerate(row.roadmaps))
    return cohort


def _definition(session: Session, cohort: Cohort) -> tuple[Any, ...]:
    slugs = session.scalars(select(Roadmap.slug)
                            .join(CohortRoadmap, CohortRoadmap.roadmap_id == Roadmap.id)
                            .where(CohortRoadmap.cohort_id == cohort.id)
                            .order_by(CohortRoadmap.position, CohortRoadmap.id)).all()
    return cohort.title, cohort.start_date, cohort.hours_per_week, list(slugs)


def _row_definition(row: CohortRow) -> tuple[Any, ...]:
    return row.title or row.slug, row.start_date, row.hours_per_week, list(row.roadmaps)


def _add_members(session: Session, cohort: Cohort, row: CohortRow, users: dict[str, User],
                 report: AccountsReport) -> None:
    """The backup's members the cohort lacks; one who is there in another role stays so."""
    roles = dict(session.execute(select(CohortMember.user_id, CohortMember.role)
                                 .where(CohortMember.cohort_id == cohort.id)).all())
    for member in row.members:
        user = users[member.user]
        if user.id in roles:
            if roles[user.id] != member.role:
                report.members_kept.append(f"{cohort.slug}:{member.user}")
            continue
        session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=member.role,
                                 added_at=member.added_at))
        report.members += 1


def _restore_invitations(session: Session, backup: Backup, *, users: dict[str, User],
                         cohorts: dict[str, Cohort], report: AccountsReport) -> None:
    """Invitations the target lacks (by token hash): an unexpired, unused one still works."""
    known = set(session.scalars(select(Invitation.token_hash)))

    def user_id(name: str | None) -> int | None:
        return users[name].id if name is not None else None

    for row in backup.invitations:
        if row.token_hash in known:
            continue
        session.add(Invitation(
            token_hash=row.token_hash, role=row.role,
            cohort_id=cohorts[row.cohort].id if row.cohort is not None else None,
            created_by=user_id(row.created_by), created_at=row.created_at,
            expires_at=row.expires_at, used_at=row.used_at, used_by=user_id(row.used_by)))
        report.invitations += 1
    session.flush()
