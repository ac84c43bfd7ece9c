"""Warming the shared Go build cache so the first submission is not a cold build."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gocoach.practice.grading.exercises import Exercise, read_files
from gocoach.practice.grading.runner import (
    GradingSettings,
    build_command,
    build_env,
    ensure_test2json,
    exercise_harness,
    go_cache,
    prepare_job_dir,
)
from gocoach.practice.grading.sandbox import run_limited

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class WarmupReport:
    """Which builds were done and which failed (with their output)."""

    built: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


def warmup_plan(exercises: Sequence[Exercise]) -> list[tuple[Exercise, bool]]:
    """Return (exercise, race) builds: all exercises plain, plus -race where graded so."""
    plan = [(ex, False) for ex in exercises]
    plan += [(ex, True) for ex in exercises if ex.race]
    return plan


def warm_build_cache(
    *,
    exercises: Sequence[Exercise],
    settings: GradingSettings,
    work_root: Path,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> WarmupReport:
    """Compile each exercise's reference solution in the sandbox, filling the shared cache.

    Setting `cancel` stops the warm-up: the build under way is killed and no other starts.
    """
    plan = warmup_plan(exercises)
    try:
        ensure_test2json(settings, cancel=cancel)
    except RuntimeError:
        if cancel is not None and cancel.is_set():
            return WarmupReport((), ())
        raise
    go_cache(settings).mkdir(parents=True, exist_ok=True)
    built: list[str] = []
    failed: list[tuple[str, str]] = []
    for index, (exercise, race) in enumerate(plan):
        if cancel is not None and cancel.is_set():
            break
        label = f"{exercise.slug}{' -race' if race else ''}"
        if progress is not None:
            progress(index, len(plan), label)
        # With the harness, as in grading: its verdict package gets compiled into the cache.
        harness = exercise_harness(exercise)
        job_dir = prepare_job_dir(exercise, read_files(exercise, "solution"), work_root,
                                  harness=harness)  # fmt: skip
        try:
            outcome = run_limited(
                build_command(exercise, settings, job_dir, race=race,
                              link_flag=harness.link_flag),
                env=build_env(settings, cgo=race),
                wall_seconds=settings.limits.build_seconds,
                output_bytes=settings.limits.output_bytes,
                cwd=job_dir,
                cancel=cancel,
            )
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        if cancel is not None and cancel.is_set():
            break
        if outcome.returncode == 0:
            built.append(label)
        else:
            failed.append((label, outcome.output.decode("utf-8", errors="replace")))
    if progress is not None and not (cancel is not None and cancel.is_set()):
        progress(len(plan), len(plan), "done")
    return WarmupReport(tuple(built), tuple(failed))


@dataclass(frozen=True)
class TrimReport:
    """What trimming the build cache did."""

    size_before: int
    size_after: int
    removed_files: int


def cache_size(cache: Path) -> int:
    """Bytes held by the files of a Go build cache."""
    total = 0
    for root, _dirs, files in os.walk(cache):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def trim_build_cache(cache: Path, *, max_bytes: int, keep_fraction: float = 0.8) -> TrimReport:
    """Keep the Go build cache under `max_bytes`: delete least recently used entries first.

    Go marks an entry used by bumping its mtime (at most once an hour), so the oldest mtimes
    are the coldest entries; Go treats a missing entry as a miss and rebuilds it. Trimming
    goes down to `keep_fraction` of the cap so it does not run on every submission.
    """
    entries: list[tuple[float, int, str]] = []
    for root, _dirs, files in os.walk(cache):
        for name in files:
            if name in ("README", "trim.txt"):
                continue
            path = os.path.join(root, name)
            try:
                stat = os.lstat(path)
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
    before = sum(size for _, size, _ in entries)
    if before <= max_bytes:
        return TrimReport(before, before, 0)
    target = int(max_bytes * keep_fraction)
    size, removed = before, 0
    for _mtime, entry_size, path in sorted(entries):
        if size <= target:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        size -= entry_size
        removed += 1
    return TrimReport(before, size, removed)


class CacheTrimmer:
    """Trim a cache at most once per `interval` seconds (walking it costs a few ms)."""

    def __init__(self, cache: Path, *, max_bytes: int, interval: float = 60.0):
        self.cache, self.max_bytes, self.interval = cache, max_bytes, interval
        self._last = float("-inf")
        self._lock = threading.Lock()

    def maybe_trim(self, now: float | None = None) -> TrimReport | None:
        """Trim when the interval has passed since the last check; None when skipped."""
        moment = time.monotonic() if now is None else now
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if moment - self._last < self.interval:
                return None
            self._last = moment
            return trim_build_cache(self.cache, max_bytes=self.max_bytes)
        finally:
            self._lock.release()
