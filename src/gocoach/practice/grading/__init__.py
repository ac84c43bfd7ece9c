"""Go practice engine: exercises as data, a sandboxed grader, a grading queue.

Typical use::

    exercise = load_exercise(Path("content/exercises/worker-pool"))
    settings = GradingSettings(go_root=find_go_root(), cache_dir=cache_dir)
    result = grade_submission(exercise=exercise, files={"pool.go": source},
                              settings=settings, work_root=work_dir)
    document = result_to_json(result)  # Exercism results.json v3
"""

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
