"""Settings, the database engine and sessions, all tables, users, and the Alembic migrations."""
