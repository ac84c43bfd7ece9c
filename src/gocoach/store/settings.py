"""Settings, read from the environment (prefix GOCOACH_) when the app or the CLI starts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting with its help text; `gocoach settings` prints them."""

    model_config = SettingsConfigDict(env_prefix="GOCOACH_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("gocoach")),
        description="Folder for the embedded SQLite database and other user data.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite in data_dir. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db",
    )
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=8000, description="Port the web app listens on.")
    mode: Literal["local", "server"] = Field(
        default="local",
        description="local: one user, no login; server: many users (accounts come later).",
    )
    max_import_bytes: int = Field(
        default=5 * 1024 * 1024, description="Largest document accepted by import (bytes)."
    )
    language: Literal["", "ru", "en"] = Field(
        default="", description="Interface language; empty: from the browser, else Russian."
    )
    content_dir: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parents[3] / "content",
        description="Folder with the question bank (tracks/) and exercises (exercises/).",
    )
    load_bundled: bool = Field(
        default=True, description="Load the bundled curricula on start-up (idempotent)."
    )
    grading_workers: int = Field(
        default=0, ge=0,
        description="Go exercise graders running at once; 0 means one per CPU core.",
    )
    grading_queue: int = Field(
        default=32, ge=1,
        description="Submissions that may wait for a grader; more get 'busy, try again'.",
    )
    allow_unsandboxed: bool = Field(
        default=True,
        description="Local mode only: without bubblewrap, grade with resource limits only "
        "(after a warning). Server mode never grades without the sandbox.",
    )
    grading_cache_dir: Path | None = Field(
        default=None,
        description="Shared Go build cache of the grader; empty means data_dir/go.",
    )
    grading_warmup: bool = Field(
        default=True,
        description="Warm the Go build cache in the background when the web app starts.",
    )
    grading_uid_base: int = Field(
        default=64000, ge=1000,
        description="Graded code runs as uid base+slot (one unprivileged uid per grader).",
    )

    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names the web app answers to (others get a 400); "
        "empty: the bind address, localhost, 127.0.0.1 and ::1; '*.example.org' matches "
        "subdomains; '*' accepts any Host (only behind a proxy that checks it).",
    )
    trusted_origins: str = Field(
        default="",
        description="Comma-separated extra origins (https://coach.example.org) whose forms may "
        "post to the app, e.g. when a reverse proxy rewrites the Host header.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key that signs sessions and tokens; server mode refuses to start without "
        "one (32+ characters); local mode generates one in data_dir/secret_key.",
    )
    web_threads: int = Field(
        default=40, ge=1,
        description="Worker threads of the web app (anyio's thread limiter).",
    )
    db_pool_size: int = Field(
        default=20, ge=1,
        description="Database connections per web process; requests beyond it wait their "
        "turn instead of failing.",
    )
    db_max_overflow: int = Field(
        default=10, ge=0,
        description="Extra connections for background work (graders, warm-up) beyond the pool.",
    )

    @field_validator("grading_cache_dir", mode="before")
    @classmethod
    def _empty_cache_dir(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'gocoach.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded database."""
        return self.database_url.startswith("sqlite")

    @property
    def host_names(self) -> tuple[str, ...]:
        """The Host header values the web app accepts (lower case, without ports)."""
        listed = [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]
        if listed:
            return tuple(listed)
        defaults = [self.host.strip("[]").lower(), "localhost", "127.0.0.1", "::1"]
        return tuple(dict.fromkeys(h for h in defaults if h not in ("0.0.0.0", "::")))

    @property
    def origins(self) -> tuple[str, ...]:
        """Extra trusted origins, normalised (lower case, no trailing slash)."""
        return tuple(o.strip().rstrip("/").lower() for o in self.trusted_origins.split(",")
                     if o.strip())


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
