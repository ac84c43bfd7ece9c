"""Benchmark of the grader: warm-cache latency vs a bare `go test -json`, and queue throughput.

Run: .venv/bin/python bench/grading.py [--exercise retry-backoff] [--runs 20]
Prints figures only (targets: median <= 0.5 s, sandbox overhead <= 15 %).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from gocoach.practice.grading.cache import warm_build_cache
from gocoach.practice.grading.exercises import Exercise, load_exercise, read_files
from gocoach.practice.grading.queue import GradingQueue
from gocoach.practice.grading.results import GradeResult
from gocoach.practice.grading.runner import (
    GradingSettings,
    build_env,
    find_go_root,
    grade_submission,
    slot_settings,
)

ROOT = Path(__file__).resolve().parents[1]


def fresh_submission(exercise: Exercise) -> dict[str, str]:
    """Return the reference solution with a unique comment, so nothing is cached for it."""
    files = read_files(exercise, "solution")
    name = sorted(n for n in files if n.endswith(".go"))[0]
    files[name] += f"\n// submission {uuid.uuid4().hex}\n"
    return files


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def grade_once(exercise: Exercise, settings: GradingSettings, work: Path) -> float:
    """Grade one fresh submission; return the wall time."""
    started = time.perf_counter()
    result = grade_submission(
        exercise=exercise, files=fresh_submission(exercise), settings=settings, work_root=work
    )
    elapsed = time.perf_counter() - started
    assert result.status == "pass", result.message
    return elapsed


def bare_go_test_once(
    exercise: Exercise, settings: GradingSettings, *, grader_flags: bool
) -> float:
    """`go test -json` of the same files, unsandboxed (with the grader's build flags if asked)."""
    go = str(settings.go_root / "bin" / "go")
    env = build_env(settings, cgo=exercise.race)
    env["GORACE"] = "atexit_sleep_ms=0"  # the grader sets this too; the default sleeps 1 s
    with tempfile.TemporaryDirectory() as tmp:
        layers = [read_files(exercise, w) for w in ("starter", "tests", "hidden")]
        for layer in [layers[0], fresh_submission(exercise), *layers[1:]]:
            for name, content in layer.items():
                (Path(tmp) / name).write_text(content)
        vet = ["-vet=all", "-trimpath"] if grader_flags else []
        race = ["-race"] if exercise.race else []
        argv = [go, "test", *vet, "-json", "-count=1", *race, "."]
        started = time.perf_counter()
        subprocess.run(argv, cwd=tmp, env=env, capture_output=True, check=True)
        return time.perf_counter() - started


def interleaved(
    exercise: Exercise, settings: GradingSettings, work: Path, runs: int
) -> dict[str, list[float]]:
    """Time the grader and both baselines in turn, rotating the order every run.

    The machine is noisy; taking the three measurements side by side, not in three blocks,
    lets a slow minute hit all of them alike.
    """
    measures: dict[str, Callable[[], float]] = {
        "graded": lambda: grade_once(exercise, settings, work),
        "bare": lambda: bare_go_test_once(exercise, settings, grader_flags=False),
        "same_checks": lambda: bare_go_test_once(exercise, settings, grader_flags=True),
    }
    times: dict[str, list[float]] = {name: [] for name in measures}
    names = list(measures)
    for run in range(runs):
        for name in names[run % 3 :] + names[: run % 3]:
            times[name].append(measures[name]())
    return times


def queue_throughput(exercise: Exercise, settings: GradingSettings, work: Path, jobs: int) -> float:
    queue: GradingQueue[GradeResult] = GradingQueue(workers=2, max_waiting=jobs)
    started = time.perf_counter()
    ids = [
        queue.submit(
            lambda slot, files=fresh_submission(exercise): grade_submission(
                exercise=exercise,
                files=files,
                settings=slot_settings(settings, slot),
                work_root=work,
            )
        )
        for _ in range(jobs)
    ]
    for job_id in ids:
        queue.wait(job_id)
    elapsed = time.perf_counter() - started
    queue.close()
    return jobs / elapsed


def report(slug: str, settings: GradingSettings, runs: int) -> None:
    exercise = load_exercise(ROOT / "content" / "exercises" / slug)
    work = Path(tempfile.mkdtemp(prefix="gocoach-bench-"))
    try:
        warm_build_cache(exercises=[exercise], settings=settings, work_root=work)
        interleaved(exercise, settings, work, 3)  # first runs also warm the link step
        times = interleaved(exercise, settings, work, runs)
        graded, bare, same_checks = times["graded"], times["bare"], times["same_checks"]
        rate = queue_throughput(exercise, settings, work, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med, p90 = statistics.median(graded), percentile(graded, 0.9)
    bare_med, bare_p90 = statistics.median(bare), percentile(bare, 0.9)
    print(f"{slug} (race={exercise.race}), {runs} fresh submissions each, interleaved, warm cache:")
    print(f"  grade_submission  median {med:.3f} s   p90 {p90:.3f} s")
    print(f"  bare go test -json median {bare_med:.3f} s   p90 {bare_p90:.3f} s")
    same_med, same_p90 = statistics.median(same_checks), percentile(same_checks, 0.9)
    overhead = 100 * (med / bare_med - 1)
    print(f"  ratio median {med / bare_med:.2f}   p90 {p90 / bare_p90:.2f}"
          f"   (overhead {overhead:+.0f} %: sandbox + grader's flags)")  # fmt: skip
    print(f"  bare go test -vet=all -trimpath -json (the grader's flags) median {same_med:.3f} s"
          f"   p90 {same_p90:.3f} s")  # fmt: skip
    print(f"  ratio median {med / same_med:.2f}   p90 {p90 / same_p90:.2f}"
          f"   (sandbox overhead {100 * (med / same_med - 1):+.0f} %)")  # fmt: skip
    print(f"  queue, 2 workers: {rate:.2f} submissions/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exercise", action="append", help="slug (repeatable)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "gocoach-grading-bench-cache",
    )
    args = parser.parse_args()
    settings = GradingSettings(go_root=find_go_root(), cache_dir=args.cache_dir, run_uid=64300)
    for slug in args.exercise or ["retry-backoff", "lru-cache"]:
        report(slug, settings, args.runs)


if __name__ == "__main__":
    main()
