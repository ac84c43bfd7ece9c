"""`gocoach project list/show/start/test/submit` on a temporary data folder (issue #18)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli import context as cli_context
from gocoach.cli.main import app
from gocoach.practice.grading import sandbox_available
from project_fixtures import CACHE_DIR, CONTENT, UID_BASE

needs_sandbox = pytest.mark.skipif(
    not sandbox_available().available, reason="bubblewrap is not usable here"
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOCOACH_GRADING_CACHE_DIR", str(CACHE_DIR))
    monkeypatch.setenv("GOCOACH_GRADING_UID_BASE", str(UID_BASE))
    monkeypatch.setattr(cli_context.console, "width", 200)
    monkeypatch.setattr(cli_context.errors, "width", 200)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_list_shows_every_project_and_your_progress(cli: CliRunner) -> None:
    code, output = run(cli, "project", "list")
    assert code == 0
    rows = re.findall(r"^│ ([a-z][a-z-]+) ", output, re.MULTILINE)
    assert rows == ["calculator", "event-ingest", "scraper", "task-processor", "todo",
                    "users-api"]
    assert "Concurrent Task Processor" in output and output.count("not tried") == 6


def test_show_prints_the_overview_and_the_statements(cli: CliRunner) -> None:
    code, output = run(cli, "project", "show", "task-processor")
    assert code == 0
    assert "# Стадия 1. REST API и очередь задач" in output
    assert "# Стадия 4. pprof и метрики Prometheus" in output
    code, output = run(cli, "project", "show", "task-processor", "--stage", "3")
    assert code == 0 and output.startswith("# Стадия 3. Graceful shutdown")
    code, output = run(cli, "project", "show", "task-processor", "--stage", "9")
    assert code == 1 and "stages 1–4, not 9" in output


def test_start_writes_the_starter_module_statements_and_marker(cli: CliRunner,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "tp"
    code, output = run(cli, "project", "start", "task-processor", str(target))
    assert code == 0 and "4 stages" in output
    assert sorted(p.name for p in target.iterdir()) == [
        ".gocoach-project", "PROJECT.md", "go.mod", "main.go"]
    assert json.loads((target / ".gocoach-project").read_text())["project"] == "task-processor"
    assert (target / "main.go").read_bytes() == \
        (CONTENT / "projects/task-processor/starter/main.go").read_bytes()
    assert "Стадия 3. Graceful shutdown" in (target / "PROJECT.md").read_text()
    code, output = run(cli, "project", "start", "task-processor", str(target))
    assert code == 1 and "would overwrite" in output and "--force" in output
    code, _ = run(cli, "project", "start", "task-processor", str(target), "--force")
    assert code == 0


def test_bad_folders_and_slugs_get_a_message_not_a_traceback(cli: CliRunner,
                                                             tmp_path: Path) -> None:
    code, output = run(cli, "project", "start", "no-such")
    assert code == 1 and "no project 'no-such' (known: calculator" in output
    code, output = run(cli, "project", "test", str(tmp_path / "missing"))
    assert code == 1 and "no such folder" in output
    code, output = run(cli, "project", "test", str(tmp_path))
    assert code == 1 and "not a project folder" in output
    (tmp_path / ".gocoach-project").write_text("{broken")
    code, output = run(cli, "project", "submit", str(tmp_path))
    assert code == 1 and "unreadable" in output
    (tmp_path / ".gocoach-project").write_text('{"project": "calculator"}')
    code, output = run(cli, "project", "test", str(tmp_path))
    assert code == 1 and "no go.mod at the top of the module" in output
    code, output = run(cli, "project", "test", str(tmp_path), "--stage", "0")
    assert code == 2 and "Traceback" not in output


@pytest.mark.slow
@needs_sandbox
def test_starter_fails_then_reference_passes_and_is_saved_with_items(cli: CliRunner,
                                                                      tmp_path: Path) -> None:
    target = tmp_path / "calc"
    assert run(cli, "project", "start", "calculator", str(target))[0] == 0
    code, output = run(cli, "project", "test", str(target))
    assert code == 1
    # the check's message in the CLI's language (English under LANG=C): what was expected
    assert "stage 1 · Одна операция ✘ fail" in output and "expected:" in output
    assert "stage 2 · Приоритет операций, скобки, унарный минус – not run" in output
    shutil.copy(CONTENT / "projects/calculator/reference/main.go", target / "main.go")
    code, output = run(cli, "project", "submit", str(target), "--stage", "2")
    assert code == 0 and "stage 2 · " in output and "stage 1 · " not in output
    assert "saved as project submission #1" in output and "○" in output
    code, output = run(cli, "project", "submit", str(target), "--mark-done")
    assert code == 0, output
    assert "✔ pass: stages passed: 4 of 4" in output
    assert "✔ done" in output and "○" not in output
    code, output = run(cli, "project", "list")
    assert re.search(r"│ calculator .* 4/4 ", output), output
    code, output = run(cli, "history", "backend-16-weeks")
    assert "Написать CLI калькулятор с основными операциями" in output
