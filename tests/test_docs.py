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


def command_paths(command: Any, prefix: str = "gocoach") -> list[str]:
    if hasattr(command, "commands"):
        paths = []
        for name, sub in command.commands.items():
            paths += command_paths(sub, f"{prefix} {name}")
        return paths
    return [prefix]


def test_every_command_is_documented_with_help() -> None:
    text = documentation()
    root = typer.main.get_command(app)
    missing = [path for path in command_paths(root) if path not in text]
    assert missing == [], f"commands without documentation: {missing}"
    for path in command_paths(root):
        command: Any = root
        for name in path.split()[1:]:
            command = command.commands[name]
        assert command.help, f"{path} has no help text"


def test_every_setting_is_documented() -> None:
    text = documentation()
    for name, description in setting_descriptions():
        assert f"GOCOACH_{name.upper()}" in text, name
        assert description, name


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:1200]
    assert "make run" in head and "make test" in head
