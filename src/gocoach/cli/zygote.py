"""The CLI server: imports the CLI once, then forks a child per command (see cli/launch.py).

    python -m gocoach.cli.zygote SOCKET_PATH

Started by `gocoach` itself, in the background. It makes the imports every command pays for
(SQLAlchemy, the tables, the Typer app, the commonest commands) and then waits on a Unix socket.
For each connection it forks; the child takes the client's stdin, stdout and stderr (received
as file descriptors), its arguments, environment, working directory and umask, runs the command
exactly as `gocoach` would, and sends its exit code. The server itself opens no database, reads
no settings and starts no thread (a fork with threads is unsafe; it refuses to serve if an import
started one). It stops after GOCOACH_CLI_SERVER_IDLE seconds without a command (600 by default),
and when another server already holds its lock.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from gocoach.cli.launch import HEADER

# what nearly every command imports: done once here instead of in every command
PRELOAD = ("gocoach.cli.main", "gocoach.cli.context", "gocoach.cli.today",
           "gocoach.reports.agenda")
MAX_REQUEST = 1 << 20  # a request is argv + environment: far below a megabyte


def idle_seconds(environ: dict[str, str] | os._Environ[str]) -> float:
    """How long the server waits for a command before it stops."""
    try:
        return max(1.0, float(environ.get("GOCOACH_CLI_SERVER_IDLE", "600")))
    except ValueError:
        return 600.0


def serve(path: Path) -> None:
    """Listen on `path` until idle; one forked child per command."""
    lock = os.open(f"{path}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server of this code is starting or running
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())  # who to stop: tests, `kill $(cat …lock)`
    for name in PRELOAD:
        importlib.import_module(name)
    # Babel's data of both interface languages: ~35 ms a served command would otherwise pay,
    # more than `today` itself (a command run in-process loads only what it words)
    from babel import localedata

    from gocoach.cli.language import LANGUAGES

    for language in LANGUAGES:
        localedata.load(language)
    if threading.active_count() != 1:
        return  # an import started a thread: forking would be unsafe
    gc.collect()
    gc.freeze()  # the children share the imported modules' pages
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGTERM, _stop)  # `kill` cleans up like an idle stop
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bound and listening under a temporary name, then renamed into place: the path never
    # names a socket that refuses connections while its server is alive (cli/launch.py takes a
    # refused connection for a dead server and removes its socket)
    temporary = path.with_name(f"t{os.getpid()}.sock")  # no longer than the final name
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    listener.bind(str(temporary))
    os.chmod(temporary, 0o600)
    listener.listen(16)
    ours = temporary.stat().st_ino  # the socket file we made (a newer server may replace it)
    os.rename(temporary, path)
    listener.settimeout(idle_seconds(os.environ))
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except (TimeoutError, _Stopped):
                break
            if _peer_uid(conn) != os.getuid() or os.fork() != 0:
                conn.close()
                continue
            # the child: the server's socket and lock are not its to hold
            listener.close()
            os.close(lock)
            _run_command(conn)
    finally:
        with contextlib.suppress(OSError):
            if path.stat().st_ino == ours:
                path.unlink()
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(f"{path}.lock")


class _Stopped(Exception):
    """SIGTERM reached the server."""


def _stop(_signum: int, _frame: object) -> None:
    raise _Stopped


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The request and the three file descriptors sent with it."""
    conn.settimeout(10)
    fds = array.array("i")
    data, ancillary, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if len(data) < HEADER.size:
        raise ValueError("short request")
    (size,) = HEADER.unpack(data[: HEADER.size])
    if size > MAX_REQUEST or len(fds) != 3:
        raise ValueError("bad request")
    body = data[HEADER.size:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("short request")
        body += chunk
    conn.settimeout(None)
    return json.loads(body), list(fds)


def _run_command(conn: socket.socket) -> None:
    """In the forked child: become the client's command, run it, report its exit code."""
    code = 1
    try:
        request, fds = _receive(conn)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _become_client(request)
        conn.sendall(b"P" + struct.pack("!i", os.getpid()))
    except BaseException:  # nothing ran: the client falls back to running it itself
        os._exit(1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT
                      else signal.SIG_DFL)
    try:
        from gocoach.cli.main import main as run

        run()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            conn.sendall(b"X" + struct.pack("!i", code))
        os._exit(code)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{value}\n")
    return 1


def _become_client(request: dict[str, Any]) -> None:
    """Take the client's environment, directory, umask and streams (fds 0-2 are its own)."""
    argv, env, cwd = request["argv"], request["env"], request["cwd"]
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)
            and isinstance(env, dict) and isinstance(cwd, str)):
        raise ValueError("bad request")
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in env.items()})
    time.tzset()
    os.chdir(cwd)
    os.umask(int(request["umask"]) & 0o777)
    encodings = request.get("streams") or [("utf-8", "strict")] * 3
    streams = []
    for fd, mode, (encoding, errors) in zip((0, 1, 2), ("r", "w", "w"), encodings, strict=True):
        tty = os.isatty(fd)
        raw = io.FileIO(fd, mode, closefd=False)
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        streams.append(io.TextIOWrapper(buffered, encoding=encoding, errors=errors,
                                        line_buffering=tty or fd == 2,
                                        write_through=fd == 2))
    for name, stream in zip(("stdin", "stdout", "stderr"), streams, strict=True):
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)  # Rich and click look at these too
    sys.argv = ["gocoach", *argv]
    from gocoach.cli.context import reset_consoles

    reset_consoles()


def main() -> None:
    if len(sys.argv) != 2:
        from gocoach.cli.language import t

        sys.stderr.write(t("cli.server.usage") + "\n")
        sys.exit(2)
    serve(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
