"""capstone projects: tester runs over a learner's module, with per-stage results

Revision ID: 0010_projects
Revises: 0009_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_projects"
down_revision = "0009_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("project", sa.String(120), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        # the numbers of the stages this run passed; the report holds every stage's result
        sa.Column("stages_passed", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_project_submissions_user_project", "project_submissions",
                    ["user_id", "project", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_project_submissions_user_project", table_name="project_submissions")
    op.drop_table("project_submissions")
