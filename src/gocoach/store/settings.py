"""Settings, read from the environment (prefix GOCOACH_) when the app or the CLI starts.

A plain dataclass read by hand rather than pydantic-settings: every CLI command reads the
settings, and importing pydantic-settings cost ~130 ms of a 0.6 s `gocoach today` on this
machine (bench/cli_start.py). What pydantic gave us is kept: types checked, bounds checked,
a clear message naming the variable (`SettingError`), descriptions for `gocoach settings`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_dir

TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})
FALSE = frozenset({"0", "false", "no", "off", "f", "n"})


class SettingError(ValueError):
    """A setting that cannot be used; the message names the variable and what is wrong."""


class Secret:
    """A value that prints as stars (`gocoach settings`, logs), read with get_secret_value()."""

    def __init__(self, value: str = "") -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _setting(description: str, default: Any = MISSING, *, factory: Callable[[], Any] | None = None,
             parse: Callable[[str], Any] = str, minimum: int | None = None,
             choices: tuple[str, ...] | None = None) -> Any:
    meta = {"description": description, "parse": parse, "minimum": minimum, "choices": choices}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError("expected true or false")


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("expected a whole number") from None


def _zone(text: str) -> str:
    name = text.strip()
    if name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a known time zone: {name[:60]!r} (e.g. Europe/Moscow)") \
                from None
    return name


def _optional_path(text: str) -> Path | None:
    return Path(text) if text.strip() else None


def _default_content_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "content"


@dataclass
class Settings:
    """Every setting with its help text; `gocoach settings` prints them."""

    data_dir: Path = _setting(
        "Folder for the embedded SQLite database and other user data.",
        factory=lambda: Path(user_data_dir("gocoach")), parse=Path)
    database_url: str = _setting(
        "SQLAlchemy URL; empty means SQLite in data_dir. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db", "")
    host: str = _setting("Address the web app listens on.", "127.0.0.1")
    port: int = _setting("Port the web app listens on.", 8000, parse=_int, minimum=0)
    mode: str = _setting("local: one user, no login; server: many users with accounts.",
                         "local", choices=("local", "server"))
    user: str = _setting(
        "Server mode: the account the CLI's study commands (today, mark, drill, log, plan, …) "
        "act as; it must exist and be enabled. Ignored in local mode.", "", parse=str.strip)
    max_import_bytes: int = _setting("Largest document accepted by import (bytes).",
                                     5 * 1024 * 1024, parse=_int, minimum=1)
    max_backup_bytes: int = _setting(
        "Largest backup file `gocoach restore` reads (bytes); restoring takes about ten "
        "times the file's size in memory.", 256 * 1024 * 1024, parse=_int, minimum=1)
    language: str = _setting("Interface language; empty: from the browser, else Russian.", "",
                             choices=("", "ru", "en"))
    timezone: str = _setting(
        "Time zone of the dates and times the interface shows (an IANA name such as "
        "Europe/Moscow); empty: this machine's zone.", "", parse=_zone)
    content_dir: Path = _setting(
        "Folder with the question bank (tracks/) and exercises (exercises/).",
        factory=_default_content_dir, parse=Path)
    load_bundled: bool = _setting("Load the bundled curricula on start-up (idempotent).", True,
                                  parse=_bool)
    grading_workers: int = _setting(
        "Go exercise graders running at once; 0 means one per CPU core.", 0, parse=_int,
        minimum=0)
    grading_queue: int = _setting(
        "Submissions that may wait for a grader; more get 'busy, try again'.", 32, parse=_int,
        minimum=1)
    allow_unsandboxed: bool = _setting(
        "Local mode only: without bubblewrap, grade with resource limits only "
        "(after a warning). Server mode never grades without the sandbox.", True, parse=_bool)
    grading_cache_dir: Path | None = _setting(
        "Shared Go build cache of the grader; empty means data_dir/go.", None,
        parse=_optional_path)
    grading_warmup: bool = _setting(
        "Warm the Go build cache in the background when the web app starts.", True,
        parse=_bool)
    grading_uid_base: int = _setting(
        "Graded code runs as uid base+slot (one unprivileged uid per grader).", 64000,
        parse=_int, minimum=1000)
    allowed_hosts: str = _setting(
        "Comma-separated host names the web app answers to (others get a 400); "
        "empty: the bind address, localhost, 127.0.0.1 and ::1; '*.example.org' matches "
        "subdomains; '*' accepts any Host (only behind a proxy that checks it).", "")
    trusted_origins: str = _setting(
        "Comma-separated extra origins (https://coach.example.org) whose forms may "
        "post to the app, e.g. when a reverse proxy rewrites the Host header.", "")
    secret_key: Secret = _setting(
        "Key that signs sessions and tokens; server mode refuses to start without "
        "one (32+ characters); local mode generates one in data_dir/secret_key.",
        factory=Secret, parse=Secret)
    web_threads: int = _setting("Worker threads of the web app (anyio's thread limiter).", 40,
                                parse=_int, minimum=1)
    db_pool_size: int = _setting(
        "Database connections per web process; requests beyond it wait their "
        "turn instead of failing.", 20, parse=_int, minimum=1)
    db_max_overflow: int = _setting(
        "Extra connections for background work (graders, warm-up) beyond the pool.", 10,
        parse=_int, minimum=0)
    cli_server: bool = _setting(
        "Run CLI commands through a background server that has already imported the app "
        "(cli/launch.py): ~0.1 s instead of ~0.6 s; off: every command starts from scratch.",
        True, parse=_bool)
    cli_server_idle: int = _setting(
        "Seconds the CLI server waits for a command before it stops.", 600, parse=_int,
        minimum=1)

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = _checked(spec.name, getattr(self, spec.name), spec.metadata)
            object.__setattr__(self, spec.name, value)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'gocoach.db'}"

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

    def model_copy(self, *, update: Mapping[str, Any]) -> Settings:
        """These settings with some values changed (checked like the others)."""
        return replace(self, **update)


def _checked(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    """A value converted from text where needed, then bounds and choices checked."""
    variable = f"GOCOACH_{name.upper()}"
    if isinstance(value, str) and meta["parse"] is not str:
        try:
            value = meta["parse"](value)
        except ValueError as exc:
            raise SettingError(f"{variable}: {exc}, got {value!r}") from None
    if isinstance(value, str) and meta["parse"] is str:
        value = value.strip() if meta["choices"] else value
    if meta["choices"] is not None and value not in meta["choices"]:
        allowed = ", ".join(repr(c) for c in meta["choices"])
        raise SettingError(f"{variable}: expected one of {allowed}, got {value!r}")
    minimum = meta["minimum"]
    if minimum is not None and value < minimum:
        raise SettingError(f"{variable}: must be at least {minimum}, got {value}")
    return value


def setting_descriptions() -> list[tuple[str, str]]:
    """(name, description) of every setting, in order."""
    return [(spec.name, spec.metadata["description"]) for spec in fields(Settings)]


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    known = {spec.name for spec in fields(Settings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(unknown)}")
    environment = {key.upper(): value for key, value in os.environ.items()}
    values: dict[str, Any] = {}
    for name in known:
        if name in overrides:
            values[name] = overrides[name]
        elif (text := environment.get(f"GOCOACH_{name.upper()}")) is not None:
            values[name] = text
    return Settings(**values)
