"""A learner's project in the exercise grader's sandbox: built once, then run in a box per stage.

The build is `go build` in the same bubblewrap sandbox, limits and seccomp filter as an
exercise's compile step (practice/grading). A box is the same sandbox as an exercise's test
run (loopback-only network namespace, private /tmp, a sized tmpfs /box, the slot uid, a cgroup
for memory and processes), with the connector (connector.py) as its first process: the harness
asks it for sockets inside the namespace, to start the program, to signal it, and how it ended.
"""

from __future__ import annotations

import array
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gocoach.practice.grading.build_errors import map_build_output
from gocoach.practice.grading.cgroups import JobCgroup, cgroup_support, create_job_cgroup
from gocoach.practice.grading.runner import GradingSettings, build_env, go_cache, run_env
from gocoach.practice.grading.sandbox import (
    Mount,
    bwrap_argv,
    kill_process_group,
    kill_processes_of,
    prlimit_argv,
    run_limited,
    setpriv_argv,
)
from gocoach.practice.grading.seccomp import program_fd, seccomp_supported
from gocoach.projects.connector import CONNECTOR_IN_BOX, MAX_SOCKETS
from gocoach.projects.said import Said

BOX = "/box"
APP_IN_BOX = "/box/app"
MODULE_IN_BOX = "/box"
OUT_IN_BOX = "/out"
CONTROL_FD_REPLY_BYTES = 4096
STREAM_DRAIN_SECONDS = 1.0
SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}


class BoxGone(RuntimeError):
    """The sandbox ended (killed for a limit, or the connector died): nothing can be asked.

    `reason` is why, as a sentence (`Said`): the stage's message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Build:
    """The outcome of `go build`: the binary, or the compiler's messages."""

    binary: Path | None
    output: str
    seconds: float
    timed_out: bool = False


@dataclass(frozen=True)
class Exit:
    """How a program ended: its exit code, or the signal that stopped it."""

    code: int
    signal: int = 0

    def describe(self) -> Said:
        """«код выхода 0» or «остановлена сигналом SIGTERM», as a sentence."""
        if self.signal:
            return Said("pj.check.exit.signal",
                        signal=SIGNAL_NAMES.get(self.signal, str(self.signal)))
        return Said("pj.check.exit.code", code=self.code)


def build_module(
    module: Path, out: Path, settings: GradingSettings, *, race: bool,
    clock: Callable[[], float] = time.monotonic,
) -> Build:
    """`go build` the module folder into `out/app` in the sandbox (offline, the shared cache).

    A module with vendor/modules.txt builds with -mod=vendor; otherwise only the standard
    library is reachable (GOPROXY=off). Compiler messages name the learner's own paths.
    """
    start = clock()
    limits = settings.limits
    env = build_env(settings, cgo=race)
    env["GOFLAGS"] = "-mod=vendor" if (module / "vendor" / "modules.txt").is_file() else "-mod=mod"
    bwrapped = settings.isolation == "bwrap"
    target = f"{OUT_IN_BOX}/app" if bwrapped else str(out / "app")
    go = [str(settings.go_root / "bin" / "go"), "build", "-trimpath", "-ldflags=-s -w",
          *(["-race"] if race else []), "-o", target, "."]  # fmt: skip
    prefix = prlimit_argv(limits, memory_bytes=limits.build_memory_bytes,
                          cpu_seconds=math.ceil(limits.build_seconds), file_bytes=None)
    go_cache(settings).mkdir(parents=True, exist_ok=True)
    with _seccomp(settings) as fd:
        argv = [*prefix, *go]
        if bwrapped:
            mounts = [Mount(settings.go_root, str(settings.go_root)),
                      Mount(go_cache(settings), str(go_cache(settings)), writable=True),
                      Mount(module, MODULE_IN_BOX, writable=True),
                      Mount(out, OUT_IN_BOX, writable=True)]  # fmt: skip
            argv = [*bwrap_argv(mounts=mounts, chdir=MODULE_IN_BOX, env=env,
                                tmp_bytes=limits.build_memory_bytes, switch_user=False,
                                seccomp_fd=fd), *argv]  # fmt: skip
        built = run_limited(argv, env=env, wall_seconds=limits.build_seconds,
                            output_bytes=limits.output_bytes, cwd=module, clock=clock,
                            pass_fds=() if fd is None else (fd,))  # fmt: skip
    text = built.output.decode("utf-8", errors="replace")
    text = map_build_output(text, [MODULE_IN_BOX, str(module)])
    binary = out / "app"
    if built.returncode != 0 or built.timed_out or not binary.is_file():
        return Build(None, text, clock() - start, built.timed_out)
    return Build(binary, text, clock() - start)


@contextlib.contextmanager
def _seccomp(settings: GradingSettings) -> Iterator[int | None]:
    if settings.isolation != "bwrap" or not settings.use_seccomp or not seccomp_supported():
        yield None
        return
    fd = program_fd()
    try:
        yield fd
    finally:
        os.close(fd)


class Stream:
    """One output stream of the program, read on a thread, capped.

    Past `limit` bytes the reader calls `on_flood` (which stops the box) and keeps only what
    it had: a flood of output costs the harness nothing but the limit.
    """

    def __init__(self, fd: int, limit: int, on_flood: Callable[[], None]):
        self._chunks: list[bytes] = []
        self._size = 0
        self.limit = limit
        self.flooded = False
        self._on_flood = on_flood
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(fd,), daemon=True,
                                        name="project-output")
        self._thread.start()

    def _read(self, fd: int) -> None:
        try:
            while True:
                data = os.read(fd, 1 << 16)
                if not data:
                    break
                with self._lock:
                    keep = max(0, self.limit - self._size)
                    self._chunks.append(data[:keep])
                    self._size += len(data)
                    flood = self._size > self.limit and not self.flooded
                    self.flooded = self.flooded or flood
                if flood:
                    self._on_flood()
                    break
        except OSError:
            pass
        finally:
            os.close(fd)
            self._closed.set()

    def text(self) -> str:
        """Everything read so far (up to the limit), decoded leniently."""
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", errors="replace")

    def size(self) -> int:
        """Bytes the program wrote so far (including what was dropped past the limit)."""
        with self._lock:
            return self._size

    def finished(self, timeout: float) -> bool:
        """Wait until the stream reached its end (every writer closed it)."""
        return self._closed.wait(timeout)


@dataclass
class Run:
    """One start of the program in the box: its streams and how it ended."""

    argv: tuple[str, ...]
    stdout: Stream
    stderr: Stream
    exit: Exit | None = None


@dataclass
class BoxSpec:
    """What a box runs with: the binary, the connector and the limits of one stage."""

    binary: Path
    connector: Path
    settings: GradingSettings
    work: Path  # a folder of this job the box may use (for the rlimits fallback)
    race: bool = False
    wall_seconds: float = 30.0
    output_bytes: int = 1024 * 1024
    env: Mapping[str, str] = field(default_factory=dict)


class Box:
    """A sandbox holding the connector; the program is started, signalled and waited in it."""

    def __init__(self, spec: BoxSpec):
        self.spec = spec
        self.runs: list[Run] = []
        self.stopped: str | None = None  # why the box was stopped (a Said), if it was
        self._lock = threading.Lock()  # one request to the connector at a time
        self._stop_lock = threading.Lock()  # never held while waiting on the connector
        self._control: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._cgroup: JobCgroup | None = None
        self._bwrap_output = b""

    def __enter__(self) -> Box:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- lifecycle --------------------------------------------------------------------------

    def open(self) -> None:
        """Start the sandbox with the connector in it."""
        spec, settings = self.spec, self.spec.settings
        limits = settings.limits
        memory = limits.race_memory_bytes if spec.race else limits.memory_bytes
        if settings.use_cgroups and cgroup_support().version is not None:
            self._cgroup = create_job_cgroup(memory_bytes=memory, max_pids=limits.max_processes,
                                             version=cgroup_support().version or "v2")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.settimeout(10)
        try:
            with _seccomp(settings) as fd:
                argv = self._argv(theirs.fileno(), fd, memory)
                passed = (theirs.fileno(),) + (() if fd is None else (fd,))
                self._proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, env=run_env(), cwd=spec.work, process_group=0,
                    close_fds=True, pass_fds=passed)  # fmt: skip
        except BaseException:
            ours.close()
            self._remove_cgroup()
            raise
        finally:
            theirs.close()
        self._control = ours
        threading.Thread(target=self._drain_bwrap, daemon=True, name="project-box").start()

    def _argv(self, control_fd: int, seccomp_fd: int | None, memory: int) -> list[str]:
        spec, settings = self.spec, self.spec.settings
        limits = settings.limits
        cpu = max(limits.cpu_seconds, math.ceil(spec.wall_seconds * 2) + 5)
        prefix = prlimit_argv(limits, memory_bytes=memory, cpu_seconds=cpu)
        root = os.geteuid() == 0 and settings.run_uid is not None
        drop = setpriv_argv(settings.run_uid) if root and settings.run_uid is not None else []
        if settings.isolation == "bwrap":
            mounts = [Mount(spec.binary, APP_IN_BOX), Mount(spec.connector, CONNECTOR_IN_BOX)]
            sandbox = bwrap_argv(mounts=mounts, chdir=BOX, env=self.program_env(),
                                 tmp_bytes=limits.tmp_bytes, switch_user=root,
                                 seccomp_fd=seccomp_fd, box_tmpfs=limits.box_bytes)
            argv = [*sandbox, *drop, *prefix, CONNECTOR_IN_BOX, str(control_fd)]
        else:
            _hand_to(spec.work, settings.run_uid if root else None)
            argv = [*drop, *prefix, str(spec.connector), str(control_fd)]
        if self._cgroup is not None:
            argv = [*self._cgroup.enter_argv(), *argv]
        return argv

    def program_env(self) -> dict[str, str]:
        """The program's environment: nothing from the host, the race detector told to go on."""
        env = run_env()
        env["GORACE"] = "halt_on_error=0 atexit_sleep_ms=0"
        env.update(self.spec.env)
        return env

    def app_path(self) -> str:
        """The program's path as the connector sees it."""
        return APP_IN_BOX if self.spec.settings.isolation == "bwrap" else str(self.spec.binary)

    def _drain_bwrap(self) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._bwrap_output = proc.stdout.read(64 * 1024)

    def stop(self, reason: str) -> None:
        """Stop the whole box now (time limit, output flood); the first reason wins.

        It may come from another thread while a request waits on the connector: killing the
        box ends that wait (the control socket closes).
        """
        with self._stop_lock:
            if self.stopped is None:
                self.stopped = reason
        if self._proc is not None:
            kill_process_group(self._proc.pid)
        if self._cgroup is not None:
            self._cgroup.kill_all()

    def close(self) -> None:
        """End the connector and everything in the box; remove its cgroup."""
        control, self._control = self._control, None
        if control is not None:
            control.close()  # the connector kills the program and exits on EOF
        proc = self._proc
        if proc is not None:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                kill_process_group(proc.pid)
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._remove_cgroup()
        uid = self.spec.settings.run_uid
        if uid is not None and os.geteuid() == 0:
            kill_processes_of(uid)
        for run in self.runs:
            run.stdout.finished(2)
            run.stderr.finished(2)

    def _remove_cgroup(self) -> None:
        if self._cgroup is not None:
            self._cgroup.remove()

    def oom_killed(self) -> bool:
        """True when the cgroup's memory limit killed a process of the box."""
        return self._cgroup is not None and self._cgroup.oom_killed()

    def pids_exhausted(self) -> bool:
        """True when a fork or a new thread failed at the cgroup's process limit."""
        return self._cgroup is not None and self._cgroup.pids_exhausted()

    def sandbox_error(self) -> str:
        """What bubblewrap said, when the box could not start at all."""
        return self._bwrap_output.decode("utf-8", errors="replace").strip()

    # --- the connector's requests -------------------------------------------------------------

    def _call(self, request: dict[str, Any], fds: Sequence[int] = (), *, timeout: float = 10,
              max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
        with self._lock:
            control = self._control
            if control is None or self.stopped is not None:
                raise BoxGone(self.stopped or Said("pj.check.box.closed"))
            rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds \
                else []
            try:
                control.settimeout(timeout)
                control.sendmsg([json.dumps(request).encode()], rights)
                data, got, _flags, _addr = socket.recv_fds(control, CONTROL_FD_REPLY_BYTES,
                                                           max_fds)
            except OSError as exc:
                raise BoxGone(self.stopped or Said("pj.check.box.ended", detail=str(exc))) from None
        if not data:
            raise BoxGone(self.stopped or self._gone_reason())
        reply: dict[str, Any] = json.loads(data)
        return reply, list(got)

    def _gone_reason(self) -> Said:
        said = self.sandbox_error()
        return Said("pj.check.box.ended", detail=said) if said else Said("pj.check.box.gone")

    def sockets(self, count: int) -> list[socket.socket]:
        """`count` TCP sockets made inside the box's network namespace."""
        made: list[socket.socket] = []
        while count > 0:
            batch = min(count, MAX_SOCKETS)
            reply, fds = self._call({"op": "sockets", "count": batch}, max_fds=batch)
            if not reply.get("ok"):
                for fd in fds:
                    os.close(fd)
                raise BoxGone(Said("pj.check.box.no_sockets", error=str(reply.get("error"))))
            made += [socket.socket(fileno=fd) for fd in fds]
            count -= batch
        return made

    def start(self, args: Sequence[str], *, stdin: bytes | None = None,
              env: Mapping[str, str] | None = None) -> Run:
        """Start the program with these arguments; its stdin gets `stdin`, then end of file."""
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        argv = (self.app_path(), *args)
        program_env = {**self.program_env(), **(env or {})}
        try:
            reply, _ = self._call({"op": "start", "argv": list(argv),
                                   "env": [f"{k}={v}" for k, v in sorted(program_env.items())]},
                                  (stdin_r, out_w, err_w))  # fmt: skip
        except BaseException:
            for fd in (stdin_w, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (stdin_r, out_w, err_w):
                os.close(fd)
        limit = self.spec.output_bytes
        flood = self._flood_stopper(limit)
        run = Run(tuple(argv), Stream(out_r, limit, flood), Stream(err_r, limit, flood))
        if not reply.get("ok"):
            os.close(stdin_w)
            raise BoxGone(Said("pj.check.box.not_started", error=str(reply.get("error"))))
        self.runs.append(run)
        threading.Thread(target=_feed, args=(stdin_w, stdin or b""), daemon=True,
                         name="project-stdin").start()
        return run

    def _flood_stopper(self, limit: int) -> Callable[[], None]:
        mib = limit / (1024 * 1024)
        return lambda: self.stop(Said("pj.check.box.output_flood", mib=mib))

    def signal(self, number: int) -> bool:
        """Send a signal to the program; False when it is not running."""
        reply, _ = self._call({"op": "signal", "signal": number})
        return bool(reply.get("ok"))

    def wait(self, timeout: float) -> Exit | None:
        """How the program ended, or None if it still runs after `timeout` seconds."""
        reply, _ = self._call({"op": "wait", "wait_ms": max(0, round(timeout * 1000))},
                              timeout=timeout + 10)
        if not reply.get("ok"):
            raise BoxGone(Said("pj.check.box.connector", error=str(reply.get("error"))))
        if not reply.get("exited"):
            return None
        ended = Exit(int(reply.get("code", -1)), int(reply.get("signal", 0)))
        if self.runs:
            run = self.runs[-1]
            run.exit = ended
            # what it wrote last is still in the pipes: read it before anyone looks (a child it
            # left behind may hold them open, hence the bound)
            run.stdout.finished(STREAM_DRAIN_SECONDS)
            run.stderr.finished(STREAM_DRAIN_SECONDS)
        return ended


def _feed(fd: int, data: bytes) -> None:
    """Write the program's stdin, then close it (a program that never reads it is fine)."""
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError:
        pass
    finally:
        os.close(fd)


def _hand_to(work: Path, uid: int | None) -> None:
    """Without bubblewrap the program runs in the job folder: give it to the slot uid."""
    if uid is None:
        return
    for path in [work, *work.rglob("*")]:
        os.lchown(path, uid, uid)


def remove_tree(path: Path) -> None:
    """Remove a job folder, whatever the program left in it."""
    shutil.rmtree(path, ignore_errors=True)
