"""Memory and process limits for a whole sandbox through a cgroup (v2, or v1 memory + pids).

rlimits are per process: a shared anonymous mapping or ten children each under RLIMIT_DATA
escape them. A cgroup counts everything the sandbox does (page cache, tmpfs, shared memory,
every child and thread), so the limit holds for the job as a whole.

One cgroup per job, under a `gocoach` parent: `<job>/` in the unified hierarchy, or the same
name in both the v1 `memory` and `pids` hierarchies. The command is wrapped in `/bin/sh -c`
that writes its own pid into the cgroup(s) and then `exec`s: everything the job starts is in
the cgroup from its first instruction.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "gocoach"
Version = Literal["v2", "v1"]


@dataclass(frozen=True)
class CgroupSupport:
    """Which cgroup version this machine lets us use, and why not when none."""

    version: Version | None
    reason: str


@dataclass(frozen=True)
class JobCgroup:
    """The cgroup directories of one job (one in v2, memory + pids in v1)."""

    version: Version
    dirs: tuple[Path, ...]

    def enter_argv(self) -> list[str]:
        """A prefix moving the shell (and so everything it execs) into the cgroup(s)."""
        writes = " && ".join(f'echo $$ > "{d}/cgroup.procs"' for d in self.dirs)
        return ["/bin/sh", "-c", f'{writes} && exec "$@"', "gocoach-cgroup"]

    def oom_killed(self) -> bool:
        """True when the kernel killed a process of the job for exceeding the memory limit."""
        for d in self.dirs:
            for name in ("memory.events", "memory.oom_control"):
                counters = _counters(d / name)
                if counters.get("oom_kill", 0) > 0:
                    return True
        return False

    def pids_exhausted(self) -> bool:
        """True when a fork or thread creation failed at the pids limit."""
        return any(_counters(d / "pids.events").get("max", 0) > 0 for d in self.dirs)

    def kill_all(self, *, attempts: int = 200) -> None:
        """SIGKILL every process left in the cgroup (cgroup.kill where the kernel has it)."""
        for d in self.dirs:
            kill = d / "cgroup.kill"
            if kill.exists():
                with contextlib.suppress(OSError):
                    kill.write_text("1")
        for _ in range(attempts):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)  # exiting processes leave the cgroup within a few ms

    def pids(self) -> list[int]:
        """Processes still in the cgroup."""
        found: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                found |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
        return sorted(found)

    def remove(self) -> None:
        """Kill what is left and remove the directories (best effort)."""
        self.kill_all()
        for d in self.dirs:
            for _ in range(20):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.025)


def _counters(path: Path) -> dict[str, int]:
    try:
        text = path.read_text()
    except OSError:
        return {}
    pairs = (line.split() for line in text.splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


@cache
def cgroup_support(root: Path = CGROUP_ROOT) -> CgroupSupport:
    """Probe the cgroup v2 (unified with memory and pids) then v1 (memory and pids) layout."""
    if os.geteuid() != 0:
        return CgroupSupport(None, "not running as root: rlimits only")
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        available = set(controllers.read_text().split())
        if {"memory", "pids"} <= available:
            try:
                _v2_parent(root)
                return CgroupSupport("v2", f"cgroup v2 at {root}")
            except OSError as exc:
                return CgroupSupport(None, f"cgroup v2 at {root} is not writable: {exc}")
    v1 = [root / "memory", root / "pids"]
    if all((d / "cgroup.procs").is_file() for d in v1):
        try:
            for d in v1:
                (d / PARENT).mkdir(exist_ok=True)
            return CgroupSupport("v1", f"cgroup v1 memory + pids at {root}")
        except OSError as exc:
            return CgroupSupport(None, f"cgroup v1 at {root} is not writable: {exc}")
    return CgroupSupport(None, "no usable cgroup memory and pids controllers")


def _v2_parent(root: Path) -> Path:
    parent = root / PARENT
    parent.mkdir(exist_ok=True)
    enabled = set((root / "cgroup.subtree_control").read_text().split())
    if not {"memory", "pids"} <= enabled:
        (root / "cgroup.subtree_control").write_text("+memory +pids")
    if not {"memory", "pids"} <= set((parent / "cgroup.subtree_control").read_text().split()):
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
    return parent


def create_job_cgroup(
    *, memory_bytes: int, max_pids: int, root: Path = CGROUP_ROOT, version: Version
) -> JobCgroup:
    """Make the job's cgroup(s) with the limits set (swap off where the kernel lets us)."""
    name = f"job-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    if version == "v2":
        d = root / PARENT / name
        d.mkdir()
        job = JobCgroup("v2", (d,))
        try:
            (d / "memory.max").write_text(str(memory_bytes))
            _try_write(d / "memory.swap.max", "0")
            (d / "pids.max").write_text(str(max_pids))
        except OSError:
            job.remove()
            raise
        return job
    memory, pids = root / "memory" / PARENT / name, root / "pids" / PARENT / name
    memory.mkdir()
    job = JobCgroup("v1", (memory, pids))
    try:
        pids.mkdir()
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        _try_write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
        _try_write(memory / "memory.swappiness", "0")
        (pids / "pids.max").write_text(str(max_pids))
    except OSError:
        job.remove()
        raise
    return job


def _try_write(path: Path, value: str) -> None:
    with contextlib.suppress(OSError):
        path.write_text(value)


def sweep_stale(root: Path = CGROUP_ROOT, *, live: Sequence[int] = ()) -> int:
    """Remove empty job cgroups left by gocoach processes that died (their pid is gone)."""
    removed = 0
    for parent in (root / PARENT, root / "memory" / PARENT, root / "pids" / PARENT):
        if not parent.is_dir():
            continue
        for d in parent.glob("job-*"):
            owner = d.name.split("-")[1]
            if owner.isdigit() and (int(owner) in live or Path(f"/proc/{owner}").exists()):
                continue
            JobCgroup("v1", (d,)).remove()
            removed += 1
    return removed
