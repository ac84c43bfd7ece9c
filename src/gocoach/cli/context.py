"""What every CLI command shares: settings, the database, the user, and clean error exits."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gocoach.startup import Database, open_database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import SettingError, Settings, load_settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user

# soft_wrap: messages and paths are never broken across lines (tables still fit the width).
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
P = ParamSpec("P")
R = TypeVar("R")


def reset_consoles() -> None:
    """Detect the terminal again (colour, width) for the two consoles: the CLI server
    (cli/zygote.py) calls it in each forked command, whose stdio are the client's."""
    console.__init__(soft_wrap=True)  # type: ignore[misc]
    errors.__init__(stderr=True, soft_wrap=True)  # type: ignore[misc]


@dataclass
class Context:
    """An opened database with its settings."""

    settings: Settings
    database: Database


def open_context() -> Context:
    """Settings from the environment, the database migrated and seeded."""
    settings = load_settings()
    database, _ = open_database(settings)
    return Context(settings=settings, database=database)


@contextmanager
def unit_of_work(ctx: Context) -> Iterator[tuple[Session, User]]:
    """One transaction and the acting user (the local user until accounts exist)."""
    with transaction(ctx.database.sessions) as session:
        yield session, ensure_local_user(session, now=utc_now())


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn bad input into a clear message and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SettingError as exc:
            raise fail(f"bad setting: {exc}", 2) from None
        except (LookupError, ValueError) as exc:  # DocumentError and BackupError included
            raise fail(str(exc)) from None
        except RuntimeError as exc:
            from gocoach.questions.examples import GoMissingError

            if isinstance(exc, GoMissingError):
                raise fail(str(exc)) from None
            raise
        except OperationalError as exc:
            raise fail(f"database error: {exc.orig}", 3) from None
        except OSError as exc:
            raise fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None

    return wrapper

