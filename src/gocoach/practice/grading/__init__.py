"""Go practice engine: exercises as data, a sandboxed grader, a grading queue.

Typical use::

    exercise = load_exercise(Path("content/exercises/worker-pool"))
    settings = GradingSettings(go_root=find_go_root(), cache_dir=cache_dir)
    result = grade_submission(exercise=exercise, files={"pool.go": source},
                              settings=settings, work_root=work_dir)
    document = result_to_json(result)  # Exercism results.json v3

The names below are loaded on first use (PEP 562): importing one light module of the package
(exercise files, results) must not import the sandbox and the runner — `gocoach today` reads
the exercise catalogue and starts faster without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gocoach.practice.grading.cache import WarmupReport, warm_build_cache
    from gocoach.practice.grading.exercises import (
        Exercise,
        ExerciseError,
        load_exercise,
        load_exercises,
        read_files,
        validate_exercise,
    )
    from gocoach.practice.grading.queue import GradingQueue, JobStatus, QueueBusy
    from gocoach.practice.grading.reasons import Reason
    from gocoach.practice.grading.results import (
        BenchmarkResult,
        GradeResult,
        TestResult,
        result_to_json,
    )
    from gocoach.practice.grading.runner import (
        GradingSettings,
        find_go_root,
        grade_submission,
        slot_settings,
    )
    from gocoach.practice.grading.sandbox import (
        UNSANDBOXED_WARNING,
        IsolationDecision,
        Limits,
        SandboxStatus,
        SandboxUnavailable,
        choose_isolation,
        sandbox_available,
    )
    from gocoach.practice.grading.submission import SubmissionRejected, accept_submission

_LAZY = {
    "BenchmarkResult": "results",
    "Exercise": "exercises",
    "ExerciseError": "exercises",
    "GradeResult": "results",
    "GradingQueue": "queue",
    "GradingSettings": "runner",
    "IsolationDecision": "sandbox",
    "JobStatus": "queue",
    "Limits": "sandbox",
    "QueueBusy": "queue",
    "Reason": "reasons",
    "SandboxStatus": "sandbox",
    "SandboxUnavailable": "sandbox",
    "SubmissionRejected": "submission",
    "TestResult": "results",
    "UNSANDBOXED_WARNING": "sandbox",
    "WarmupReport": "cache",
    "accept_submission": "submission",
    "choose_isolation": "sandbox",
    "find_go_root": "runner",
    "grade_submission": "runner",
    "load_exercise": "exercises",
    "load_exercises": "exercises",
    "read_files": "exercises",
    "result_to_json": "results",
    "sandbox_available": "sandbox",
    "slot_settings": "runner",
    "validate_exercise": "exercises",
    "warm_build_cache": "cache",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "UNSANDBOXED_WARNING",
    "BenchmarkResult",
    "Exercise",
    "ExerciseError",
    "GradeResult",
    "GradingQueue",
    "GradingSettings",
    "IsolationDecision",
    "JobStatus",
    "Limits",
    "QueueBusy",
    "Reason",
    "SandboxStatus",
    "SandboxUnavailable",
    "SubmissionRejected",
    "TestResult",
    "WarmupReport",
    "accept_submission",
    "choose_isolation",
    "find_go_root",
    "grade_submission",
    "load_exercise",
    "load_exercises",
    "read_files",
    "result_to_json",
    "sandbox_available",
    "slot_settings",
    "validate_exercise",
    "warm_build_cache",
]
