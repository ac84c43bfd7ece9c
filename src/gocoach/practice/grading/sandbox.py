"""Command building and process control for running untrusted Go code.

Two layers: bubblewrap namespaces (no network, private /tmp, read-only system, one writable
directory) and rlimits applied by `prlimit` (CPU seconds, RLIMIT_DATA, process count, file
size). The run step drops to an unprivileged uid with `setpriv`, because RLIMIT_NPROC does not
bind uid 0.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from gocoach.practice.grading.reasons import Reason

Isolation = Literal["bwrap", "rlimits"]
MiB = 1024 * 1024

UNSANDBOXED_WARNING = Reason("sandbox.unsandboxed")


class SandboxUnavailable(RuntimeError):
    """Grading was refused because no sandbox is available; `reason` says why (str: English)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """Resource limits for one grading job."""

    cpu_seconds: int = 30
    memory_bytes: int = 512 * MiB
    race_memory_bytes: int = 2048 * MiB
    build_memory_bytes: int = 2048 * MiB
    max_processes: int = 128
    output_bytes: int = 4 * MiB
    file_size_bytes: int = 64 * MiB
    build_file_bytes: int = 32 * MiB  # no object file or test binary may be bigger
    tmp_bytes: int = 64 * MiB
    box_bytes: int = 64 * MiB  # the run step's /box is a tmpfs of this size
    open_files: int = 256
    build_seconds: float = 300.0
    kill_grace_seconds: float = 3.0


@dataclass(frozen=True)
class Mount:
    """A host path made visible inside the sandbox."""

    source: Path
    target: str
    writable: bool = False


@dataclass(frozen=True)
class SandboxStatus:
    """Whether bubblewrap works on this machine, and why not."""

    available: bool
    reason: str


@dataclass(frozen=True)
class IsolationDecision:
    """Which isolation to use and the warning the caller must show, if any."""

    isolation: Isolation
    warning: Reason | None


@dataclass(frozen=True)
class ProcessOutcome:
    """How a limited process ended."""

    returncode: int
    output: bytes
    timed_out: bool
    output_truncated: bool
    duration_seconds: float


@cache
def sandbox_available(bwrap: str = "bwrap") -> SandboxStatus:
    """Probe bubblewrap (and setpriv/prlimit) by running `true` inside a sandbox."""
    for tool in (bwrap, "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            return SandboxStatus(False, f"{tool} is not installed")
    probe = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
             *system_mounts(), "--", "/bin/true"]  # fmt: skip
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(False, f"bubblewrap probe failed: {exc}")
    if done.returncode != 0:
        return SandboxStatus(
            False, "bubblewrap probe failed: " + done.stderr.decode(errors="replace")
        )
    return SandboxStatus(True, "bubblewrap works")


def choose_isolation(
    *, status: SandboxStatus, server_mode: bool, allow_unsandboxed: bool
) -> IsolationDecision:
    """Pick bwrap when it works; otherwise refuse in server mode or warn in local mode."""
    if status.available:
        return IsolationDecision("bwrap", None)
    if server_mode or not allow_unsandboxed:
        raise SandboxUnavailable(Reason("sandbox.unavailable", why=status.reason))
    return IsolationDecision("rlimits", UNSANDBOXED_WARNING)


def system_mounts() -> list[str]:
    """Return bwrap arguments exposing /usr read-only, with /bin, /lib* as on the host."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    return args


def bwrap_argv(
    *,
    mounts: Sequence[Mount],
    chdir: str,
    env: Mapping[str, str],
    tmp_bytes: int,
    switch_user: bool,
    bwrap: str = "bwrap",
    seccomp_fd: int | None = None,
    box_tmpfs: int | None = None,
) -> list[str]:
    """Build the bubblewrap prefix: fresh namespaces, no network, private /tmp and /proc.

    `seccomp_fd` installs the deny-list filter; `box_tmpfs` makes /box a tmpfs of that many
    bytes (the mounts then land inside it), so nothing the learner writes reaches the disk.
    """
    # A user namespace maps only uid 0, so setpriv could not drop to the slot uid inside it;
    # for the run step we unshare everything except the user namespace.
    if switch_user:
        unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        unshare += ["--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        # The compile step has a user namespace of its own; no nested one may be made in it.
        unshare = ["--unshare-all", "--unshare-user", "--disable-userns"]
    argv = [bwrap, *unshare, "--die-with-parent", "--new-session", *system_mounts()]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    if box_tmpfs is not None:
        argv += ["--perms", "1777", "--size", str(box_tmpfs), "--tmpfs", "/box"]
    argv += _parent_dirs([m.target for m in mounts])
    for mount in mounts:
        argv += ["--bind" if mount.writable else "--ro-bind", str(mount.source), mount.target]
    argv += ["--chdir", chdir, "--clearenv"]
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    return [*argv, "--"]


def _parent_dirs(targets: Sequence[str]) -> list[str]:
    """Create mount points' parents world-readable (bwrap would make them 0700)."""
    args: list[str] = []
    seen = {"/", "/tmp", "/usr", "/proc", "/dev", "/box"}
    for target in targets:
        for parent in reversed(Path(target).parents):
            name = str(parent)
            if name in seen or name.startswith(("/usr/", "/proc/", "/dev/")):
                continue
            seen.add(name)
            args += ["--perms", "0755", "--dir", name]
    return args


def setpriv_argv(uid: int) -> list[str]:
    """Build the prefix that drops to `uid` with no capabilities and no_new_privs."""
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]  # fmt: skip


def prlimit_argv(
    limits: Limits, *, memory_bytes: int, cpu_seconds: int, file_bytes: int | None = None
) -> list[str]:
    """Build the `prlimit` prefix (soft = hard, so the kernel SIGKILLs at the CPU limit)."""
    fsize = limits.file_size_bytes if file_bytes is None else file_bytes
    return [
        "prlimit", f"--cpu={cpu_seconds}", f"--data={memory_bytes}",
        f"--nproc={limits.max_processes}", f"--fsize={fsize}",
        f"--nofile={limits.open_files}", "--core=0", "--",
    ]  # fmt: skip


def run_limited(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    wall_seconds: float,
    output_bytes: int,
    user: int | None = None,
    cwd: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
    cancel: threading.Event | None = None,
    pass_fds: Sequence[int] = (),
) -> ProcessOutcome:
    """Run argv in its own process group; kill the group on timeout or when output overflows.

    Setting `cancel` kills the group too (within a quarter of a second); the outcome then
    reads as timed out.
    """
    start = clock()
    proc = subprocess.Popen(
        list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=dict(env), cwd=cwd, user=user, group=user,
        extra_groups=[] if user is not None else None, process_group=0, close_fds=True,
        pass_fds=tuple(pass_fds),
    )  # fmt: skip
    assert proc.stdout is not None
    with proc.stdout:
        output, timed_out, truncated = _read_capped(
            proc.stdout.fileno(), start + wall_seconds, output_bytes, clock, cancel
        )
        if timed_out or truncated:
            kill_process_group(proc.pid)
        try:
            returncode = proc.wait(timeout=max(0.1, start + wall_seconds - clock()))
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_process_group(proc.pid)
            returncode = proc.wait()
    return ProcessOutcome(returncode, output, timed_out, truncated, clock() - start)


def _read_capped(
    fd: int,
    deadline: float,
    limit: int,
    clock: Callable[[], float],
    cancel: threading.Event | None = None,
) -> tuple[bytes, bool, bool]:
    chunks: list[bytes] = []
    size = 0
    os.set_blocking(fd, False)
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - clock()
            if remaining <= 0 or (cancel is not None and cancel.is_set()):
                return b"".join(chunks), True, False
            if not selector.select(min(remaining, 0.25)):
                continue
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not data:
                return b"".join(chunks), False, False
            chunks.append(data[: limit - size])
            size += len(data)
            if size > limit:
                return b"".join(chunks), False, True


def kill_process_group(pgid: int) -> None:
    """SIGKILL a whole process group, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def list_processes_of(uid: int) -> list[int]:
    """Return the pids of live (non-zombie) processes whose real uid is `uid`."""
    pids: list[int] = []
    real_uid = f"\nUid:\t{uid}\t"  # the real uid is the first of four
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="utf-8", errors="replace") as file:
                status = file.read()
        except OSError:
            continue
        if real_uid in status and "\nState:\tZ" not in status:
            pids.append(int(entry.name))
    return pids


def kill_processes_of(uid: int, *, attempts: int = 20) -> int:
    """SIGKILL every process of a slot uid until none is left; return how many were killed."""
    if uid == 0:
        raise ValueError("refusing to kill processes of uid 0")
    killed = 0
    for _ in range(attempts):
        pids = list_processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return killed
