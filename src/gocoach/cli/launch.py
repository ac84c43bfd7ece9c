"""The `gocoach` console script: run a command through the CLI server if one is up, else here.

Importing SQLAlchemy, the tables and the feature a command needs costs ~0.4 s on a slow machine,
more than the command itself. The CLI server (cli/zygote.py) is a process that has made those
imports once; for each command it forks a child that runs the command with this process's
stdin, stdout and stderr (passed over a Unix socket), its arguments, environment, working
directory and umask, and sends the exit code back. The output, the exit code and what the
command reads are the same as when the command runs here; only the imports are skipped.

This module runs in every `gocoach` call, so it imports nothing but the standard library's
lightest modules. The rules:

- GOCOACH_CLI_SERVER=off runs every command here (the tests do; so can anyone who prefers it).
- `serve` and `worker` always run here: they are long-lived and own their signals.
- No server, or one of older code: the command runs here, then a server is started in the
  background for the next call (it stops after GOCOACH_CLI_SERVER_IDLE seconds unused, 600 by
  default). The socket is named after the code (every .py file's modification time), so a
  server never runs a command with code older than the files on disk.
- The socket lives in a directory only this user can enter (XDG_RUNTIME_DIR, else
  /tmp/gocoach-UID, created 0700 and refused if someone else owns it or others can enter it),
  and the server serves only peers of its own uid.
- A failure before the server acknowledged the command falls back to running it here; after the
  acknowledgement the command has started and is never run twice.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
LOCAL_ONLY = frozenset({"serve", "worker"})
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
OFF = ("off", "0", "false", "no", "f", "n")  # store/settings.py's FALSE
MAX_FOLDER = 80  # bytes: the folder, "/cli-" and 16 hex digits + ".sock" stay within 107
HEADER = struct.Struct("!I")  # the length of the JSON request that follows


def code_fingerprint(package: Path = PACKAGE) -> str:
    """A name for the code on disk: changes when any .py file of the package changes."""
    latest, count = 0, 0
    stack = [str(package)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    latest = max(latest, entry.stat(follow_symlinks=False).st_mtime_ns)
                    count += 1
    # the interpreter resolved (`python` and `python3` of a venv are one) and its environment
    text = f"{os.path.realpath(sys.executable)}\0{sys.prefix}\0{package}\0{count}\0{latest}"
    # FNV-1a, 64 bits: hashlib's import alone costs more than this loop
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def runtime_dir(environ: dict[str, str] | os._Environ[str]) -> Path | None:
    """A directory only this user can enter, for the socket; None if there is none."""
    uid = os.getuid()
    xdg = environ.get("XDG_RUNTIME_DIR", "")
    candidates = [Path(xdg) / "gocoach"] if xdg.startswith("/") else []
    candidates.append(Path(f"/tmp/gocoach-{uid}"))
    for folder in candidates:
        if len(os.fsencode(folder)) > MAX_FOLDER:
            continue  # a Unix socket's path is at most 107 bytes
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
        except OSError:
            continue
        if info.st_uid == uid and (info.st_mode & 0o077) == 0 and folder.is_dir() \
                and not folder.is_symlink():
            return folder
    return None


def socket_path(environ: dict[str, str] | os._Environ[str]) -> Path | None:
    """Where the server of this code listens (None: nowhere safe to put it)."""
    folder = runtime_dir(environ)
    return None if folder is None else folder / f"cli-{code_fingerprint()}.sock"


def wants_server(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether this command may go through the CLI server."""
    if environ.get("GOCOACH_CLI_SERVER", "on").strip().lower() in OFF:
        return False
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    return command not in LOCAL_ONLY


def _stream_encodings() -> list[tuple[str, str]]:
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return [(getattr(s, "encoding", None) or "utf-8", getattr(s, "errors", None) or "strict")
            for s in streams]


def through_server(path: Path, argv: list[str]) -> int | None:
    """Run the command through the server at `path`: its exit code, or None if the server
    did not take the command (nothing ran; the caller runs it here)."""
    try:
        request = json.dumps({
            "argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "umask": _umask(),
            "streams": _stream_encodings(),
        }).encode()
    except (OSError, ValueError):  # e.g. the working folder was deleted: run it here
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except ConnectionRefusedError:  # its server died without cleaning up: start another
        conn.close()
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    except OSError:
        conn.close()
        return None
    try:
        fds = array.array("i", [0, 1, 2])
        conn.sendmsg([HEADER.pack(len(request)) + request],
                     [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds.tobytes())])
        pid = _read_frame(conn, b"P")
    except OSError:
        conn.close()
        return None
    if pid is None:
        conn.close()
        return None
    return _wait_for_exit(conn, pid)


def _wait_for_exit(conn: socket.socket, pid: int) -> int:
    """Forward our signals to the command's process until it reports its exit code."""
    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    try:
        while True:
            try:
                code = _read_frame(conn, b"X")
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                continue
            except OSError:
                code = None
                break
    finally:
        conn.close()
    if code is None:
        from gocoach.cli.language import t  # a rare path: the import costs nothing usually

        sys.stderr.write(t("cli.server.no_exit_code") + "\n")
        return 1
    return code


def _read_frame(conn: socket.socket, kind: bytes) -> int | None:
    """One frame: a kind byte and a signed 32-bit number; None at end of stream."""
    data = b""
    while len(data) < 5:
        chunk = conn.recv(5 - len(data))
        if not chunk:
            return None
        data += chunk
    if data[:1] != kind:
        return None
    value: int = struct.unpack("!i", data[1:])[0]
    return value


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def start_server(path: Path) -> None:
    """Start the server for `path` in the background, detached from this terminal."""
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "gocoach.cli.zygote", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True, cwd="/",
        )


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    path = socket_path(os.environ) if wants_server(argv, os.environ) else None
    if path is not None:
        code = through_server(path, argv)
        if code is not None:
            sys.exit(code)
    from gocoach.cli.main import main as run_here

    try:
        run_here()
    finally:
        if path is not None and not path.exists():
            start_server(path)
