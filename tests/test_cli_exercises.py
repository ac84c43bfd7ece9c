"""`gocoach exercise list/start/test/submit` on a temporary data folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli import context as cli_context
from gocoach.cli.main import app
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus, sandbox_available
from gocoach.store.settings import load_settings

CONTENT = Path(__file__).resolve().parents[1] / "content"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
needs_sandbox = pytest.mark.skipif(
    not sandbox_available().available, reason="bubblewrap is not usable here"
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOCOACH_GRADING_CACHE_DIR", str(CACHE_DIR))
    monkeypatch.setenv("GOCOACH_GRADING_UID_BASE", str(64300 + 40 * WORKER))
    monkeypatch.setenv("GOCOACH_GRADING_WORKERS", "2")
    monkeypatch.setattr(cli_context.console, "width", 200)
    monkeypatch.setattr(cli_context.errors, "width", 200)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_list_shows_levels_linked_items_and_status(cli: CliRunner) -> None:
    code, output = run(cli, "exercise", "list")
    assert code == 0
    row = next(line for line in output.splitlines() if "│ json-encoder" in line)
    assert "senior" in row and "Кастомный JSON encoder (минимум аллокаций)" in row
    assert "not tried" in row
    assert len(re.findall(r"^│ [a-z][a-z-]+ ", output, re.MULTILINE)) == 16


def test_start_writes_starter_tests_and_marker(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "pool"
    code, output = run(cli, "exercise", "start", "worker-pool", str(target))
    assert code == 0 and "Фиксированный пул воркеров" in output
    assert sorted(p.name for p in target.iterdir()) == [
        ".gocoach-exercise", "go.mod", "pool.go", "pool_test.go"]
    assert json.loads((target / ".gocoach-exercise").read_text())["exercise"] == "worker-pool"
    assert not any(target.glob("*hidden*")), "hidden tests must stay hidden"
    (target / "pool.go").write_text("// my work\n")
    code, output = run(cli, "exercise", "start", "worker-pool", str(target))
    assert code == 1 and "would overwrite" in output and "--force" in output
    assert (target / "pool.go").read_text() == "// my work\n"
    code, _ = run(cli, "exercise", "start", "worker-pool", str(target), "--force")
    assert code == 0 and "package" in (target / "pool.go").read_text()


def test_bad_slug_and_bad_folders_are_clear_errors(cli: CliRunner, tmp_path: Path) -> None:
    code, output = run(cli, "exercise", "start", "no-such", str(tmp_path / "x"))
    assert code == 1 and "no exercise 'no-such'" in output and "worker-pool" in output
    code, output = run(cli, "exercise", "test", str(tmp_path / "missing"))
    assert code == 1 and "no such folder" in output
    code, output = run(cli, "exercise", "submit", str(tmp_path))
    assert code == 1 and "not an exercise folder" in output and "exercise start" in output
    assert "Traceback" not in output


def test_server_mode_without_sandbox_refuses_to_grade(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOCOACH_MODE", "server")
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    run(cli, "exercise", "start", "lru-cache", str(tmp_path / "lru"))
    code, output = run(cli, "exercise", "test", str(tmp_path / "lru"))
    assert code == 1 and "Grading is disabled" in output
    assert "bwrap is not installed" in output
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "GOCOACH_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    code, output = run(cli, "exercise", "test", str(tmp_path / "lru"))
    assert code == 1 and "Проверка решений отключена" in output
    assert "bwrap is not installed" in output


@pytest.mark.slow
@needs_sandbox
def test_starter_fails_reference_passes_and_submit_marks_items(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "retry"
    run(cli, "exercise", "start", "retry-backoff", str(folder))
    code, output = run(cli, "exercise", "test", str(folder))
    assert code == 1 and "✘ fail" in output and "TestNoOverflowOnManyAttempts (hidden)" in output
    for solution in (CONTENT / "exercises" / "retry-backoff" / "solution").glob("*.go"):
        shutil.copy(solution, folder / solution.name)
    code, output = run(cli, "exercise", "test", str(folder))
    assert code == 0 and "✔ pass: 6/6 tests pass" in output
    code, output = run(cli, "exercise", "submit", str(folder))
    assert code == 0 and "saved as submission #1" in output
    assert "○ ae4ee26594 Retry mechanisms" in output and "--mark-done" in output
    code, output = run(cli, "exercise", "submit", str(folder), "--mark-done")
    assert code == 0 and "✔ done ae4ee26594 Retry mechanisms" in output
    code, output = run(cli, "exercise", "list")
    assert "✔ pass" in next(line for line in output.splitlines() if "│ retry-backoff" in line)
    code, output = run(cli, "history", "backend-16-weeks")
    assert "Retry mechanisms" in output and "done" in output


@pytest.mark.slow
@needs_sandbox
def test_submitting_a_failing_solution_is_recorded_and_exits_1(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "lru"
    run(cli, "exercise", "start", "lru-cache", str(folder))
    (folder / "lru.go").write_text("package lru\n\nfunc broken( {\n")
    code, output = run(cli, "exercise", "submit", str(folder))
    # the compiler's line, then the verdict: it does not compile (the tests did not run)
    assert code == 1 and "lru.go:3:14: syntax error" in output
    assert output.index("lru.go:3") < output.index("! error: compile error")
    assert "0/0" not in output
    assert "saved as submission #1" in output


def test_symlinks_in_the_folder_are_refused_not_followed(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "lru"
    run(cli, "exercise", "start", "lru-cache", str(folder))
    (folder / "passwd.go").symlink_to("/etc/passwd")
    for command in ("test", "submit"):
        code, output = run(cli, "exercise", command, str(folder))
        assert code == 1 and "symbolic link" in output and "root:" not in output


def test_serve_says_how_to_install_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    local = grading_service.sandbox_notice(load_settings())
    server = grading_service.sandbox_notice(load_settings(mode="server"))
    assert local and "WITHOUT a sandbox" in local and "sudo apt-get install bubblewrap" in local
    assert server and "submissions are refused" in server
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(True, "bubblewrap works"))
    assert grading_service.sandbox_notice(load_settings()) is None
