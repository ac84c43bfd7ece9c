"""job queue for graders on many machines: grading requests, and procrastinate's schema

Revision ID: 0011_job_queue
Revises: 0010_projects, 0006_practice (grading requests point at submissions: this also merges
the practice branch, so its table exists first on every database)

On PostgreSQL this also creates procrastinate's tables and functions (the job queue that
`gocoach worker` processes take submissions from), unless they are already there. SQLite (local
mode) grades in the web process and gets only the `grading_requests` table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_job_queue"
down_revision = ("0010_projects", "0006_practice")
branch_labels = None
depends_on = None

# The functions procrastinate's schema creates (all named procrastinate_*) go with their types.
_DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'procrastinate\\_%' AND n.nspname = current_schema()
    LOOP
        EXECUTE 'DROP FUNCTION ' || f.signature || ' CASCADE';
    END LOOP;
END;
$$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def upgrade() -> None:
    op.create_table(
        "grading_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("exercise", sa.String(120), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(),
                  sa.ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True,
                  unique=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_grading_requests_user_id", "grading_requests", ["user_id"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
        return  # applied already (e.g. with `procrastinate schema --apply`)
    from procrastinate.schema import SchemaManager

    # Several statements and $$-quoted functions: the driver's own cursor, no parameters (so no
    # %-escaping), inside the migration's transaction.
    with bind.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        with bind.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(_DROP_PROCRASTINATE)
    op.drop_index("ix_grading_requests_user_id", table_name="grading_requests")
    op.drop_table("grading_requests")
