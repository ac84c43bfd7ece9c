"""Helpers for the teams tests: a server-mode app, users made in the database, signing in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from conftest import NOW
from gocoach.startup import Database
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import User
from gocoach.teams import passwords
from gocoach.teams.accounts import create_user
from gocoach.web.app import create_app

PASSWORD = "correct horse battery"
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny costs, for tests that hash hundreds of times (the format is the same)."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64,
                                                            parallelism=1))
    monkeypatch.setattr(passwords, "_dummy", [])


def server_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Server mode on a fresh SQLite database, without bundled content or grading warm-up."""
    chosen: dict[str, Any] = {"load_bundled": False, "grading_warmup": False, "mode": "server",
                              "secret_key": "s" * 40, **overrides}
    return load_settings(data_dir=tmp_path / "server", **chosen)


@contextmanager
def server_client(tmp_path: Path, *, clock: Any = None, **overrides: Any
                  ) -> Iterator[TestClient]:
    """A started server-mode app (fixed clock if given) and its test client."""
    app = create_app(server_settings(tmp_path, **overrides))
    if clock is not None:
        app.state.clock = clock
    with TestClient(app) as client:
        yield client


def database_of(client: TestClient) -> Database:
    """The app's opened database."""
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    return database


def add_user(database: Database, username: str, role: str = "learner",
             password: str = PASSWORD) -> int:
    """Create a user directly in the database; their id."""
    with transaction(database.sessions) as session:
        user: User = create_user(session, username=username, password=password, role=role,
                                 now=NOW, display_name=username.title())
        return user.id


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign the client in (its cookie jar keeps the session); fails the test if refused."""
    answer = client.post("/login", data={"username": username, "password": password},
                         headers=SAME_ORIGIN, follow_redirects=False)
    assert answer.status_code == 303, answer.text
