"""Warming the shared Go build cache so the first submission is not a cold build."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gocoach.practice.grading.exercises import Exercise, read_files
from gocoach.practice.grading.runner import (
    GradingSettings,
    build_command,
    build_env,
    ensure_test2json,
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
        job_dir = prepare_job_dir(exercise, read_files(exercise, "solution"), work_root)
        try:
            outcome = run_limited(
                build_command(exercise, settings, job_dir, race=race),
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
