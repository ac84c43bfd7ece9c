"""Alembic environment: runs on the connection gocoach.store.engine.migrate passes in."""

from alembic import context

from gocoach.store import tables  # noqa: F401  (registers the tables)
from gocoach.store.engine import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `gocoach migrate`")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
