"""Comment threads on weekly reports: the learner, their cohorts' mentors and admins talk about
a week's report; the learner sees which mentor comments are new.

Who may read and post: the learner whose report it is, a mentor of a cohort the learner is a
learner in, and admins. Everyone else gets the same LookupError as for a report that does not
exist (a 404: nothing tells them the report is there). Comments are plain text; the pages
escape them.

>>> add_report_comment(session, report=report, author=mira, body="Good week!", now=now)
>>> [c.body for c in report_thread(session, report, viewer=lena)]
['Good week!']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from gocoach.store.tables import (
    CohortMember,
    ProjectReview,
    ReportComment,
    SubmissionReview,
    User,
    WeeklyReport,
)

MAX_BODY = 4000  # characters; a comment is a note to a person, not a document
# C0 control characters other than tab and newline, and DEL: PostgreSQL refuses NUL in text,
# and the others only hide text from the reader.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class CommentError(ValueError):
    """A comment that cannot be posted; `key` names the problem for the interface texts."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Comment:
    """One message of a thread, as the pages show it."""

    id: int
    author: str  # the display name (or username); "" when the account is gone
    by_learner: bool  # written by the learner the thread belongs to
    body: str
    created_at: datetime
    unread: bool  # a mentor's message the learner has not opened yet


def check_body(text: str) -> str:
    """The comment as stored (newlines normalized, trimmed), or a CommentError."""
    body = CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        raise CommentError("comment_empty", "write something first: the comment is empty")
    if len(body) > MAX_BODY:
        raise CommentError("comment_long", f"a comment has at most {MAX_BODY} characters, "
                           f"not {len(body)}; split it in two")
    return body


def mentors_learner(session: Session, *, mentor: User, learner: User) -> bool:
    """Whether `mentor` mentors a cohort that `learner` is a learner in."""
    mine, theirs = aliased(CohortMember), aliased(CohortMember)
    return session.scalar(
        select(func.count()).select_from(mine).join(theirs, theirs.cohort_id == mine.cohort_id)
        .where(mine.user_id == mentor.id, mine.role == "mentor",
               theirs.user_id == learner.id, theirs.role == "learner")) != 0


def may_follow(session: Session, *, learner: User, viewer: User) -> bool:
    """Whether the viewer may read and post in the learner's threads."""
    if viewer.id == learner.id or viewer.role == "admin":
        return True
    return viewer.role == "mentor" and mentors_learner(session, mentor=viewer, learner=learner)


def require_follower(session: Session, *, learner: User, viewer: User, what: str) -> None:
    """A LookupError (the same as for something missing) unless the viewer may follow."""
    if not may_follow(session, learner=learner, viewer=viewer):
        raise LookupError(f"no {what}")


def owner_of(session: Session, user_id: int) -> User:
    """The learner a report or submission belongs to."""
    return session.get_one(User, user_id)


def to_comments(session: Session,
                rows: Sequence[ReportComment] | Sequence[SubmissionReview]
                | Sequence[ProjectReview]) -> list[Comment]:
    """Thread rows (report comments, submission or project reviews) as Comment values, authors
    named."""
    ids = {r.author_id for r in rows if r.author_id is not None}
    names = {u.id: u.display_name or u.username for u in session.scalars(
        select(User).where(User.id.in_(ids)))} if ids else {}
    return [Comment(id=row.id, author=names.get(row.author_id or 0, ""),
                    by_learner=row.author_id == row.user_id, body=row.body,
                    created_at=row.created_at,
                    unread=row.author_id != row.user_id and row.read_at is None)
            for row in rows]


def report_thread(session: Session, report: WeeklyReport, *, viewer: User) -> list[Comment]:
    """The report's comments, oldest first (a LookupError unless the viewer may follow)."""
    require_follower(session, learner=owner_of(session, report.user_id), viewer=viewer,
                     what=f"report for week {report.week}")
    rows = session.scalars(select(ReportComment).where(ReportComment.report_id == report.id)
                           .order_by(ReportComment.created_at, ReportComment.id)).all()
    return to_comments(session, rows)


def add_report_comment(session: Session, *, report: WeeklyReport, author: User, body: str,
                       now: datetime) -> ReportComment:
    """Post a comment in a report's thread (the caller's transaction is the one action)."""
    learner = owner_of(session, report.user_id)
    require_follower(session, learner=learner, viewer=author,
                     what=f"report for week {report.week}")
    row = ReportComment(user_id=learner.id, report_id=report.id, author_id=author.id,
                        body=check_body(body), created_at=now,
                        read_at=now if author.id == learner.id else None)
    session.add(row)
    session.flush()
    return row


def mark_report_read(session: Session, *, report: WeeklyReport, reader: User,
                     now: datetime) -> int:
    """The learner has seen the report's thread: its mentor comments are no longer new."""
    if reader.id != report.user_id:
        return 0  # only the learner's own visit counts
    result = session.execute(update(ReportComment).where(
        ReportComment.report_id == report.id, ReportComment.read_at.is_(None))
        .values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def unread_report_comments(session: Session, learner: User) -> dict[int, int]:
    """report id → how many mentor comments on it the learner has not seen."""
    return {int(report_id): int(count) for report_id, count in session.execute(
        select(ReportComment.report_id, func.count()).where(
            ReportComment.user_id == learner.id, ReportComment.read_at.is_(None))
        .group_by(ReportComment.report_id))}


def comment_counts(session: Session, report_ids: Sequence[int]) -> dict[int, int]:
    """report id → number of comments (for the mentor's lists)."""
    if not report_ids:
        return {}
    return {int(report_id): int(count) for report_id, count in session.execute(
        select(ReportComment.report_id, func.count())
        .where(ReportComment.report_id.in_(list(report_ids)))
        .group_by(ReportComment.report_id))}
