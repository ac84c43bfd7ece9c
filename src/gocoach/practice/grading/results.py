"""Grading results in the shape of Exercism's results.json (version 3).

The grader's own sentences are reasons (codes with values, see reasons.py), kept apart from
the tool output that `message` holds: the compiler's lines, a failed assertion's lines. A
results document stored before the reasons existed holds the grader's Russian sentences in
`message`, `flags` and `limits`; the faces show those as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gocoach.practice.grading.reasons import Reason, to_json

Status = Literal["pass", "fail", "error"]
# Where grading stopped: refused before compiling, at the compiler, at go vet, after running
# the tests, or inside the grader itself.
Stage = Literal["rejected", "build", "vet", "run", "internal"]

RESULTS_VERSION = 3


@dataclass(frozen=True)
class TestResult:
    """The outcome of one top-level Go test function."""

    __test__ = False  # not a pytest test class

    name: str
    status: Status
    message: str | None  # tool output: the failed assertions' lines
    output: str | None
    test_code: str
    hidden: bool = False
    reason: Reason | None = None  # why it failed, when the grader knows


@dataclass(frozen=True)
class BenchmarkResult:
    """Allocations per operation of one benchmark, checked against its limit."""

    name: str
    status: Status
    allocs_per_op: int | None
    max_allocs_per_op: int
    message: str | None = None  # (the grader's sentence in documents stored before reasons)
    reason: Reason | None = None  # why it failed


@dataclass(frozen=True)
class GradeResult:
    """The whole grading outcome of one submission."""

    status: Status
    message: str | None  # tool output: the compiler's (or go vet's) lines
    tests: tuple[TestResult, ...] = ()
    benchmarks: tuple[BenchmarkResult, ...] = ()
    duration_seconds: float = 0.0
    stage: Stage = "run"
    flags: tuple[str, ...] = ()  # static-check findings: reasons (see gosource.static_flags)
    limits: str | None = None  # which isolation and limits applied: a reason
    reasons: tuple[Reason, ...] = ()  # the grader's sentences about the whole run


def result_to_json(result: GradeResult) -> dict[str, Any]:
    """Return the result as a results.json v3 document (plus `benchmarks`, `reasons` and the
    tests' `reason`), in no language: reasons as codes with values, tool output as it is."""
    return {
        "version": RESULTS_VERSION,
        "status": result.status,
        "message": result.message,
        "reasons": [reason.to_json() for reason in result.reasons],
        "tests": [
            {
                "name": test.name,
                "status": test.status,
                "message": test.message,
                "reason": to_json(test.reason),
                "output": test.output,
                "test_code": test.test_code,
                "hidden": test.hidden,
            }
            for test in result.tests
        ],
        "benchmarks": [
            {
                "name": bench.name,
                "status": bench.status,
                "allocs_per_op": bench.allocs_per_op,
                "max_allocs_per_op": bench.max_allocs_per_op,
                "message": bench.message,
                "reason": to_json(bench.reason),
            }
            for bench in result.benchmarks
        ],
        "duration_seconds": round(result.duration_seconds, 3),
        "stage": result.stage,
        "flags": [to_json(flag) for flag in result.flags],
        "limits": to_json(result.limits),
    }


def overall_status(
    tests: tuple[TestResult, ...], benchmarks: tuple[BenchmarkResult, ...]
) -> Status:
    """Return `pass` only when every test and every benchmark limit passed."""
    statuses = [t.status for t in tests] + [b.status for b in benchmarks]
    if "error" in statuses:
        return "error"
    if "fail" in statuses or not tests:
        return "fail"
    return "pass"
