"""Every command and setting a user can reach is documented (README.md or docs/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gocoach.cli.main import app
from gocoach.store.settings import setting_descriptions

ROOT = Path(__file__).resolve().parents[1]


def documentation() -> str:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def walk(command: Any, prefix: str = "gocoach") -> list[tuple[str, Any]]:
    """(path, command) of every leaf command; the root is a lazy group, so ask it by name."""
    if hasattr(command, "list_commands"):
        context = typer.Context(command)
        found = []
        for name in command.list_commands(context):
            found += walk(command.get_command(context, name), f"{prefix} {name}")
        return found
    return [(prefix, command)]


def test_every_command_is_documented_with_help() -> None:
    text = documentation()
    commands = walk(typer.main.get_command(app))
    assert len(commands) > 40  # the walk reaches the lazily loaded groups
    missing = [path for path, _ in commands if path not in text]
    assert missing == [], f"commands without documentation: {missing}"
    assert [path for path, command in commands if not command.help] == []


def test_every_setting_is_documented() -> None:
    text = documentation()
    for name, description in setting_descriptions():
        assert f"GOCOACH_{name.upper()}" in text, name
        assert description, name


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:1200]
    assert "make run" in head and "make test" in head
