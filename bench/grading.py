"""Benchmark of the grader: warm-cache latency vs a bare `go test -json`, and the two queues.

Run: .venv/bin/python bench/grading.py [--exercise retry-backoff] [--runs 20] [--no-team]

Local path (targets: median <= 0.5 s, <= 15 % over bare `go test` with the same flags): the
grader and both baselines interleaved, then the in-process queue's throughput.

Team path (PostgreSQL + `gocoach worker`, skipped without PostgreSQL or with --no-team): a
throwaway cluster as the tests start one, workers as subprocesses. Submissions go in the way
the web app puts them (practice.jobs.submit_request, one transaction each, no HTTP). Figures:
enqueue -> a worker starts the job (target <= 100 ms median; procrastinate wakes on
LISTEN/NOTIFY), enqueue -> verdict stored against grade_submission in the same run, and the
throughput with one and two workers against the in-process queue with as many threads.
Prints figures only: the machines are noisy, nothing here fails on a missed target.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import procrastinate
from sqlalchemy import text

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
from gocoach.practice.jobs import JOB_PREFIX, queue_app, submit_request
from gocoach.startup import Database, open_database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.users import ensure_local_user

ROOT = Path(__file__).resolve().parents[1]
GOCOACH = ROOT / ".venv" / "bin" / "gocoach"
sys.path.insert(0, str(ROOT / "tests"))
servers = importlib.import_module("servers")  # the tests' throwaway PostgreSQL cluster


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


def queue_throughput(
    exercise: Exercise, settings: GradingSettings, work: Path, jobs: int, workers: int = 2
) -> float:
    """Submissions per second through the in-process queue with `workers` threads."""
    queue: GradingQueue[GradeResult] = GradingQueue(workers=workers, max_waiting=jobs)
    started = time.perf_counter()

    def job(files: dict[str, str]) -> Callable[[int], GradeResult]:
        return lambda slot: grade_submission(exercise=exercise, files=files,
                                             settings=slot_settings(settings, slot),
                                             work_root=work)  # fmt: skip

    ids = [queue.submit(job(fresh_submission(exercise))) for _ in range(jobs)]
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


# --- the team path: PostgreSQL and `gocoach worker` processes -------------------------------


@contextmanager
def team_database(cache_dir: Path) -> Iterator[Database]:
    """A throwaway PostgreSQL cluster, migrated (procrastinate's schema included)."""
    base = Path(tempfile.mkdtemp(prefix="gocoach-bench-team-"))
    cluster = Path("/tmp") / f"gocoach-bench-pg-{base.name}"  # the postgres user must reach it
    try:
        with servers.postgres_server(cluster) as url:
            settings = load_settings(database_url=url, data_dir=base, load_bundled=False,
                                     grading_cache_dir=cache_dir, grading_warmup=False)
            database, _ = open_database(settings)
            try:
                yield database
            finally:
                database.engine.dispose()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(cluster, ignore_errors=True)


class Workers:
    """`gocoach worker` subprocesses on the bench's database."""

    def __init__(self, database: Database):
        self.database = database
        settings = database.settings
        self.env = {**os.environ, "GOCOACH_DATABASE_URL": settings.database_url,
                    "GOCOACH_DATA_DIR": str(settings.data_dir), "GOCOACH_LOAD_BUNDLED": "false",
                    "GOCOACH_GRADING_WARMUP": "false",
                    "GOCOACH_GRADING_CACHE_DIR": str(settings.grading_cache_dir)}  # fmt: skip
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        """One more worker; returns when it is registered in the queue."""
        log = self.database.settings.data_dir / f"worker-{len(self.processes)}.log"
        self.processes.append(subprocess.Popen([str(GOCOACH), "worker"], env=self.env,
                                               stdout=log.open("wb"),
                                               stderr=subprocess.STDOUT))  # fmt: skip
        deadline = time.monotonic() + 60
        while self._registered() < len(self.processes):
            if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                raise RuntimeError(f"gocoach worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)

    def _registered(self) -> int:
        with self.database.engine.connect() as connection:
            return int(connection.execute(
                text("SELECT count(*) FROM procrastinate_workers")).scalar_one())

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(60)


def enqueue(database: Database, app: procrastinate.App, exercise: Exercise) -> tuple[int, float]:
    """Submit one fresh solution as the web app does; return its request id and commit time."""
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=utc_now())
        job = submit_request(session, app=app, user=user, exercise=exercise,
                             files=fresh_submission(exercise), started_at=None, now=utc_now())
    return int(job.removeprefix(JOB_PREFIX)), time.time()


def wait_graded(database: Database, ids: list[int]) -> dict[int, tuple[float, float]]:
    """request id -> (when a worker started its job, when its verdict was stored), epoch s."""
    query = text("SELECT r.id, r.graded_at, (SELECT min(e.at) FROM procrastinate_events e "
                 "WHERE e.job_id = r.job_id AND e.type = 'started') "
                 "FROM grading_requests r WHERE r.id = ANY(:ids)")  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            rows = connection.execute(query, {"ids": ids}).all()
        if len(rows) == len(ids) and all(graded for _, graded, _ in rows):
            return {rid: (started.timestamp(), graded.timestamp())
                    for rid, graded, started in rows}  # fmt: skip
        time.sleep(0.02)  # the figures are the database's timestamps, not this loop's
    raise TimeoutError("the workers did not grade in 10 minutes")


def team_latency(
    database: Database, app: procrastinate.App, exercise: Exercise, settings: GradingSettings,
    work: Path, runs: int,
) -> dict[str, list[float]]:
    """One submission at a time (the worker idle): pick-up and verdict delays, and a direct
    grade_submission after each, so both see the same minute of the machine."""
    times: dict[str, list[float]] = {"pickup": [], "verdict": [], "direct": []}
    for _ in range(runs):
        request_id, committed = enqueue(database, app, exercise)
        started, graded = wait_graded(database, [request_id])[request_id]
        times["pickup"].append(started - committed)
        times["verdict"].append(graded - committed)
        times["direct"].append(grade_once(exercise, settings, work))
    return times


def team_throughput(
    database: Database, app: procrastinate.App, exercise: Exercise, jobs: int
) -> float:
    """Submissions per second: `jobs` queued at once, until the last verdict is stored."""
    queued = [enqueue(database, app, exercise) for _ in range(jobs)]
    done = wait_graded(database, [request_id for request_id, _ in queued])
    return jobs / (max(graded for _, graded in done.values()) - queued[0][1])


def team_report(slug: str, settings: GradingSettings, runs: int) -> None:
    exercise = load_exercise(ROOT / "content" / "exercises" / slug)
    if servers._pg_bin() is None:
        print("team path: skipped (PostgreSQL is not installed)")
        return
    work = Path(tempfile.mkdtemp(prefix="gocoach-bench-"))
    try:
        warm_build_cache(exercises=[exercise], settings=settings, work_root=work)
        with team_database(settings.cache_dir) as database:
            app = queue_app(database.settings.database_url)
            workers = Workers(database)
            try:
                workers.start()
                team_latency(database, app, exercise, settings, work, 2)  # warm both paths
                times = team_latency(database, app, exercise, settings, work, runs)
                rates: dict[str, list[float]] = {}
                for count in (1, 2):
                    if count == 2:
                        workers.start()
                    # team, in-process, in-process, team: a noisy minute hits both alike
                    for team in (True, False, False, True):
                        key = f"{'team' if team else 'local'}{count}"
                        rates.setdefault(key, []).append(
                            team_throughput(database, app, exercise, runs) if team else
                            queue_throughput(exercise, settings, work, runs, workers=count))
            finally:
                workers.stop()
        one, two, local_one, local_two = (statistics.mean(rates[k])
                                          for k in ("team1", "team2", "local1", "local2"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pickup, verdict, direct = (sorted(times[k]) for k in ("pickup", "verdict", "direct"))
    ms = 1000
    print(f"{slug}, team path (PostgreSQL + gocoach worker), {runs} submissions one at a time:")
    print(f"  enqueue -> worker starts the job  median {statistics.median(pickup) * ms:.0f} ms"
          f"   p90 {percentile(pickup, 0.9) * ms:.0f} ms   (target <= 100 ms)")
    added = statistics.median(verdict) - statistics.median(direct)
    print(f"  enqueue -> verdict stored         median {statistics.median(verdict):.3f} s"
          f"   vs grade_submission {statistics.median(direct):.3f} s in this run"
          f"   (ratio {statistics.median(verdict) / statistics.median(direct):.2f},"
          f" {added * ms:+.0f} ms)")
    print(f"  throughput, {runs} queued at once:  1 worker {one:.2f}/s"
          f" (in-process queue, 1 thread {local_one:.2f}/s, ratio {one / local_one:.2f});"
          f"  2 workers {two:.2f}/s (2 threads {local_two:.2f}/s, ratio {two / local_two:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exercise", action="append", help="slug (repeatable)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "gocoach-grading-bench-cache",
    )
    parser.add_argument("--no-team", action="store_true", help="skip the PostgreSQL queue")
    args = parser.parse_args()
    settings = GradingSettings(go_root=find_go_root(), cache_dir=args.cache_dir, run_uid=64300)
    for slug in args.exercise or ["retry-backoff", "lru-cache"]:
        report(slug, settings, args.runs)
    if not args.no_team:
        team_report((args.exercise or ["retry-backoff"])[0], settings, args.runs)


if __name__ == "__main__":
    main()
