"""End-to-end grading paths beyond hostile code: benchmarks, warm-up, rlimits-only mode."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from gocoach.practice.grading.cache import warm_build_cache, warmup_plan
from gocoach.practice.grading.exercises import load_exercise, load_exercises, read_files
from gocoach.practice.grading.queue import GradingQueue
from gocoach.practice.grading.results import GradeResult, result_to_json
from gocoach.practice.grading.runner import (
    GradingSettings,
    find_go_root,
    grade_submission,
    slot_settings,
)
from gocoach.practice.grading.sandbox import list_processes_of, sandbox_available

EXERCISES_ROOT = Path(__file__).resolve().parents[1] / "content" / "exercises"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
UID_BASE = 64200 + 10 * WORKER

ALLOCATING_ENCODER = """package jsonenc

import "encoding/json"

type Event struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Tags   []string `json:"tags"`
	Score  float64  `json:"score"`
	Active bool     `json:"active"`
}

func AppendEvent(dst []byte, e *Event) []byte {
	c := *e
	if c.Tags == nil {
		c.Tags = []string{}
	}
	b, _ := json.Marshal(&c)
	return append(dst, b...)
}
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]


@pytest.fixture(scope="module")
def settings() -> GradingSettings:
    return GradingSettings(go_root=find_go_root(), cache_dir=CACHE_DIR, run_uid=UID_BASE)


def test_correct_but_allocating_encoder_fails_only_the_alloc_limit(
    settings: GradingSettings, tmp_path: Path
) -> None:
    exercise = load_exercise(EXERCISES_ROOT / "json-encoder")
    result = grade_submission(
        exercise=exercise,
        files={"encode.go": ALLOCATING_ENCODER},
        settings=settings,
        work_root=tmp_path,
    )
    assert all(t.status == "pass" for t in result.tests), result_to_json(result)
    (bench,) = result.benchmarks
    assert result.status == "fail"
    assert bench.status == "fail" and (bench.allocs_per_op or 0) >= 1
    assert bench.reason is not None and bench.reason.code == "bench.allocs"
    assert bench.reason.params == {"allocs": bench.allocs_per_op, "max": bench.max_allocs_per_op}


def test_rlimits_only_mode_grades_as_the_slot_uid(
    settings: GradingSettings, tmp_path: Path
) -> None:
    exercise = load_exercise(EXERCISES_ROOT / "retry-backoff")
    local = GradingSettings(
        go_root=settings.go_root, cache_dir=settings.cache_dir, isolation="rlimits",
        run_uid=UID_BASE + 5,
    )  # fmt: skip
    # Without bubblewrap the slot uid reaches the job directory by its path, so the work root
    # must be traversable by others (pytest's own tmp_path is not).
    work_root = Path(tempfile.mkdtemp(prefix="gocoach-rlimits-"))
    work_root.chmod(0o711)
    passed = grade_submission(
        exercise=exercise, files=read_files(exercise, "solution"), settings=local,
        work_root=work_root,
    )  # fmt: skip
    failed = grade_submission(
        exercise=exercise, files=read_files(exercise, "starter"), settings=local,
        work_root=work_root,
    )  # fmt: skip
    work_root.rmdir()
    assert passed.status == "pass", result_to_json(passed)
    assert failed.status == "fail"
    assert list_processes_of(UID_BASE + 5) == []


def test_warm_up_reports_progress_for_every_build(
    settings: GradingSettings, tmp_path: Path
) -> None:
    exercises = [load_exercise(EXERCISES_ROOT / s) for s in ("retry-backoff", "ttl-cache")]
    seen: list[tuple[int, int, str]] = []
    report = warm_build_cache(
        exercises=exercises,
        settings=settings,
        work_root=tmp_path,
        progress=lambda done, total, label: seen.append((done, total, label)),
    )
    assert report.failed == ()
    assert report.built == ("retry-backoff", "ttl-cache", "ttl-cache -race")
    assert seen[0] == (0, 3, "retry-backoff") and seen[-1] == (3, 3, "done")
    assert list(tmp_path.iterdir()) == []


def test_warm_up_plan_covers_plain_and_race_builds() -> None:
    plan = warmup_plan(load_exercises(EXERCISES_ROOT))
    assert {race for _, race in plan} == {False, True}
    assert len([ex for ex, race in plan if not race]) == len(load_exercises(EXERCISES_ROOT))


def test_queue_grades_on_distinct_slot_uids(settings: GradingSettings, tmp_path: Path) -> None:
    exercise = load_exercise(EXERCISES_ROOT / "lru-cache")
    queue: GradingQueue[GradeResult] = GradingQueue(workers=2)

    def work(slot: int) -> GradeResult:
        return grade_submission(
            exercise=exercise, files=read_files(exercise, "solution"),
            settings=slot_settings(settings, slot, uid_base=UID_BASE + 1),
            work_root=tmp_path / str(slot),
        )  # fmt: skip

    jobs = [queue.submit(work) for _ in range(4)]
    results = [queue.wait(job, timeout=120) for job in jobs]
    queue.close()
    assert [r.state for r in results] == ["done"] * 4
    assert all(r.result is not None and r.result.status == "pass" for r in results)
