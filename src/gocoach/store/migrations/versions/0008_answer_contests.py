"""answer contests: a learner disagrees with the checker's verdict on a typed answer

Revision ID: 0008_answer_contests
Revises: 0007_app_state, 0005_interviews (a merge: the contests refer to interview answers, so
the interviews' branch must come first; `depends_on` would do that too, but Alembic then drops
0005 from the recorded heads, which `store.engine.migration_heads` does not expect)
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_answer_contests"
down_revision = ("0007_app_state", "0005_interviews")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_contests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        # the answer may go (its session deleted); the snapshots below keep the labelled data
        sa.Column("answer_id", sa.Integer(),
                  sa.ForeignKey("interview_answers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("qid", sa.String(100), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.Column("claim", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_answer_contests_user_answer", "answer_contests",
                    ["user_id", "answer_id"])
    # one open contest per answer, even when two requests race
    op.create_index("ux_answer_contests_open", "answer_contests", ["answer_id"], unique=True,
                    sqlite_where=sa.text("status = 'open'"),
                    postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_table("answer_contests")
