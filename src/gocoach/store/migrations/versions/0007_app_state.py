"""Installation state: fingerprints of loaded content, so start-up can skip reloading it

Revision ID: 0007_app_state
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_app_state"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_state")
