"""Loading and validating exercises stored as data under content/exercises/<slug>/."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Level = Literal["middle", "senior", "architect"]
FileSet = Literal["starter", "tests", "hidden", "solution"]

LEVELS: tuple[str, ...] = ("middle", "senior", "architect")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_TEST_FUNC = re.compile(r"^func (Test\w*)\(\w+ \*testing\.T\) \{", re.MULTILINE)
_TEST_MAIN = re.compile(r"^func TestMain\(", re.MULTILINE)
_BENCH_FUNC = re.compile(r"^func (Benchmark\w*)\(\w+ \*testing\.B\) \{", re.MULTILINE)


class ExerciseError(ValueError):
    """An exercise directory that cannot be loaded."""


@dataclass(frozen=True)
class AllocLimit:
    """A benchmark whose allocs/op must stay at or below a limit."""

    benchmark: str
    max_allocs_per_op: int


@dataclass(frozen=True)
class Exercise:
    """Metadata of one exercise plus the directory holding its files."""

    slug: str
    title: str
    level: Level
    tags: tuple[str, ...]
    practises: tuple[str, ...]
    time_limit_seconds: float
    race: bool
    alloc_limits: tuple[AllocLimit, ...]
    path: Path


def load_exercise(directory: Path) -> Exercise:
    """Read `exercise.toml` of one exercise directory."""
    meta_path = directory / "exercise.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExerciseError(f"{meta_path}: {exc}") from exc
    level = meta.get("level")
    if level not in LEVELS:
        raise ExerciseError(f"{meta_path}: level must be one of {LEVELS}, got {level!r}")
    limits = meta.get("alloc_limits", {})
    return Exercise(
        slug=directory.name,
        title=_require_str(meta, "title", meta_path),
        level=level,
        tags=tuple(str(t) for t in meta.get("tags", [])),
        practises=tuple(str(p) for p in meta.get("practises", [])),
        time_limit_seconds=float(meta.get("time_limit_seconds", 10)),
        race=bool(meta.get("race", False)),
        alloc_limits=tuple(AllocLimit(str(k), int(v)) for k, v in sorted(limits.items())),
        path=directory,
    )


def load_exercises(root: Path) -> list[Exercise]:
    """Load every exercise under `root`, sorted by slug."""
    return [load_exercise(d) for d in sorted(root.iterdir()) if (d / "exercise.toml").is_file()]


def read_files(exercise: Exercise, which: FileSet) -> dict[str, str]:
    """Return name -> content of the files in one of the exercise's file sets."""
    directory = exercise.path / which
    if not directory.is_dir():
        return {}
    return {
        p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir()) if p.is_file()
    }


def list_test_functions(test_files: dict[str, str]) -> list[tuple[str, str]]:
    """Return (test name, file name) for every top-level Test function, in file order."""
    return [
        (m[1], name) for name, src in sorted(test_files.items()) for m in _TEST_FUNC.finditer(src)
    ]


def extract_function(source: str, name: str) -> str:
    """Return the source of the top-level func `name` from gofmt-formatted Go code."""
    match = re.search(rf"^func {re.escape(name)}\(", source, re.MULTILINE)
    if match is None:
        return ""
    end = source.find("\n}", match.start())
    return source[match.start() : len(source) if end < 0 else end + 2]


def validate_exercise(exercise: Exercise) -> list[str]:
    """Return human-readable problems with an exercise's data (empty when it is valid)."""
    problems: list[str] = []
    if not _SLUG.match(exercise.slug):
        problems.append("slug must be lowercase letters, digits and dashes")
    if not (exercise.path / "README.md").is_file():
        problems.append("README.md is missing")
    if not exercise.practises:
        problems.append("practises must list at least one roadmap item")
    if exercise.time_limit_seconds <= 0:
        problems.append("time_limit_seconds must be positive")
    problems += _validate_files(exercise)
    problems += _validate_benchmarks(exercise)
    return problems


def _validate_files(exercise: Exercise) -> list[str]:
    problems: list[str] = []
    starter, tests = read_files(exercise, "starter"), read_files(exercise, "tests")
    hidden, solution = read_files(exercise, "hidden"), read_files(exercise, "solution")
    expected_mod = f"module {exercise.slug}"
    if not starter.get("go.mod", "").startswith(expected_mod + "\n"):
        problems.append(f"starter/go.mod must start with '{expected_mod}'")
    if "go 1.22" not in starter.get("go.mod", ""):
        problems.append("starter/go.mod must say 'go 1.22'")
    for label, files in (("starter", starter), ("solution", solution)):
        if any(n.endswith("_test.go") for n in files):
            problems.append(f"{label}/ must not contain _test.go files")
        if not any(n.endswith(".go") for n in files):
            problems.append(f"{label}/ has no .go files")
    for label, files in (("tests", tests), ("hidden", hidden)):
        if any(not n.endswith("_test.go") for n in files):
            problems.append(f"{label}/ may only contain _test.go files")
    names = [n for n, _ in list_test_functions({**tests, **hidden})]
    if not list_test_functions(tests):
        problems.append("tests/ has no Test functions")
    if len(names) != len(set(names)):
        problems.append("test names in tests/ and hidden/ must be unique")
    if set(tests) & set(hidden):
        problems.append("tests/ and hidden/ must not share file names")
    if any(_TEST_MAIN.search(src) for src in {**tests, **hidden}.values()):
        problems.append("tests must not define TestMain (the grader supplies its own)")
    return problems


def _validate_benchmarks(exercise: Exercise) -> list[str]:
    if not exercise.alloc_limits:
        return []
    problems: list[str] = []
    if exercise.race:
        problems.append("alloc_limits need race = false (the race detector changes allocations)")
    sources = "".join({**read_files(exercise, "tests"), **read_files(exercise, "hidden")}.values())
    benches = set(_BENCH_FUNC.findall(sources))
    for limit in exercise.alloc_limits:
        if limit.benchmark not in benches:
            problems.append(f"alloc_limits names {limit.benchmark}, which no test file defines")
        if limit.max_allocs_per_op < 0:
            problems.append(f"alloc limit of {limit.benchmark} must not be negative")
    return problems


def _require_str(meta: dict[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExerciseError(f"{path}: '{key}' must be a non-empty string")
    return value
