"""The mentors' review queue: the cohort learners' exercise submissions and project runs, newest
first and the unreviewed ones before the reviewed, each with the grader's (or the project
tester's) verdict and flags; a mentor leaves a review comment that the learner then sees on the
exercise's (or project's) page.

A submission is *reviewed* once someone other than its learner (a mentor or an admin) has
commented on it. The access rules are the report threads' (`comments.may_follow`).

>>> entry = review_queue(session, cohort)[0]                     # doctest: +SKIP
>>> row = cohort_submission(session, cohort, entry.submission_id)  # doctest: +SKIP
>>> add_review(session, submission=row, author=mira, body="Use a sync.Pool here",
...            now=now)                                            # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from gocoach.practice.grading.reasons import from_json
from gocoach.projects.submissions import review_flags, stage_verdicts
from gocoach.store.tables import (
    Cohort,
    CohortMember,
    ProjectReview,
    ProjectSubmission,
    Submission,
    SubmissionReview,
    User,
)
from gocoach.teams.comments import (
    Comment,
    check_body,
    owner_of,
    require_follower,
    to_comments,
)

QUEUE_LIMIT = 100
MAX_ID = 2**31 - 1  # ids are INTEGER: PostgreSQL refuses a bigger one in a query


@dataclass(frozen=True)
class QueueEntry:
    """One submission in the review queue."""

    submission_id: int
    learner: User
    exercise: str
    status: str  # the verdict: pass, fail or error
    stage: str  # where grading stopped: rejected, build, vet, run, internal
    flags: tuple[str, ...]  # the grader's static-check findings (code that may fake a run)
    created_at: datetime
    reviews: int  # comments by a mentor or an admin
    kind: str = "exercise"  # or "project": `exercise` is then the project's slug
    stages: tuple[tuple[int, str], ...] = ()  # a project run's (stage, status) in order

    @property
    def reviewed(self) -> bool:
        """A mentor (or an admin) has commented on it."""
        return self.reviews > 0

    @property
    def path(self) -> str:
        """Its page under /cohorts/SLUG/reviews/."""
        return f"projects/{self.submission_id}" if self.kind == "project" \
            else str(self.submission_id)


def _reviews_by_others() -> Any:
    """SQL: how many comments on the outer Submission are not its learner's own."""
    return (select(func.count()).select_from(SubmissionReview).where(
        SubmissionReview.submission_id == Submission.id,
        or_(SubmissionReview.author_id.is_(None),
            SubmissionReview.author_id != Submission.user_id))
        .correlate(Submission).scalar_subquery())


def flags_of(result: dict[str, Any]) -> tuple[str, ...]:
    """The grader's flags in a stored results document (none in an old or odd one)."""
    flags = result.get("flags") if isinstance(result, dict) else None
    if not isinstance(flags, list):
        return ()
    # a stored reason ({"code", "params"}) becomes a Reason, worded by the page (`|grader`);
    # an old result's flag is its sentence
    return tuple(from_json(f) or str(f) for f in flags)


def _project_reviews_by_others() -> Any:
    """SQL: how many comments on the outer ProjectSubmission are not its learner's own."""
    return (select(func.count()).select_from(ProjectReview).where(
        ProjectReview.project_submission_id == ProjectSubmission.id,
        or_(ProjectReview.author_id.is_(None),
            ProjectReview.author_id != ProjectSubmission.user_id))
        .correlate(ProjectSubmission).scalar_subquery())


def review_queue(session: Session, cohort: Cohort, *, limit: int = QUEUE_LIMIT
                 ) -> list[QueueEntry]:
    """The cohort learners' latest exercise submissions and project runs: unreviewed first,
    then newest first."""
    learners = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id,
                                                  CohortMember.role == "learner")
    limit = max(1, min(limit, 1000))
    reviews = _reviews_by_others()
    rows = session.execute(
        select(Submission.id, Submission.user_id, Submission.exercise, Submission.status,
               Submission.result, Submission.created_at, reviews)
        .where(Submission.user_id.in_(learners))
        .order_by(case((reviews > 0, 1), else_=0), Submission.created_at.desc(),
                  Submission.id.desc())
        .limit(limit)).all()
    project_reviews_ = _project_reviews_by_others()
    runs = session.execute(
        select(ProjectSubmission.id, ProjectSubmission.user_id, ProjectSubmission.project,
               ProjectSubmission.status, ProjectSubmission.report, ProjectSubmission.created_at,
               project_reviews_)
        .where(ProjectSubmission.user_id.in_(learners))
        .order_by(case((project_reviews_ > 0, 1), else_=0), ProjectSubmission.created_at.desc(),
                  ProjectSubmission.id.desc())
        .limit(limit)).all()
    people = {r[1] for r in rows} | {r[1] for r in runs}
    users = {u.id: u for u in session.scalars(
        select(User).where(User.id.in_(people)))} if people else {}
    entries = [QueueEntry(submission_id=sid, learner=users[uid], exercise=exercise,
                          status=status, stage=str(result.get("stage", "run"))
                          if isinstance(result, dict) else "run", flags=flags_of(result),
                          created_at=created_at, reviews=int(count or 0))
               for sid, uid, exercise, status, result, created_at, count in rows]
    entries += [QueueEntry(submission_id=sid, learner=users[uid], exercise=project,
                           status=status, stage="run", flags=review_flags(report),
                           created_at=created_at, reviews=int(count or 0), kind="project",
                           stages=stage_verdicts(report))
                for sid, uid, project, status, report, created_at, count in runs]
    entries.sort(key=lambda e: (e.reviewed, -_aware(e.created_at).timestamp(),
                                e.kind == "project", -e.submission_id))
    return entries[:limit]


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cohort_submission(session: Session, cohort: Cohort, submission_id: int) -> Submission:
    """A submission of one of the cohort's learners; the same LookupError for any other."""
    row = session.get(Submission, submission_id) if 0 < submission_id <= MAX_ID else None
    if row is not None and session.scalar(select(func.count()).select_from(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == row.user_id,
            CohortMember.role == "learner")):
        return row
    raise LookupError(f"no submission {submission_id} in cohort '{cohort.slug}'")


def submission_thread(session: Session, submission: Submission, *, viewer: User
                      ) -> list[Comment]:
    """The review comments of a submission, oldest first (LookupError unless allowed)."""
    require_follower(session, learner=owner_of(session, submission.user_id), viewer=viewer,
                     what=f"submission {submission.id}")
    rows = session.scalars(select(SubmissionReview)
                           .where(SubmissionReview.submission_id == submission.id)
                           .order_by(SubmissionReview.created_at, SubmissionReview.id)).all()
    return to_comments(session, rows)


def add_review(session: Session, *, submission: Submission, author: User, body: str,
               now: datetime) -> SubmissionReview:
    """Leave a review comment on a submission (or the learner's reply)."""
    learner = owner_of(session, submission.user_id)
    require_follower(session, learner=learner, viewer=author, what=f"submission {submission.id}")
    row = SubmissionReview(user_id=learner.id, submission_id=submission.id, author_id=author.id,
                           body=check_body(body), created_at=now,
                           read_at=now if author.id == learner.id else None)
    session.add(row)
    session.flush()
    return row


def exercise_reviews(session: Session, learner: User, exercise: str
                     ) -> dict[int, list[Comment]]:
    """submission id → its review comments, for the learner's own exercise page."""
    rows = session.scalars(
        select(SubmissionReview).join(Submission, Submission.id == SubmissionReview.submission_id)
        .where(SubmissionReview.user_id == learner.id, Submission.user_id == learner.id,
               Submission.exercise == exercise)
        .order_by(SubmissionReview.created_at, SubmissionReview.id)).all()
    found: dict[int, list[Comment]] = defaultdict(list)
    for row, comment in zip(rows, to_comments(session, rows), strict=True):
        found[row.submission_id].append(comment)
    return dict(found)


def mark_reviews_read(session: Session, *, learner: User, exercise: str, now: datetime) -> int:
    """The learner opened the exercise: its review comments are no longer new."""
    ids = select(Submission.id).where(Submission.user_id == learner.id,
                                      Submission.exercise == exercise)
    result = session.execute(update(SubmissionReview).where(
        SubmissionReview.user_id == learner.id, SubmissionReview.read_at.is_(None),
        SubmissionReview.submission_id.in_(ids)).values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def unread_reviews(session: Session, learner: User) -> dict[str, int]:
    """exercise slug → review comments on it the learner has not seen yet."""
    return {str(slug): int(count) for slug, count in session.execute(
        select(Submission.exercise, func.count())
        .join(SubmissionReview, SubmissionReview.submission_id == Submission.id)
        .where(SubmissionReview.user_id == learner.id, SubmissionReview.read_at.is_(None))
        .group_by(Submission.exercise))}


# --- project runs ------------------------------------------------------------------------------


def cohort_project_submission(session: Session, cohort: Cohort, submission_id: int
                              ) -> ProjectSubmission:
    """A project run of one of the cohort's learners; the same LookupError for any other."""
    row = session.get(ProjectSubmission, submission_id) if 0 < submission_id <= MAX_ID else None
    if row is not None and session.scalar(select(func.count()).select_from(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == row.user_id,
            CohortMember.role == "learner")):
        return row
    raise LookupError(f"no project submission {submission_id} in cohort '{cohort.slug}'")


def project_thread(session: Session, run: ProjectSubmission, *, viewer: User) -> list[Comment]:
    """The review comments of a project run, oldest first (LookupError unless allowed)."""
    require_follower(session, learner=owner_of(session, run.user_id), viewer=viewer,
                     what=f"project submission {run.id}")
    rows = session.scalars(select(ProjectReview)
                           .where(ProjectReview.project_submission_id == run.id)
                           .order_by(ProjectReview.created_at, ProjectReview.id)).all()
    return to_comments(session, rows)


def add_project_review(session: Session, *, run: ProjectSubmission, author: User, body: str,
                       now: datetime) -> ProjectReview:
    """Leave a review comment on a project run (or the learner's reply)."""
    learner = owner_of(session, run.user_id)
    require_follower(session, learner=learner, viewer=author, what=f"project submission {run.id}")
    row = ProjectReview(user_id=learner.id, project_submission_id=run.id, author_id=author.id,
                        body=check_body(body), created_at=now,
                        read_at=now if author.id == learner.id else None)
    session.add(row)
    session.flush()
    return row


def project_reviews(session: Session, learner: User, project: str) -> dict[int, list[Comment]]:
    """project submission id → its review comments, for the learner's own project page."""
    rows = session.scalars(
        select(ProjectReview)
        .join(ProjectSubmission, ProjectSubmission.id == ProjectReview.project_submission_id)
        .where(ProjectReview.user_id == learner.id, ProjectSubmission.user_id == learner.id,
               ProjectSubmission.project == project)
        .order_by(ProjectReview.created_at, ProjectReview.id)).all()
    found: dict[int, list[Comment]] = defaultdict(list)
    for row, comment in zip(rows, to_comments(session, rows), strict=True):
        found[row.project_submission_id].append(comment)
    return dict(found)


def mark_project_reviews_read(session: Session, *, learner: User, project: str,
                              now: datetime) -> int:
    """The learner opened the project: its review comments are no longer new."""
    ids = select(ProjectSubmission.id).where(ProjectSubmission.user_id == learner.id,
                                             ProjectSubmission.project == project)
    result = session.execute(update(ProjectReview).where(
        ProjectReview.user_id == learner.id, ProjectReview.read_at.is_(None),
        ProjectReview.project_submission_id.in_(ids)).values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
