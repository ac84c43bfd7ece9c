"""The CLI speaks the user's language: Russian under a Russian locale, English under C/POSIX or
an English one, GOCOACH_LANGUAGE over both; one language per run (issue #16).

The commands checked print no content (no question texts, no roadmap titles), so everything in
their output is interface wording: errors, `today` without a plan, `settings`, `--help`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from gocoach.cli import context as cli_context
from gocoach.cli import language
from gocoach.cli.language import catalog, choose_language, t, tn, use_language
from gocoach.cli.main import COMMANDS, LazyGroup, app
from test_cli_fixes16 import command_paths
from test_cli_server import gocoach, runtime, wait_for_server  # noqa: F401 (a fixture)

GOCOACH = str(Path(sys.executable).parent / "gocoach")
LOCALE = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "GOCOACH_LANGUAGE")
RUSSIAN = {"LANG": "ru_RU.UTF-8"}
ENGLISH = {"LANG": "C"}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# what is not wording: `commands`, --options, GOCOACH_* and other names in capitals, paths,
# URLs, file names, ids with digits, dots or underscores, numbers
NOT_WORDING = re.compile(r"`[^`]*`|--?[\w-]+|\b[A-Z][A-Z0-9_]+\b|\S*[/\\:@]\S*|\S*[\d._]\S*")
# the names a Russian line may still hold: commands, choices, products, values of settings
NAMES = frozenset((
    "gocoach", "serve", "worker", "settings", "today", "plan", "show", "mark", "import",
    "export", "learner", "mentor", "admin", "todo", "done", "skipped", "local", "server",
    "obsidian", "github", "csv", "md", "version", "constant", "middle", "senior", "architect",
    "markdown", "anyio", "bubblewrap", "procrastinate", "sqlite", "postgresql", "sqlalchemy",
    "true", "false", "off", "id", "fsrs", "anki", "json", "jsonl", "zip", "go", "vet", "ctrl",
    "cli", "root"))
COMMANDS_RUN = (
    ("today",),                          # no plan yet: the domain's error, worded for the CLI
    ("settings",),
    ("no-such-command",),                # click's usage error
    ("log", "many"),                     # a value click refuses
    ("mark",),                           # a missing argument
    ("show", "no-such-roadmap"),         # a domain error with a catalog key
    ("exercise", "test", "/no/such/folder"),
    ("plan",),                           # a group without a command: its help
    ("--help",),
)


def env_of(language_env: dict[str, str], tmp_path: Path) -> dict[str, str | None]:
    """An environment with only the given locale variables (the others removed)."""
    env: dict[str, str | None] = {name: None for name in LOCALE}
    env.update(language_env)
    env.update(GOCOACH_DATA_DIR=str(tmp_path / "data"), COLUMNS="200")
    return env


def english_sentences(output: str) -> list[str]:
    """Pieces of the output (table cells, panel lines) that hold English words and no Russian
    ones: interface wording left in English."""
    found = []
    for line in output.splitlines():
        for piece in re.split(r"[│┃╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┣┫╇╈╋]+", line):
            if CYRILLIC.search(piece):
                continue
            words = [w for w in re.findall(r"[A-Za-z]{2,}", NOT_WORDING.sub(" ", piece))
                     if w.lower() not in NAMES]
            if words:
                found.append(piece.strip())
    return found


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as they need: a cell is not cut into lines (each checked on its own)."""
    monkeypatch.setattr(cli_context.console, "width", 300)
    monkeypatch.setattr(cli_context.errors, "width", 300)


def invoke(args: tuple[str, ...], env: dict[str, str | None]) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "ru_UA.UTF-8"}, "ru"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": ""}, "en"),
    ({"LANGUAGE": "ru:en", "LANG": "C"}, "ru"),            # gettext's order: LANGUAGE first
    ({"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "ru_RU.UTF-8", "LANG": "C"}, "ru"),
    ({"GOCOACH_LANGUAGE": "en", "LC_ALL": "ru_RU.UTF-8"}, "en"),
    ({"GOCOACH_LANGUAGE": "ru", "LANG": "C"}, "ru"),
    ({"GOCOACH_LANGUAGE": " RU ", "LANG": "C"}, "ru"),
    ({"GOCOACH_LANGUAGE": "de", "LANG": "ru_RU.UTF-8"}, "ru"),  # not ru/en: the locale decides
    ({"gocoach_language": "ru", "LANG": "C"}, "ru"),       # settings are case-insensitive
])
def test_the_language_follows_the_setting_then_the_locale(
        environ: dict[str, str], expected: str) -> None:
    assert choose_language(environ) == expected


def test_texts_plurals_and_numbers_follow_the_language() -> None:
    with use_language("ru"):
        assert t("cli.usage.commands") == "Команды"
        assert [tn("cli.plan.items", n) for n in (1, 3, 5, 21)] == [
            "1 пункт", "3 пункта", "5 пунктов", "21 пункт"]
        assert language.number(17.5) == "17,5"
        assert language.day_format(date(2026, 11, 4), "EEE") == "ср"
    with use_language("en"):
        assert t("cli.usage.commands") == "Commands"
        assert [tn("cli.plan.items", n) for n in (1, 3)] == ["1 item", "3 items"]
        assert language.number(17.5) == "17.5"


def test_the_catalog_is_read_without_babel_unless_the_mo_is_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "locale"
    shutil.copytree(language.LOCALE_DIR, copy)
    monkeypatch.setattr(language, "LOCALE_DIR", copy)
    catalog.cache_clear()
    try:
        fresh = catalog("ru")
        assert type(fresh).__module__ == "gettext"  # the standard library's GNUTranslations
        mo = copy / "ru" / "LC_MESSAGES" / "messages.mo"
        os.utime(mo, (1, 1))  # older than its .po: edited since `make i18n-compile`
        catalog.cache_clear()
        stale = catalog("ru")
        assert type(stale).__module__.startswith("babel")  # the .po compiled in memory
        assert stale.gettext("cli.usage.commands") == "Команды"
        mo.unlink()
        catalog.cache_clear()
        assert catalog("ru").gettext("cli.usage.commands") == "Команды"
    finally:
        catalog.cache_clear()


@pytest.mark.parametrize("args", COMMANDS_RUN, ids=" ".join)
def test_russian_output_has_no_english_wording(args: tuple[str, ...], tmp_path: Path) -> None:
    _, output = invoke(args, env_of(RUSSIAN, tmp_path))
    assert CYRILLIC.search(output), output
    assert english_sentences(output) == [], output
    assert "Traceback" not in output


@pytest.mark.parametrize("setting", [ENGLISH, {"GOCOACH_LANGUAGE": "en", "LANG": "ru_RU.UTF-8"}],
                         ids=["LANG=C", "GOCOACH_LANGUAGE=en"])
@pytest.mark.parametrize("args", COMMANDS_RUN, ids=" ".join)
def test_english_output_has_no_cyrillic(args: tuple[str, ...], setting: dict[str, str],
                                        tmp_path: Path) -> None:
    _, output = invoke(args, env_of(setting, tmp_path))
    assert not CYRILLIC.search(output), output
    assert "Traceback" not in output


def test_a_run_gives_the_same_exit_and_the_same_errors_in_both_languages(tmp_path: Path) -> None:
    for args in COMMANDS_RUN:
        assert invoke(args, env_of(RUSSIAN, tmp_path))[0] == \
            invoke(args, env_of(ENGLISH, tmp_path))[0], args
    assert "ошибка: плана пока нет" in invoke(("today",), env_of(RUSSIAN, tmp_path))[1]
    assert "error: no plan yet" in invoke(("today",), env_of(ENGLISH, tmp_path))[1]
    _, ru = invoke(("log", "many"), env_of(RUSSIAN, tmp_path))
    assert "Неверное значение 'minutes': 'many' — не целое число." in ru
    assert "Использование:" in ru and "Ошибка" in ru


def every_command_path() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    return command_paths(root, typer.Context(root, info_name="gocoach"))


def test_every_help_is_russian_in_russian(tmp_path: Path) -> None:
    paths = every_command_path()
    assert len(paths) > 60
    for path in paths:
        code, output = invoke((*path, "--help"), env_of(RUSSIAN, tmp_path))
        assert code == 0, (path, output)
        assert "Использование:" in output and "Показать эту справку и выйти." in output, path
        assert english_sentences(output) == [], (path, output)


def test_russian_help_lists_every_command_in_russian(tmp_path: Path) -> None:
    code, output = invoke(("--help",), env_of(RUSSIAN, tmp_path))
    assert code == 0 and "Команды" in output and "Параметры" in output
    for name in COMMANDS:
        line = next(line for line in output.splitlines() if f"│ {name} " in line)
        assert CYRILLIC.search(line), line


def test_the_help_table_matches_every_command_in_russian_too() -> None:
    group: Any = typer.main.get_group(app)
    assert isinstance(group, LazyGroup)
    with use_language("ru"):
        context = typer.Context(group)
        for module in {entry.module for entry in COMMANDS.values()}:
            group.module_group(module)
        for name, entry in COMMANDS.items():
            command = group.get_command(context, name)
            assert command is not None
            assert command.get_short_help_str(limit=300) == entry.help, name
            assert CYRILLIC.search(entry.help), name


def test_the_installed_script_speaks_the_locale(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k not in LOCALE}
    base.update(GOCOACH_DATA_DIR=str(tmp_path / "data"), COLUMNS="120",
                GOCOACH_CLI_SERVER="off")

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([GOCOACH, *args], env={**base, **env}, capture_output=True,
                              text=True, timeout=120, check=False)

    ru = run("--help", LANG="ru_RU.UTF-8")
    assert ru.returncode == 0 and "Использование: gocoach" in ru.stdout
    assert english_sentences(ru.stdout) == []
    en = run("--help", LANG="C")
    assert en.returncode == 0 and "Usage: gocoach" in en.stdout
    assert not CYRILLIC.search(en.stdout)
    failed = run("today", LANG="ru_RU.UTF-8")
    assert failed.returncode == 1 and failed.stderr.startswith("ошибка: плана пока нет")
    assert english_sentences(failed.stderr) == []


def test_the_cli_server_runs_each_command_in_its_callers_language(
        runtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 (the fixture)
    """The server imports the commands once, before it knows who calls: the language is chosen
    per command, from the environment the client sends."""
    for name in LOCALE:
        monkeypatch.delenv(name, raising=False)
    first = gocoach("today", "--help", server=True)  # runs here, starts a server
    assert first.returncode == 0
    wait_for_server(runtime)
    for lang, words in (("ru_RU.UTF-8", "Использование:"), ("C", "Usage:"),
                        ("ru_RU.UTF-8", "Использование:")):
        monkeypatch.setenv("LANG", lang)
        served = gocoach("today", "--help", server=True)
        assert served.returncode == 0 and words in served.stdout, served.stdout
        failed = gocoach("show", "no-such-roadmap", server=True)
        assert failed.returncode == 1
        assert bool(CYRILLIC.search(failed.stderr)) == lang.startswith("ru"), failed.stderr
