"""Cohorts: a plan template (roadmaps from a start date, hours a week), learners and mentors.

Who sees what: an admin sees every cohort; a mentor sees the cohorts they mentor and the
learners in them, read-only; a learner sees none (their own pages are their own data).

>>> cohort = create_cohort(session, slug="spring-27", title="Spring 2027",
...                        roadmaps=[roadmap], start=date(2027, 3, 1), now=now)
>>> add_member(session, cohort=cohort, user=anna, role="learner", now=now)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.plans.plan import active_plan, create_plan
from gocoach.store.tables import Cohort, CohortMember, CohortRoadmap, Plan, Roadmap, User
from gocoach.teams.accounts import AccessDenied, AccountError

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MEMBER_ROLES = ("learner", "mentor")
MAX_TITLE = 200


@dataclass(frozen=True)
class Membership:
    """A user added to a cohort, and the plan made for them from the template (if any)."""

    member: CohortMember
    plan: Plan | None


def create_cohort(session: Session, *, slug: str, start: date, roadmaps: Sequence[Roadmap],
                  now: datetime, title: str = "", hours_per_week: float | None = None) -> Cohort:
    """A new cohort whose learners get a plan of these roadmaps from `start`."""
    name = slug.strip().lower()
    if not SLUG.fullmatch(name):
        raise AccountError("cohort_slug", "a cohort id is 1–80 characters: latin letters, "
                           "digits and '-'")
    if len(title) > MAX_TITLE:
        raise AccountError("cohort_title", f"a cohort title has at most {MAX_TITLE} characters")
    if not roadmaps:
        raise AccountError("cohort_roadmaps", "name at least one roadmap for the cohort")
    if len({r.id for r in roadmaps}) != len(roadmaps):
        raise AccountError("cohort_roadmaps", "a roadmap is named twice; name each one once")
    if hours_per_week is not None and not 0 < hours_per_week <= 100:
        raise AccountError("cohort_hours", "hours per week must be between 1 and 100")
    if session.scalars(select(Cohort.id).where(Cohort.slug == name)).first() is not None:
        raise AccountError("cohort_taken", f"a cohort '{name}' exists already")
    cohort = Cohort(slug=name, title=title.strip() or name, start_date=start,
                    hours_per_week=hours_per_week, created_at=now)
    session.add(cohort)
    session.flush()
    for position, roadmap in enumerate(roadmaps):
        session.add(CohortRoadmap(cohort_id=cohort.id, roadmap_id=roadmap.id, position=position))
    session.flush()
    return cohort


def cohort_roadmaps(session: Session, cohort: Cohort) -> list[Roadmap]:
    """The roadmaps of the cohort's plan template, in order."""
    return list(session.scalars(
        select(Roadmap).join(CohortRoadmap, CohortRoadmap.roadmap_id == Roadmap.id)
        .where(CohortRoadmap.cohort_id == cohort.id).order_by(CohortRoadmap.position)))


def visible_cohorts(session: Session, *, viewer: User) -> list[Cohort]:
    """The cohorts a user may look at: all for an admin, the mentored ones for a mentor."""
    query = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.slug)
    if viewer.role == "admin":
        return list(session.scalars(query))
    if viewer.role != "mentor":
        raise AccessDenied("cohort pages are for mentors and admins")
    return list(session.scalars(query.join(CohortMember, CohortMember.cohort_id == Cohort.id)
                                .where(CohortMember.user_id == viewer.id,
                                       CohortMember.role == "mentor")))


def get_cohort(session: Session, slug: str) -> Cohort:
    """A cohort by id (slug), or a LookupError."""
    cohort = session.scalars(select(Cohort).where(Cohort.slug == slug.strip().lower()[:80])
                             ).one_or_none()
    if cohort is None:
        raise LookupError(f"no cohort '{slug.strip()[:80]}' (see `gocoach cohort list`)")
    return cohort


def list_cohorts(session: Session) -> list[Cohort]:
    """Every cohort, newest start first."""
    return list(session.scalars(select(Cohort).order_by(Cohort.start_date.desc(), Cohort.slug)))


def viewable_cohort(session: Session, slug: str, *, viewer: User) -> Cohort:
    """A cohort the viewer may see; the same LookupError for a missing and a foreign one."""
    if viewer.role not in ("mentor", "admin"):
        raise AccessDenied("cohort pages are for mentors and admins")
    cohort = get_cohort(session, slug)
    if viewer.role == "admin" or member_role(session, cohort, viewer) == "mentor":
        return cohort
    raise LookupError(f"no cohort '{slug.strip()[:80]}'")


def member_role(session: Session, cohort: Cohort, user: User) -> str | None:
    """'learner' or 'mentor' when the user is in the cohort, else None."""
    return session.scalars(select(CohortMember.role).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)).one_or_none()


def members(session: Session, cohort: Cohort, role: str) -> list[User]:
    """The cohort's learners or mentors, by username."""
    return list(session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == role)
        .order_by(User.username)))


def cohort_learner(session: Session, cohort: Cohort, username: str) -> User:
    """A learner of the cohort by username; the same LookupError when not one of them."""
    user = session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == "learner",
               User.username == username.strip().lower()[:80])).one_or_none()
    if user is None:
        raise LookupError(f"no learner '{username.strip()[:80]}' in cohort '{cohort.slug}'")
    return user


def add_member(session: Session, *, cohort: Cohort, user: User, role: str,
               now: datetime) -> Membership:
    """Put a user in a cohort as a learner or a mentor.

    A learner without an active plan gets one from the cohort's template; a learner who has a
    plan keeps it (the mentor's table shows that plan).
    """
    if role not in MEMBER_ROLES:
        raise AccountError("member_role", f"a cohort member is a learner or a mentor, not "
                           f"{role[:40]!r}")
    if role == "mentor" and user.role not in ("mentor", "admin"):
        raise AccountError("not_mentor", f"'{user.username}' is a {user.role}; give them the "
                           "mentor role first (`gocoach user role NAME mentor`)")
    existing = session.scalars(select(CohortMember).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)).one_or_none()
    if existing is not None:
        raise AccountError("member_twice", f"'{user.username}' is in cohort '{cohort.slug}' "
                           f"already (as a {existing.role})")
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, role=role, added_at=now)
    session.add(member)
    plan = None
    if role == "learner" and active_plan(session, user) is None:
        plan = create_plan(session, user=user, roadmaps=cohort_roadmaps(session, cohort),
                           start=cohort.start_date, now=now, title=cohort.title,
                           hours_per_week=cohort.hours_per_week)
    session.flush()
    return Membership(member, plan)


def remove_member(session: Session, *, cohort: Cohort, user: User) -> None:
    """Take a user out of a cohort (their own data and plan stay theirs)."""
    member = session.scalars(select(CohortMember).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)).one_or_none()
    if member is None:
        raise LookupError(f"'{user.username}' is not in cohort '{cohort.slug}'")
    session.delete(member)
    session.flush()
