"""plans, plan roadmaps and items, time entries, weekly reports

Revision ID: 0003_plans
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_plans"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user_fk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    _create_plans()
    _create_plan_roadmaps()
    _create_plan_items()
    _create_time_entries()
    _create_weekly_reports()


def _create_plans() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("off_ranges", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_plans_user_id", "plans", ["user_id"])


def _create_plan_roadmaps() -> None:
    op.create_table(
        "plan_roadmaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column(
            "plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "roadmap_id",
            sa.Integer(),
            sa.ForeignKey("roadmaps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.UniqueConstraint("plan_id", "roadmap_id"),
    )
    op.create_index("ix_plan_roadmaps_user_id", "plan_roadmaps", ["user_id"])
    op.create_index("ix_plan_roadmaps_plan_id", "plan_roadmaps", ["plan_id"])


def _create_plan_items() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column(
            "plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "roadmap_id",
            sa.Integer(),
            sa.ForeignKey("roadmaps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("node_key", sa.String(length=16), nullable=False),
        sa.Column("doc_week", sa.Integer(), nullable=False),
        sa.Column("baseline_week", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("plan_id", "roadmap_id", "node_key"),
    )
    op.create_index("ix_plan_items_user_id", "plan_items", ["user_id"])
    op.create_index("ix_plan_items_plan_id", "plan_items", ["plan_id"])


def _create_time_entries() -> None:
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column(
            "roadmap_id",
            sa.Integer(),
            sa.ForeignKey("roadmaps.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("node_key", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "source", "ref"),
    )
    op.create_index("ix_time_entries_user_id", "time_entries", ["user_id"])
    op.create_index("ix_time_entries_day", "time_entries", ["day"])


def _create_weekly_reports() -> None:
    op.create_table(
        "weekly_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk(),
        sa.Column(
            "plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("plan_id", "week"),
    )
    op.create_index("ix_weekly_reports_user_id", "weekly_reports", ["user_id"])
    op.create_index("ix_weekly_reports_plan_id", "weekly_reports", ["plan_id"])


def downgrade() -> None:
    for table in ("weekly_reports", "time_entries", "plan_items", "plan_roadmaps", "plans"):
        op.drop_table(table)
