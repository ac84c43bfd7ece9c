"""mentor comments: threads on weekly reports and review comments on exercise submissions

Revision ID: 0012_mentor_comments
Revises: 0009_accounts, 0003_plans, 0006_practice

A branch beside 0010/0011 that also merges 0003 (weekly_reports) and 0006 (submissions), which
its foreign keys point at. They are parents, not `depends_on`: Alembic drops a dependency from
`alembic_version` once the dependent is applied, and `store.engine.migration_heads` (which reads
only `down_revision`) would then never see the schema as current.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_mentor_comments"
down_revision = ("0009_accounts", "0003_plans", "0006_practice")
branch_labels = None
depends_on = None


def _thread(name: str, target: str, target_table: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column(target, sa.Integer(),
                  sa.ForeignKey(f"{target_table}.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade() -> None:
    _thread("report_comments", "report_id", "weekly_reports")
    _thread("submission_reviews", "submission_id", "submissions")


def downgrade() -> None:
    op.drop_table("submission_reviews")
    op.drop_table("report_comments")
