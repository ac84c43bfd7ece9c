"""Every shipped exercise is valid data; its reference passes and its starter fails."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from gocoach.practice.grading.exercises import (
    AllocLimit,
    Exercise,
    ExerciseError,
    load_exercise,
    load_exercises,
    read_files,
    validate_exercise,
)
from gocoach.practice.grading.results import result_to_json
from gocoach.practice.grading.runner import GradingSettings, find_go_root, grade_submission
from gocoach.practice.grading.sandbox import sandbox_available

EXERCISES_ROOT = Path(__file__).resolve().parents[1] / "content" / "exercises"
ROADMAPS = Path("/work/shared/seeds/readable")
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
# One slot uid per xdist worker, distinct from the sandbox tests' uids.
RUN_UID = 64101 + 2 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
EXERCISES = load_exercises(EXERCISES_ROOT)
SLUGS = [ex.slug for ex in EXERCISES]


def test_ships_at_least_sixteen_exercises() -> None:
    assert len(EXERCISES) >= 16


@pytest.mark.parametrize("exercise", EXERCISES, ids=SLUGS)
def test_exercise_metadata_is_valid(exercise: Exercise) -> None:
    assert validate_exercise(exercise) == []


@pytest.mark.parametrize("exercise", EXERCISES, ids=SLUGS)
def test_statement_is_in_russian(exercise: Exercise) -> None:
    readme = (exercise.path / "README.md").read_text(encoding="utf-8")
    assert len(re.findall(r"[а-яё]", readme, re.IGNORECASE)) > 100


@pytest.mark.skipif(not ROADMAPS.is_dir(), reason="the user's roadmaps are not available")
def test_practised_items_are_exact_roadmap_texts() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in ROADMAPS.glob("00[234]-*.md"))
    items = {m.strip() for m in re.findall(r"^\s*- \[[ xX]\] (.+)$", text, re.MULTILINE)}
    items |= {m.strip() for m in re.findall(r"\*\*Практическое задание:\*\* (.+)$", text, re.M)}
    unknown = {ex.slug: [p for p in ex.practises if p not in items] for ex in EXERCISES}
    assert {slug: bad for slug, bad in unknown.items() if bad} == {}


def test_validation_reports_broken_exercises(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    (root / "starter").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "exercise.toml").write_text(
        'title = "t"\nlevel = "middle"\npractises = []\nrace = true\n'
        "[alloc_limits]\nBenchmarkMissing = 0\n"
    )
    (root / "starter" / "go.mod").write_text("module other\n\ngo 1.21\n")
    (root / "starter" / "x_test.go").write_text("package x\n")
    exercise = load_exercise(root)
    assert exercise.alloc_limits == (AllocLimit("BenchmarkMissing", 0),)
    problems = "\n".join(validate_exercise(exercise))
    for expected in (
        "README.md is missing",
        "practises must list",
        "starter/go.mod must start with 'module broken'",
        "go 1.22",
        "starter/ must not contain _test.go",
        "tests/ has no Test functions",
        "alloc_limits need race = false",
        "BenchmarkMissing, which no test file defines",
    ):
        assert expected in problems


def test_unknown_level_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "exercise.toml").write_text('title = "t"\nlevel = "junior"\n')
    with pytest.raises(ExerciseError, match="level"):
        load_exercise(tmp_path / "x")


@pytest.fixture(scope="module")
def settings() -> GradingSettings:
    if not sandbox_available().available:
        pytest.skip("bubblewrap is not usable here")
    return GradingSettings(go_root=find_go_root(), cache_dir=CACHE_DIR, run_uid=RUN_UID)


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES, ids=SLUGS)
def test_reference_solution_passes_every_test(
    exercise: Exercise, settings: GradingSettings, tmp_path: Path
) -> None:
    result = grade_submission(
        exercise=exercise,
        files=read_files(exercise, "solution"),
        settings=settings,
        work_root=tmp_path,
    )
    assert result.status == "pass", result_to_json(result)
    assert {t.hidden for t in result.tests} == {False, True}


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES, ids=SLUGS)
def test_starter_fails_at_least_one_test(
    exercise: Exercise, settings: GradingSettings, tmp_path: Path
) -> None:
    result = grade_submission(
        exercise=exercise,
        files=read_files(exercise, "starter"),
        settings=settings,
        work_root=tmp_path,
    )
    assert result.status == "fail", result_to_json(result)
    assert any(t.status == "fail" for t in result.tests) or any(
        b.status == "fail" for b in result.benchmarks
    )
