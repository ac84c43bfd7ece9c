"""The `gocoach` command on a temporary data folder: user-visible output and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from gocoach.cli import context as cli_context
from gocoach.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    # The console is created at import time; give it a fixed width so tables never wrap.
    monkeypatch.setattr(cli_context.console, "width", 200)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_every_command_has_help(cli: CliRunner) -> None:
    code, output = run(cli, "--help")
    assert code == 0
    commands = re.findall(r"│ (\w[\w-]*)\s{2,}\S", output)
    assert {"import", "roadmaps", "show", "mark", "export", "backup", "restore", "serve"} <= set(
        commands
    )
    group = typer.main.get_group(app)
    context = typer.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None and command.help, name


def test_bundled_roadmaps_are_listed_on_first_run(cli: CliRunner) -> None:
    code, output = run(cli, "roadmaps")
    assert code == 0
    for slug in ("go-core", "follow-ups", "senior-3-months", "backend-16-weeks", "go-mastery"):
        assert slug in output


def test_show_week_mark_and_export(cli: CliRunner, tmp_path: Path) -> None:
    code, output = run(cli, "show", "senior-3-months", "--week", "2")
    assert code == 0 and "Неделя 2 — Concurrency Mastery" in output
    assert "Неделя 3" not in output
    key = re.search(r"([0-9a-f]{10}) ○ todo Pipeline c fan-in/fan-out", output)
    assert key
    code, output = run(
        cli,
        "mark",
        key.group(1)[:6],
        "done",
        "--note",
        "сделал",
        "--evidence",
        "https://example.org/pipeline",
    )
    assert code == 0 and "done" in output and "1%" in output
    out_file = tmp_path / "senior.md"
    code, _ = run(cli, "export", "senior-3-months", "-o", str(out_file))
    assert code == 0
    assert "- [x] Pipeline c fan-in/fan-out" in out_file.read_text(encoding="utf-8")
    code, output = run(cli, "history", "senior-3-months")
    assert code == 0 and "Pipeline c fan-in/fan-out" in output


def test_import_dry_run_and_reimport(cli: CliRunner, tmp_path: Path) -> None:
    plan = tmp_path / "my-plan.md"
    plan.write_text("# Plan\n\n## Week 1\n\n- [ ] Goroutines\n- [x] Channels\n", encoding="utf-8")
    code, output = run(cli, "import", str(plan))
    assert code == 0 and "imported my-plan" in output and "1 status taken" in output
    plan.write_text(
        "# Plan\n\n## Week 1\n\n- [ ] Goroutines\n- [x] Go channels\n- [ ] Select\n",
        encoding="utf-8",
    )
    code, output = run(cli, "import", "--dry-run", str(plan))
    assert code == 0 and "would import my-plan" in output
    assert "matched 'Channels' → 'Go channels'" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"\x00\x01\x02\x03" * 64, "binary file"),
        (b"plain words, no headings\n", "no Markdown headings"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message(
    cli: CliRunner, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.md"
    if content is not None:
        path.write_bytes(content)
    code, output = run(cli, "import", str(path))
    assert code != 0
    assert message in output and "bad.md" in output
    assert "Traceback" not in output


def test_huge_file_is_refused_before_reading(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    code, output = run(cli, "import", str(path))
    assert code == 1 and "huge.md: the file is 50.0 MB" in output


def test_wrong_ids_are_clear(cli: CliRunner) -> None:
    code, output = run(cli, "show", "nope")
    assert code == 1 and "no roadmap 'nope'" in output
    code, output = run(cli, "mark", "ffffffff", "done")
    assert code == 1 and "no item with id 'ffffffff'" in output
    code, output = run(cli, "mark", "ab", "done")
    assert code == 1 and "at least 4 characters" in output


def test_backup_and_restore(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, output = run(cli, "show", "backend-16-weeks", "--week", "1")
    key = re.search(r"([0-9a-f]{10}) ○ todo", output)
    assert key
    run(cli, "mark", key.group(1), "in_progress")
    backup = tmp_path / "backup.json"
    code, output = run(cli, "backup", str(backup))
    assert code == 0 and "1 progress rows" in output
    assert json.loads(backup.read_text(encoding="utf-8"))["format"] == "gocoach-backup"
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "other"))
    code, output = run(cli, "restore", str(backup))
    assert code == 0 and "1 progress rows" in output
    _, output = run(cli, "show", "backend-16-weeks", "--week", "1")
    assert f"{key.group(1)} ◐ in progress" in output
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    code, output = run(cli, "restore", str(bad))
    assert code == 1 and "not valid JSON" in output
