"""The CLI server (cli/launch.py + cli/zygote.py): a command it runs behaves as one run here.

Each test starts its own server in a private runtime folder and stops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gocoach.cli import launch

GOCOACH = str(Path(sys.executable).parent / "gocoach")


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR and data folder; any server started in it is stopped after."""
    # a short folder: under pytest-xdist tmp_path is too long for a Unix socket's path
    folder = Path(tempfile.mkdtemp(prefix="gc-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOCOACH_CLI_SERVER", "on")
    monkeypatch.setenv("GOCOACH_CLI_SERVER_IDLE", "60")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("GOCOACH_LANGUAGE", raising=False)
    yield folder
    for lock in folder.glob("gocoach/*.lock"):
        text = lock.read_text().strip()
        if text.isdigit():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(text), signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


def gocoach(*args: str, server: bool, stdin: str = "", cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GOCOACH_CLI_SERVER="on" if server else "off")
    return subprocess.run([GOCOACH, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def wait_for_server(runtime: Path) -> Path:
    """The socket of the server the first call started (it imports the CLI first)."""
    path = launch.socket_path(os.environ)
    assert path is not None and path.parent.parent == runtime
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, "the CLI server did not start"
        time.sleep(0.1)
    return path


def test_a_served_command_prints_and_exits_as_one_run_here(
        runtime: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert gocoach("plan", "create", "senior-3-months", "--start", "2026-11-30",
                   server=False).returncode == 0
    expected = {args: gocoach(*args, "--today", "2026-12-02", server=False)
                for args in (("today",),)}
    failing_here = gocoach("show", "no-such-roadmap", server=False)
    assert failing_here.returncode == 1

    first = gocoach("today", "--today", "2026-12-02", server=True)  # runs here, starts a server
    assert first.stdout == expected[("today",)].stdout
    path = wait_for_server(runtime)

    # through the server: fds 1 and 2 are pytest's capture files, sent to the server's child
    code = launch.through_server(path, ["today", "--today", "2026-12-02"])
    out, err = capfd.readouterr()
    assert code == 0
    assert out == expected[("today",)].stdout
    assert "week 1 of 12" in out

    code = launch.through_server(path, ["show", "no-such-roadmap"])
    out, err = capfd.readouterr()
    assert code == 1
    assert err == failing_here.stderr
    assert "no-such-roadmap" in err


def test_writes_through_the_server_are_committed_and_seen(runtime: Path) -> None:
    gocoach("plan", "create", "senior-3-months", "--start", "2026-11-30", server=True)
    wait_for_server(runtime)
    shown = gocoach("today", "--today", "2026-12-02", server=True)
    item = next(re.search(r"\b[0-9a-f]{10}\b", line).group()  # type: ignore[union-attr]
                for line in shown.stdout.splitlines() if "Memory Model" in line)
    marked = gocoach("mark", item, "done", server=True)
    assert marked.returncode == 0, marked.stderr
    today = gocoach("today", "--today", "2026-12-02", server=False)
    assert "1/9 done" in today.stdout
    assert gocoach("today", "--today", "2026-12-02", server=True).stdout == today.stdout


def test_each_command_gets_its_own_environment_stdin_and_folder(
        runtime: Path, tmp_path: Path) -> None:
    gocoach("plan", "create", "senior-3-months", "--start", "2026-11-30", server=True)
    wait_for_server(runtime)
    other = dict(os.environ, GOCOACH_DATA_DIR=str(tmp_path / "other"), GOCOACH_CLI_SERVER="on")
    no_plan = subprocess.run([GOCOACH, "today"], env=other, capture_output=True, text=True,
                             timeout=60)
    with_plan = gocoach("today", "--today", "2026-12-02", server=True)
    assert "week 1 of 12" in with_plan.stdout
    assert "week 1 of 12" not in no_plan.stdout
    # a relative path is the caller's folder, not the server's
    work = tmp_path / "work"
    work.mkdir()
    exported = gocoach("export", "senior-3-months", "-o", "plan.md", server=True, cwd=work)
    assert exported.returncode == 0, exported.stderr
    assert (work / "plan.md").read_text(encoding="utf-8").startswith("#")
    # standard input reaches the command: a drill rated from piped keys, then quit
    drilled = gocoach("drill", "--limit", "1", server=True, stdin="\n3\nq\n")
    assert drilled.returncode == 0, drilled.stderr
    assert "Good 1" in drilled.stdout or "good 1" in drilled.stdout.lower()


def test_serve_and_worker_and_the_off_setting_never_use_the_server() -> None:
    assert not launch.wants_server(["serve", "--port", "0"], {})
    assert not launch.wants_server(["worker"], {})
    assert not launch.wants_server(["today"], {"GOCOACH_CLI_SERVER": "off"})
    assert launch.wants_server(["today"], {})
    assert launch.wants_server(["--help"], {"GOCOACH_CLI_SERVER": "on"})


def test_no_server_means_the_command_runs_here(tmp_path: Path) -> None:
    assert launch.through_server(tmp_path / "nobody.sock", ["today"]) is None


def test_the_socket_folder_must_be_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "gocoach").mkdir(parents=True)
    (shared / "gocoach").chmod(0o755)
    folder = launch.runtime_dir({"XDG_RUNTIME_DIR": str(shared)})
    assert folder != shared / "gocoach"  # others may enter it: not used
    if os.getuid() == 0:
        theirs = tmp_path / "theirs"
        (theirs / "gocoach").mkdir(parents=True, mode=0o700)
        os.chown(theirs / "gocoach", 65534, 65534)
        assert launch.runtime_dir({"XDG_RUNTIME_DIR": str(theirs)}) != theirs / "gocoach"


def test_the_socket_is_named_after_the_code(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    module = package / "sub" / "m.py"
    module.write_text("x = 1\n")
    before = launch.code_fingerprint(package)
    assert launch.code_fingerprint(package) == before
    os.utime(module, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    assert launch.code_fingerprint(package) != before
    (package / "sub" / "n.py").write_text("")
    assert len({before, launch.code_fingerprint(package)}) == 2


def test_an_idle_server_stops_and_removes_its_socket(runtime: Path) -> None:
    path = runtime / "gocoach" / "idle.sock"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, GOCOACH_CLI_SERVER_IDLE="1")
    server = subprocess.Popen([sys.executable, "-m", "gocoach.cli.zygote", str(path)], env=env)
    try:
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
    assert not path.exists()


def test_a_dead_servers_socket_is_removed_and_a_stopped_server_cleans_up(
        runtime: Path) -> None:
    path = launch.socket_path(os.environ)
    assert path is not None
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a socket file nobody listens on: its server was killed
    dead.close()
    assert launch.through_server(path, ["today"]) is None
    assert not path.exists()
    assert gocoach("--help", server=True).returncode == 0  # runs here, starts a server
    wait_for_server(runtime)
    pid = int(Path(f"{path}.lock").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not path.exists()


def test_a_folder_too_deep_for_a_socket_is_not_used(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 90)
    deep.mkdir(mode=0o700)
    folder = launch.runtime_dir({"XDG_RUNTIME_DIR": str(deep)})
    assert folder is None or len(os.fsencode(folder)) <= launch.MAX_FOLDER
    path = launch.socket_path({"XDG_RUNTIME_DIR": str(deep)})
    assert path is None or len(os.fsencode(path)) < 108
