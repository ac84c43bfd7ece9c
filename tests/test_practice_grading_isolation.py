"""Choosing the isolation, and the shape of the sandbox commands (no Go is built here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gocoach.practice.grading.exercises import AllocLimit, Exercise
from gocoach.practice.grading.runner import (
    BOX,
    GradingSettings,
    build_command,
    build_env,
    run_tests_command,
    slot_settings,
)
from gocoach.practice.grading.sandbox import (
    UNSANDBOXED_WARNING,
    Limits,
    SandboxStatus,
    SandboxUnavailable,
    choose_isolation,
    prlimit_argv,
    sandbox_available,
)

MISSING = SandboxStatus(False, "bwrap is not installed")
WORKING = SandboxStatus(True, "bubblewrap works")
GOROOT = Path("/opt/go-root")
CACHE = Path("/var/cache/gocoach")


def exercise(*, race: bool = False) -> Exercise:
    return Exercise(
        slug="demo",
        title="Demo",
        level="middle",
        tags=(),
        practises=("x",),
        time_limit_seconds=5,
        race=race,
        alloc_limits=() if race else (AllocLimit("BenchmarkX", 0),),
        path=Path("/nonexistent"),
    )


def settings(**kwargs: object) -> GradingSettings:
    return GradingSettings(go_root=GOROOT, cache_dir=CACHE, **kwargs)  # type: ignore[arg-type]


def test_server_mode_refuses_without_a_sandbox() -> None:
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        choose_isolation(status=MISSING, server_mode=True, allow_unsandboxed=True)


def test_local_mode_refuses_unless_the_user_opts_in() -> None:
    with pytest.raises(SandboxUnavailable):
        choose_isolation(status=MISSING, server_mode=False, allow_unsandboxed=False)


def test_local_mode_runs_with_rlimits_only_after_a_warning() -> None:
    decision = choose_isolation(status=MISSING, server_mode=False, allow_unsandboxed=True)
    assert decision.isolation == "rlimits"
    assert decision.warning == UNSANDBOXED_WARNING


def test_bubblewrap_is_used_whenever_it_works() -> None:
    for server_mode in (True, False):
        decision = choose_isolation(
            status=WORKING, server_mode=server_mode, allow_unsandboxed=False
        )
        assert (decision.isolation, decision.warning) == ("bwrap", None)


def test_missing_bwrap_binary_is_reported() -> None:
    status = sandbox_available("/nonexistent/bwrap")
    assert not status.available and "not installed" in status.reason


def test_build_step_mounts_goroot_at_the_same_path_and_the_cache_writable() -> None:
    argv = build_command(exercise(), settings(), Path("/jobs/demo-1"), race=False)
    joined = " ".join(argv)
    assert "--unshare-all" in argv
    assert f"--ro-bind {GOROOT} {GOROOT}" in joined
    assert f"--bind {CACHE / 'go-build'} {CACHE / 'go-build'}" in joined
    assert f"--bind /jobs/demo-1 {BOX}" in joined
    assert "-vet=all" in argv and "-race" not in argv
    assert build_env(settings(), cgo=False)["CGO_ENABLED"] == "0"
    assert build_env(settings(), cgo=True)["CGO_ENABLED"] == "1"


def test_run_step_has_no_cache_no_network_and_drops_to_the_slot_uid() -> None:
    argv = run_tests_command(
        exercise(), settings(run_uid=64007), Path("/jobs/demo-1"), Path("/t2j")
    )
    joined = " ".join(argv)
    assert str(CACHE / "go-build") not in joined
    assert str(GOROOT) not in joined
    assert "--unshare-net" in argv or "--unshare-all" in argv
    if "setpriv" in argv:
        assert "--reuid=64007" in argv and "--no-new-privs" in argv
    # Benchmarks are run by the grader's own TestMain (allocs come from its signed verdict).
    assert not any(a.startswith("-test.bench") for a in argv)
    assert "-test.timeout=5s" in argv
    # /box is a sized tmpfs holding only the binary; the job folder itself is not mounted.
    assert "--tmpfs /box" in joined and f"--bind /jobs/demo-1 {BOX}" not in joined
    assert f"--ro-bind /jobs/demo-1/demo.test {BOX}/demo.test" in joined


def test_race_exercises_get_the_larger_memory_limit_and_no_benchmarks() -> None:
    limits = Limits()
    argv = run_tests_command(exercise(race=True), settings(), Path("/jobs/d"), Path("/t2j"))
    assert f"--data={limits.race_memory_bytes}" in argv
    assert not any(a.startswith("-test.bench") for a in argv)


def test_prlimit_sets_every_limit_with_soft_equal_hard() -> None:
    argv = prlimit_argv(Limits(max_processes=7), memory_bytes=1000, cpu_seconds=3)
    assert argv[:1] == ["prlimit"] and argv[-1] == "--"
    assert {"--cpu=3", "--data=1000", "--nproc=7", "--core=0"} <= set(argv)


def test_rlimits_only_mode_has_no_bubblewrap() -> None:
    argv = run_tests_command(
        exercise(), settings(isolation="rlimits"), Path("/jobs/d"), Path("/t2j")
    )
    assert "bwrap" not in argv and argv[0] == "prlimit"
    assert "/jobs/d/demo.test" in argv


def test_each_queue_slot_gets_its_own_uid() -> None:
    base = settings(run_uid=64000)
    assert [slot_settings(base, s).run_uid for s in range(3)] == [64000, 64001, 64002]
    assert slot_settings(settings(run_uid=None), 2).run_uid is None
