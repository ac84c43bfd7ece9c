"""projects in team mode: uploads waiting for a worker, and mentors' reviews of project runs

Revision ID: 0013_project_queue
Revises: 0010_projects

Both tables point at `project_submissions` (0010) and `users` only. The branch stays beside
0011/0012 (start-up upgrades to every head); `project_requests.job_id` is a procrastinate job
id, not a foreign key, so this needs nothing of 0011.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_project_queue"
down_revision = "0010_projects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("project", sa.String(120), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("ignored", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(),
                  sa.ForeignKey("project_submissions.id", ondelete="SET NULL"), nullable=True,
                  unique=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_project_requests_user_id", "project_requests", ["user_id"])
    op.create_table(
        "project_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("project_submission_id", sa.Integer(),
                  sa.ForeignKey("project_submissions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("project_reviews")
    op.drop_index("ix_project_requests_user_id", table_name="project_requests")
    op.drop_table("project_requests")
