"""ORM tables. Every piece of user data hangs on a user; curricula are shared content."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gocoach.store.engine import Base


class User(Base):
    """A learner, mentor or admin; local mode has exactly one, created on first run."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="learner")
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppState(Base):
    """A fact the installation keeps about itself (e.g. the fingerprint of loaded content)."""

    __tablename__ = "app_state"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Roadmap(Base):
    """An imported curriculum: its repaired source text and metadata."""

    __tablename__ = "roadmaps"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="roadmap")
    description: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    source_text: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bundled: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Node(Base):
    """A heading or an item of a roadmap; `key` is stable across re-imports."""

    __tablename__ = "nodes"
    __table_args__ = (UniqueConstraint("roadmap_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"),
                                            index=True)
    key: Mapped[str] = mapped_column(String(16))
    parent_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    item_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    line_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    line_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checkbox: Mapped[bool] = mapped_column(Boolean, default=False)
    trackable: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Progress(Base):
    """One user's status of one item; kept (orphaned) if the item leaves the document."""

    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("user_id", "roadmap_id", "node_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    node_key: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="todo")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    orphaned: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProgressEvent(Base):
    """History: every change of status, note or evidence, and every re-keying by an import."""

    __tablename__ = "progress_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    node_key: Mapped[str] = mapped_column(String(16))
    previous_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="cli")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ImportRun(Base):
    """What an import did: counts, repairs, matches and orphans (the import report)."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True)
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- question bank (content, shared by all users) -------------------------------------------


class QuestionTrack(Base):
    """A track of the question bank (Go Core)."""

    __tablename__ = "question_tracks"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    focus: Mapped[str] = mapped_column(Text, default="")
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuestionModule(Base):
    """A module of a track, in interview-frequency order, with its group."""

    __tablename__ = "question_modules"
    __table_args__ = (UniqueConstraint("track_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("question_tracks.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(4))
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Question(Base):
    """A question; `qid` never changes once published. Retired questions keep their history."""

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    qid: Mapped[str] = mapped_column(String(100), unique=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("question_tracks.id", ondelete="CASCADE"))
    module_number: Mapped[str] = mapped_column(String(4), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))
    freq: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    mistakes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_file: Mapped[str] = mapped_column(String(300), default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    search_stems: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowUpQuestion(Base):
    """A follow-up of a question with its answer; `fid` = question id + hash of its wording."""

    __tablename__ = "question_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    fid: Mapped[str] = mapped_column(String(120), unique=True)
    qid: Mapped[str] = mapped_column(String(100), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    search_stems: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


# --- Plans, time log, weekly reports (the study plan issue) ---------------------------------


class Plan(Base):
    """A learner's study plan: roadmaps laid on the calendar from a start date."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    start_date: Mapped[date] = mapped_column(Date)
    hours_per_week: Mapped[float] = mapped_column(Float)
    off_ranges: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanRoadmap(Base):
    """A roadmap in a plan, in the order the plan takes them."""

    __tablename__ = "plan_roadmaps"
    __table_args__ = (UniqueConstraint("plan_id", "roadmap_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(20), default="weeks")
    weeks: Mapped[int] = mapped_column(Integer, default=0)


class PlanItem(Base):
    """One roadmap item on the plan's calendar: its week in the document, at creation, and now."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "roadmap_id", "node_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    node_key: Mapped[str] = mapped_column(String(16))
    doc_week: Mapped[int] = mapped_column(Integer)
    baseline_week: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class TimeEntry(Base):
    """Minutes of study on a day, by hand or logged by a drill, interview or exercise."""

    __tablename__ = "time_entries"
    __table_args__ = (UniqueConstraint("user_id", "source", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    roadmap_id: Mapped[int | None] = mapped_column(
        ForeignKey("roadmaps.id", ondelete="SET NULL"), nullable=True)
    node_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WeeklyReport(Base):
    """The report of one plan week: five Markdown sections, kept as written."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("plan_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    week: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- Drills: spaced-repetition cards, review log, settings (the question bank issue) ----------


class DrillCard(Base):
    """One user's FSRS state of one question or follow-up; `version` guards concurrent ratings."""

    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("user_id", "ref"),
                      Index("ix_cards_user_due", "user_id", "due"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    module_number: Mapped[str] = mapped_column(String(4))
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_review: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewLogEntry(Base):
    """Every rating with its time and duration, and the card as it was before (for undo)."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user_time", "user_id", "reviewed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(120))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="drill")
    state_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class DrillSettings(Base):
    """A user's drill settings: desired retention, new cards a day, fitted FSRS parameters."""

    __tablename__ = "drill_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    parameters: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- Mock interviews: sessions and their asked questions (the mock interviews issue) --------


class InterviewSession(Base):
    """A timed mock interview: its choices, the planned questions, state and time stamps."""

    __tablename__ = "interview_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[int] = mapped_column(Integer)
    answer_mode: Mapped[str] = mapped_column(String(20), default="typed")
    interviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    plan: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InterviewAnswer(Base):
    """One asked question or follow-up of a session: the answer, its check, ticks and rating."""

    __tablename__ = "interview_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_answers.id", ondelete="CASCADE"), nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="question")
    qid: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(120))
    answer_text: Mapped[str] = mapped_column(Text, default="")
    original_chars: Mapped[int] = mapped_column(Integer, default=0)
    check: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ticks: Mapped[list[int]] = mapped_column(JSON, default=list)
    followups: Mapped[list[str]] = mapped_column(JSON, default=list)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


# --- Go practice: graded submissions of exercises (the practice issue) ----------------------


class Submission(Base):
    """One graded solution of an exercise: the files, the results.json (v3) and where from."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_user_exercise", "user_id", "exercise", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise: Mapped[str] = mapped_column(String(120))
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    work_seconds: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GradingRequest(Base):
    """A web submission waiting for a `gocoach worker` (team mode, PostgreSQL).

    `job_id` is its procrastinate job. The worker that grades it stores the submission and sets
    `submission_id` and `graded_at` in one transaction, once: a retried job finds `graded_at`
    set and stops, so a verdict is never recorded twice.
    """

    __tablename__ = "grading_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise: Mapped[str] = mapped_column(String(120))
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True, unique=True)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AnswerContest(Base):
    """A learner's disagreement with the checker's verdict on a typed answer, with snapshots of
    the answer and the verdict (they stay labelled data if the answer goes)."""

    __tablename__ = "answer_contests"
    __table_args__ = (Index("ix_answer_contests_user_answer", "user_id", "answer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_answers.id", ondelete="SET NULL"), nullable=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qid: Mapped[str] = mapped_column(String(100))
    answer_text: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claim: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# one open contest per answer, even when two requests race (contesting again updates it)
Index("ux_answer_contests_open", AnswerContest.answer_id, unique=True,
      sqlite_where=AnswerContest.status == "open", postgresql_where=AnswerContest.status == "open")


# --- Teams: sign-in sessions, login attempts, invitations, cohorts (the teams issue) ---------


class LoginSession(Base):
    """A signed-in browser: the SHA-256 of its cookie's random token, whose it is, until when."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """A password check: kept 15 minutes so failures can be counted across worker processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key", "username", "address", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Cohort(Base):
    """A group that studies one plan template (roadmaps from a start date) with mentors."""

    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    hours_per_week: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortRoadmap(Base):
    """A roadmap of a cohort's plan template, in the order the plan takes them."""

    __tablename__ = "cohort_roadmaps"
    __table_args__ = (UniqueConstraint("cohort_id", "roadmap_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CohortMember(Base):
    """A learner or a mentor of a cohort (one role per person and cohort)."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="learner")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """A single-use sign-up link: the SHA-256 of its token, the role (and cohort) it grants."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="learner")
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class ProjectSubmission(Base):
    """One run of a capstone project's tester over a learner's module: the stages it ran with
    their results (the harness's report), and the source files for a reviewer."""

    __tablename__ = "project_submissions"
    __table_args__ = (
        Index("ix_project_submissions_user_project", "user_id", "project", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10))
    stages_passed: Mapped[list[int]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10), default="cli")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectRequest(Base):
    """A project upload waiting for a `gocoach worker` (team mode, PostgreSQL), as
    GradingRequest is for exercises: `files` holds the module (path → base64) until the worker
    that tests it stores the run (`submission_id`, `graded_at`) and empties it, once."""

    __tablename__ = "project_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project: Mapped[str] = mapped_column(String(120))
    stages: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    ignored: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="SET NULL"), nullable=True, unique=True)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- Teams: comment threads on weekly reports, mentors' reviews of submissions (the teams issue)


class ReportComment(Base):
    """A message in the thread of a learner's weekly report, by the learner, one of their
    mentors or an admin. `user_id` is the learner whose report it is (the thread's owner);
    `read_at` is when that learner saw it (their own messages are read when written)."""

    __tablename__ = "report_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("weekly_reports.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SubmissionReview(Base):
    """A mentor's review comment on an exercise submission (or the learner's reply); the same
    owner and `read_at` rules as ReportComment."""

    __tablename__ = "submission_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ProjectReview(Base):
    """A mentor's review comment on a project submission (or the learner's reply); the same
    owner and `read_at` rules as SubmissionReview."""

    __tablename__ = "project_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_submission_id: Mapped[int] = mapped_column(
        ForeignKey("project_submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
