"""question bank: tracks, modules, questions, follow-ups, full-text index

Revision ID: 0002_question_bank
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_question_bank"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_question_tracks()
    _create_question_modules()
    _create_questions()
    _create_question_followups()


def _create_question_tracks() -> None:
    op.create_table(
        "question_tracks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("focus", sa.Text(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def _create_question_modules() -> None:
    op.create_table(
        "question_modules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "track_id",
            sa.Integer(),
            sa.ForeignKey("question_tracks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("group_name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("track_id", "number"),
    )


def _create_questions() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("qid", sa.String(100), nullable=False, unique=True),
        sa.Column(
            "track_id",
            sa.Integer(),
            sa.ForeignKey("question_tracks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("module_number", sa.String(4), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("freq", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("key_points", sa.JSON(), nullable=False),
        sa.Column("mistakes", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(300), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("search_stems", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def _create_question_followups() -> None:
    op.create_table(
        "question_followups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fid", sa.String(120), nullable=False, unique=True),
        sa.Column("qid", sa.String(100), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("search_stems", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE question_search USING fts5("
            "ref UNINDEXED, kind UNINDEXED, title, body, tokenize='unicode61')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE question_search")
    for table in ("question_followups", "questions", "question_modules", "question_tracks"):
        op.drop_table(table)
