"""What every CLI command shares: settings, the database, the user, and clean error exits in the
CLI's language (cli/language.py)."""

from __future__ import annotations

import errno
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer._click.globals import get_current_context  # Typer vendors its click

from gocoach.cli.language import N_, knows, language, t, words
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


# Commands that act on the installation, not as someone: in server mode they need no
# GOCOACH_USER (the local user stands in, as it always has). A command path starting with one
# of these (`content load`) counts; every other command studies, as GOCOACH_USER.
WITHOUT_USER = frozenset({"user", "cohort", "backup", "restore", "migrate", "serve", "worker",
                          "settings", "content", "export-anki", "q search"})


@dataclass
class Context:
    """An opened database with its settings, and the account study commands act as."""

    settings: Settings
    database: Database
    username: str | None = None  # server mode: GOCOACH_USER; None: the local user


def open_context() -> Context:
    """Settings from the environment, the database migrated and seeded.

    In server mode a study command acts as GOCOACH_USER: without it, or when that account does
    not exist or is disabled, the command stops here (exit status 2) before doing anything.
    """
    settings = load_settings()
    acting = settings.mode == "server" and not _without_user(_command_path())
    if acting and not settings.user:
        raise _refuse_user(t("cli.user.needed"))
    database, _ = open_database(settings)
    context = Context(settings=settings, database=database,
                      username=settings.user.lower() if acting else None)
    if acting:
        with transaction(database.sessions) as session:
            _acting_user(session, context)
    return context


@contextmanager
def unit_of_work(ctx: Context) -> Iterator[tuple[Session, User]]:
    """One transaction and the acting user: GOCOACH_USER in server mode (study commands),
    else the local user."""
    with transaction(ctx.database.sessions) as session:
        if ctx.username is None:
            yield session, ensure_local_user(session, now=utc_now())
        else:
            yield session, _acting_user(session, ctx)


def _command_path() -> str:
    """The running command without the program (`q search`); "" outside a command."""
    names: list[str] = []
    context = get_current_context(silent=True)
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names))


def _without_user(path: str) -> bool:
    parts = path.split()
    return bool(parts) and (parts[0] in WITHOUT_USER or " ".join(parts[:2]) in WITHOUT_USER)


def _acting_user(session: Session, ctx: Context) -> User:
    """The GOCOACH_USER account, if it exists and may sign in; else the exit (status 2)."""
    from gocoach.teams.accounts import USERNAME

    name = ctx.username or ""
    user = session.scalars(select(User).where(User.username == name)).one_or_none() \
        if USERNAME.fullmatch(name) else None
    if user is None:
        raise _refuse_user(t("cli.user.unknown", name=name[:80]))
    if user.disabled:
        raise _refuse_user(t("cli.user.disabled", name=user.username))
    return user


def _refuse_user(message: str) -> typer.Exit:
    """Print why the command cannot act as a user; the exit (status 2, as a bad setting)."""
    return fail(escape(message), 2)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise."""
    errors.print(t("cli.err.line", message=message), highlight=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn bad input into a clear message in the CLI's language and a non-zero exit, never a
    traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SettingError as exc:
            raise fail(t("cli.err.setting", what=say_error(exc)), 2) from None
        except (LookupError, ValueError) as exc:  # DocumentError and BackupError included
            raise fail(say_error(exc)) from None
        except RuntimeError as exc:
            from gocoach.questions.examples import GoMissingError

            if isinstance(exc, GoMissingError):
                raise fail(say_error(exc)) from None
            raise
        except OperationalError as exc:
            raise fail(t("cli.err.database", what=exc.orig), 3) from None
        except OSError as exc:
            raise fail(say_os_error(exc)) from None

    return wrapper


# The sentences of errors the CLI shows that no catalog key names yet (settings read from the
# environment); the domain's other sentences are web/phrasebook.py's
CLI_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), key) for pattern, key in (
        (r"(?P<variable>GOCOACH_\w+): expected one of (?P<allowed>.+), got (?P<value>.+)",
         N_("cli.err.setting_choice")),
        (r"(?P<variable>GOCOACH_\w+): must be at least (?P<minimum>.+), got (?P<value>.+)",
         N_("cli.err.setting_minimum")),
        (r"(?P<variable>GOCOACH_\w+): expected true or false, got (?P<value>.+)",
         N_("cli.err.setting_bool")),
        (r"(?P<variable>GOCOACH_\w+): expected a whole number, got (?P<value>.+)",
         N_("cli.err.setting_int")),
        (r"(?P<variable>GOCOACH_\w+): not a known time zone: (?P<zone>.+?) \(e\.g\. "
         r"Europe/Moscow\), got (?P<value>.+)", N_("cli.err.setting_zone")),
    )
)
# the CLI's wording of domain errors whose web wording names a page (say_error)
CLI_WORDINGS = (N_("cli.err.plan.none"), N_("cli.err.plan.twice"), N_("cli.err.plan.roadmaps"),
                N_("cli.err.roadmap"), N_("cli.err.exercise"), N_("cli.err.project"),
                N_("cli.err.question"), N_("cli.err.report.none"))
# what the operating system says (its English words), by errno
OS_ERRORS = {"ENOENT": N_("cli.os.ENOENT"), "EACCES": N_("cli.os.EACCES"),
             "EPERM": N_("cli.os.EPERM"), "EISDIR": N_("cli.os.EISDIR"),
             "ENOTDIR": N_("cli.os.ENOTDIR"), "EEXIST": N_("cli.os.EEXIST"),
             "ENOSPC": N_("cli.os.ENOSPC"), "EROFS": N_("cli.os.EROFS"),
             "ENOTEMPTY": N_("cli.os.ENOTEMPTY"), "ENAMETOOLONG": N_("cli.os.ENAMETOOLONG")}


def say_error(exc: BaseException) -> str:
    """A domain error in the CLI's language.

    English: the domain's sentence as it is. Russian: the text of the catalog key the error
    carries (store.refusals.Refusal, the teams' `key`), else of the sentence's pattern in
    web/phrasebook.py (or CLI_PHRASES), else the sentence as it is (it names what went wrong,
    which a general message would hide). A key the web words for a page (`err.plan.none`:
    "on the Plan page") has a CLI wording under `cli.` (`cli.err.plan.none`).
    """
    reason = getattr(exc, "reason", None)
    if getattr(reason, "code", None) is not None:  # the grader's: practice/grading/reasons.py
        return say_reason(reason)
    sentence = str(exc)
    if language() == "en":
        return sentence
    from gocoach.web.phrasebook import phrase_key

    said = words()
    code, key = getattr(exc, "code", None), getattr(exc, "key", None)
    if not isinstance(code, str) and isinstance(key, str):
        code = f"acct.err.{key}"
    found = (code, dict(getattr(exc, "params", None) or {})) \
        if isinstance(code, str) and said.knows(code) else phrase_key(sentence)
    if found:  # the CLI's own wording first (cli.err.plan.none: a command, not a page)
        key, params = found
        return said.sentence(f"cli.{key}" if knows(f"cli.{key}") else key, params)
    for pattern, phrase in CLI_PHRASES:
        matched = pattern.match(sentence)
        if matched:
            return t(phrase, **matched.groupdict())
    return sentence


def say_reason(reason: object) -> str:
    """A sentence of the grader (a Reason, or text) in the CLI's language; None is ""."""
    from gocoach.web.grader_wording import grader_text

    return grader_text(reason, language())


def say_os_error(exc: OSError, path: object = None) -> str:
    """'path: what went wrong' (the error's own file unless `path`), the system's words in the
    CLI's language."""
    name = errno.errorcode.get(exc.errno or 0, "")
    reason = t(OS_ERRORS[name]) if name in OS_ERRORS and language() != "en" else \
        (exc.strerror or str(exc))
    return f"{path or exc.filename or ''}: {reason}".lstrip(": ")
