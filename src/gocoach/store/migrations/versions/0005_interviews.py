"""mock interviews: sessions and asked questions

Revision ID: 0005_interviews
Revises: 0002_question_bank
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_interviews"
down_revision = "0002_question_bank"
branch_labels = None
depends_on = None


def _user_fk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("user_id", sa.Integer(),
                     sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("answer_mode", sa.String(20), nullable=False),
        sa.Column("interviewer", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_interview_sessions_user_id", "interview_sessions", ["user_id"])
    op.create_index("ix_interview_sessions_state", "interview_sessions", ["state"])
    op.create_table(
        "interview_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column("session_id", sa.Integer(),
                  sa.ForeignKey("interview_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("parent_id", sa.Integer(),
                  sa.ForeignKey("interview_answers.id", ondelete="CASCADE"), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("qid", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("original_chars", sa.Integer(), nullable=False),
        sa.Column("check", sa.JSON(), nullable=False),
        sa.Column("ticks", sa.JSON(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_interview_answers_user_id", "interview_answers", ["user_id"])
    op.create_index("ix_interview_answers_session_id", "interview_answers", ["session_id"])


def downgrade() -> None:
    op.drop_table("interview_answers")
    op.drop_table("interview_sessions")
