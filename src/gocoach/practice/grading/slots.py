"""Who may use which slot uid, and which job folders belong to a live gocoach process.

Learner code runs as an unprivileged uid, one per concurrent grading, and cleanup kills every
process of that uid. Two gocoach processes on one machine (the web app and a CLI run, two
instances) must therefore never hold the same uid: each grading leases a uid through an
exclusive `flock` on `<lock_dir>/uid-<n>.lock`. The lock belongs to the open file, so it is
released when the lease ends or when its process dies, and a crashed holder frees its uid.

Job folders live in a per-process folder holding a locked `.owner` file; a folder whose lock
can be taken belongs to a dead process and is removed (a killed grading left it behind).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

DEFAULT_LOCK_DIR = Path("/run/gocoach/uids")
UID_SPAN = 256


class NoFreeUid(RuntimeError):
    """Every slot uid is leased by some gocoach process."""


def default_lock_dir() -> Path:
    """Machine-wide: /run/gocoach/uids as root, else a folder in the temp dir."""
    if os.geteuid() == 0 and Path("/run").is_dir():
        return DEFAULT_LOCK_DIR
    return Path(tempfile.gettempdir()) / "gocoach-uids"


@contextlib.contextmanager
def lease_uid(base: int, *, span: int = UID_SPAN, lock_dir: Path | None = None) -> Iterator[int]:
    """Hold one free uid in [base, base + span) for the duration of the block."""
    directory = lock_dir or default_lock_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    start = (os.getpid() * 7 + threading.get_ident()) % span  # spread the first probes
    for offset in range(span):
        uid = base + (start + offset) % span
        fd = os.open(directory / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield uid
        finally:
            os.close(fd)  # releases the lock
        return
    raise NoFreeUid(f"all {span} grading uids from {base} are in use")


class JobRoot:
    """This process's folder for job folders, under a shared work root; sweeps dead ones."""

    def __init__(self, work_root: Path):
        self.work_root = work_root
        self.path = work_root / f"p{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._fd: int | None = None
        self._lock = threading.Lock()

    def open(self) -> Path:
        """Create and lock this process's folder, after removing those of dead processes."""
        with self._lock:
            return self._open_locked()

    def _open_locked(self) -> Path:
        if self._fd is not None:
            return self.path
        self.work_root.mkdir(parents=True, exist_ok=True)
        sweep_dead_job_roots(self.work_root)
        self.path.mkdir(mode=0o711)
        fd = os.open(self.path / ".owner", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd
        return self.path

    def close(self) -> None:
        """Release the lock and remove the folder."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            shutil.rmtree(self.path, ignore_errors=True)


def sweep_dead_job_roots(work_root: Path) -> list[Path]:
    """Remove per-process folders (and loose job folders) no live process holds."""
    removed: list[Path] = []
    if not work_root.is_dir():
        return removed
    for entry in work_root.iterdir():
        if not entry.is_dir() or entry.is_symlink():
            continue
        owner = entry / ".owner"
        if owner.is_file():
            fd = os.open(owner, os.O_RDWR | os.O_CLOEXEC)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live gocoach process owns it
            finally:
                os.close(fd)
        elif entry.name.startswith("p"):
            continue  # being created right now
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
