"""Go practice: graded submissions of exercises

Revision ID: 0006_practice
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_practice"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("exercise", sa.String(120), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("work_seconds", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_submissions_user_exercise", "submissions",
                    ["user_id", "exercise", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_user_exercise", table_name="submissions")
    op.drop_table("submissions")
