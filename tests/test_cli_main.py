"""The lazy root command: every command listed and working, and start-up that stays cheap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
import typer.main
from typer.testing import CliRunner

from gocoach.cli import main
from gocoach.cli.main import COMMANDS, app

PROBE = """
import sys
from gocoach.cli.main import main
sys.argv = ["gocoach", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"alembic", "sqlalchemy", "fastapi",
    "uvicorn", "jinja2", "fsrs", "icalendar"} or m.startswith(("gocoach.curricula",
    "gocoach.questions", "gocoach.drills", "gocoach.interviews", "gocoach.practice",
    "gocoach.web", "gocoach.backup")))
print("HEAVY:" + ",".join(heavy))
"""


def probe(tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """Run the command in a fresh interpreter; its output and the heavy modules it imported."""
    env = {**os.environ, "GOCOACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    output, _, heavy = done.stdout.rpartition("HEAVY:")
    return output + done.stderr, [m for m in heavy.strip().split(",") if m]


def real_group() -> typer.core.TyperGroup:
    """Every command module's commands, imported for real."""
    group = typer.main.get_group(app)
    assert isinstance(group, main.LazyGroup)
    return group


def test_the_help_table_matches_every_command_module() -> None:
    group = real_group()
    context = typer.Context(group)
    registered: set[str] = set()
    for module in {entry.module for entry in COMMANDS.values()}:
        sub = group.module_group(module)
        registered |= set(sub.list_commands(typer.Context(sub)))
    assert registered == set(COMMANDS), "a command is registered but not listed, or the reverse"
    for name, entry in COMMANDS.items():
        command = group.get_command(context, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=300) == entry.help, name


def test_help_lists_commands_without_importing_features(tmp_path: Path) -> None:
    output, heavy = probe(tmp_path, "--help")
    assert "today" in output and "export-anki" in output and "serve" in output
    assert heavy == []


def test_a_command_imports_its_own_module_only_when_run(tmp_path: Path) -> None:
    output, heavy = probe(tmp_path, "exercise", "--help")
    assert "start" in output and "submit" in output
    assert "gocoach.practice.exercises" not in heavy or "gocoach.interviews.sessions" not in heavy


def test_a_migrated_database_is_not_migrated_again(tmp_path: Path) -> None:
    first, heavy_first = probe(tmp_path, "roadmaps")
    assert "senior-3-months" in first
    assert "alembic" in heavy_first  # the first run creates the schema
    _, heavy = probe(tmp_path, "today")
    assert not [m for m in heavy if m.startswith("alembic")]
    # nor is unchanged bundled content parsed again
    assert "gocoach.curricula.markdown" not in heavy


def test_unknown_command_is_refused_with_a_message() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
