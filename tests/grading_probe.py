"""A one-package exercise («probe») written into a folder, for the sandbox and hostile tests."""

from __future__ import annotations

from pathlib import Path

from gocoach.practice.grading.exercises import Exercise, load_exercise


def write_probe_exercise(root: Path, *, toml: str, starter: str, solution: str, tests: str,
                         hidden: str | None = None) -> Exercise:
    """Write the exercise folder (module named after `root`) and load it."""
    subs = ("starter", "tests", "solution") + (("hidden",) if hidden is not None else ())
    for sub in subs:
        (root / sub).mkdir(parents=True)
    (root / "exercise.toml").write_text(toml)
    (root / "README.md").write_text("probe\n")
    (root / "starter" / "go.mod").write_text(f"module {root.name}\n\ngo 1.22\n")
    (root / "starter" / "probe.go").write_text(starter)
    (root / "solution" / "probe.go").write_text(solution)
    (root / "tests" / "probe_test.go").write_text(tests)
    if hidden is not None:
        (root / "hidden" / "probe_hidden_test.go").write_text(hidden)
    return load_exercise(root)
