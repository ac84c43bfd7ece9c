"""Turning a test run (events + how the process ended) into per-test results."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gocoach.practice.grading.exercises import AllocLimit
from gocoach.practice.grading.gotest_json import RunReport, TestOutcome
from gocoach.practice.grading.harness import is_verdict_line
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.results import BenchmarkResult, Status, TestResult

_FRAME = re.compile(r"^(=== (RUN|PAUSE|CONT|NAME)\b.*|--- (PASS|FAIL|SKIP): \w+ \(.*\))$")
_ASSERTION = re.compile(r"^\s*[\w.\-]+\.go:\d+: .*")
_PANIC = re.compile(r"^panic: (.*)$", re.MULTILINE)
_PROCESS_LIMIT_SIGNS = (
    "failed to create new OS thread",
    "resource temporarily unavailable",
    "Cannot fork",
    "fork: retry",
)


@dataclass(frozen=True)
class ExpectedTest:
    """A Test function the grader expects to run."""

    name: str
    test_code: str
    hidden: bool


@dataclass(frozen=True)
class RunFacts:
    """How the test process ended, as far as results are concerned."""

    timed_out: bool
    output_truncated: bool
    time_limit_seconds: float
    memory_mib: int
    output_limit_mib: float
    oom_killed: bool = False  # the cgroup's OOM killer struck
    pids_exhausted: bool = False  # a fork or thread failed at the cgroup's pids limit


CUT = "…"  # the last line of output cut to its limit (in no language)


def cap_text(text: str, limit: int) -> str:
    """Cut text to `limit` characters, a last line CUT saying so."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n" + CUT


def clean_output(lines: list[str]) -> str:
    """Drop test2json framing lines (=== RUN, top-level --- PASS) from a test's output."""
    text = "".join(lines)
    return "\n".join(
        line for line in text.splitlines() if not _FRAME.match(line) and not is_verdict_line(line)
    ).strip()


def explain_failure(output: str, facts: RunFacts) -> tuple[Reason | None, str | None]:
    """Why a test failed, in the learner's terms: a reason, or the failed assertions' lines
    (tool output) when the test said it itself."""
    if facts.oom_killed:
        return Reason("test.memory_killed", mib=facts.memory_mib), None
    if "test timed out after" in output:
        return Reason("test.timeout", seconds=facts.time_limit_seconds), None
    if "out of memory" in output:
        return Reason("test.memory", mib=facts.memory_mib), None
    if facts.pids_exhausted or any(sign in output for sign in _PROCESS_LIMIT_SIGNS):
        return Reason("test.processes"), None
    if "race detected during execution of test" in output or "WARNING: DATA RACE" in output:
        return Reason("test.race"), None
    panic = _PANIC.search(output)
    if panic:
        return Reason("test.panic", panic=panic[1]), None
    assertions = [line.strip() for line in output.splitlines() if _ASSERTION.match(line)]
    if assertions:
        return None, cap_text("\n".join(assertions), 1000)
    return Reason("test.failed"), None


def explain_abort(report: RunReport, facts: RunFacts) -> Reason | None:
    """Say why the test process stopped early, or None when it ran to completion."""
    if facts.output_truncated:
        return Reason("run.output_limit", mib=facts.output_limit_mib)
    if facts.oom_killed:
        return explain_failure("", facts)[0]
    if facts.timed_out:
        return Reason("run.timeout", seconds=facts.time_limit_seconds)
    if not report.outcomes and _PANIC.search(report.package_output):
        return Reason("run.init_panic", cause=_cause(report.package_output, facts))
    if not report.outcomes and report.package_output.strip():
        return Reason("run.not_started", cause=_cause(report.package_output, facts))
    return None


def _cause(package_output: str, facts: RunFacts) -> str:
    """What stopped the tests from starting: a reason, else what the package printed."""
    reason, lines = explain_failure(package_output, facts)
    if reason is not None and reason.code != "test.failed":
        return reason
    return lines or cap_text(package_output.strip(), 1000)


def judge_tests(
    expected: list[ExpectedTest], report: RunReport, facts: RunFacts, output_chars: int
) -> tuple[TestResult, ...]:
    """Give every expected test a status; a test without a pass event never passes."""
    abort = explain_abort(report, facts) or Reason("test.not_run")
    return tuple(
        _judge_one(t, report.outcomes.get(t.name), facts, abort, output_chars) for t in expected
    )


def _judge_one(
    test: ExpectedTest, outcome: TestOutcome | None, facts: RunFacts, abort: Reason, limit: int
) -> TestResult:
    if outcome is None:
        return TestResult(test.name, "fail", None, None, test.test_code, test.hidden, abort)
    output = clean_output(outcome.output)
    shown = cap_text(output, limit) or None
    if outcome.action == "pass":
        return TestResult(test.name, "pass", None, shown, test.test_code, test.hidden)
    reason: Reason | None
    lines: str | None = None
    if outcome.action == "skip":
        reason = Reason("test.skipped")
    elif outcome.action is None and (facts.timed_out or facts.output_truncated):
        reason = abort
    else:
        reason, lines = explain_failure(output, facts)
    return TestResult(test.name, "fail", lines, shown, test.test_code, test.hidden, reason)


def judge_benchmarks(
    limits: tuple[AllocLimit, ...], measured: Mapping[str, int], *, tests_passed: bool
) -> tuple[BenchmarkResult, ...]:
    """Compare measured allocs/op with each benchmark's limit (a count, never a time).

    `measured` comes from the grader's authenticated verdict line, never from printed output;
    -1 means the benchmark failed.
    """
    results: list[BenchmarkResult] = []
    for limit in limits:
        allocs = measured.get(limit.benchmark) if tests_passed else None
        if allocs is not None and allocs < 0:
            allocs = None
        reason: Reason | None = None
        if allocs is None and not tests_passed:
            reason = Reason("bench.not_run")
        elif allocs is None:
            reason = Reason("bench.crashed")
        elif allocs > limit.max_allocs_per_op:
            reason = Reason("bench.allocs", allocs=allocs, max=limit.max_allocs_per_op)
        status: Status = "pass" if reason is None else "fail"
        results.append(BenchmarkResult(limit.benchmark, status, allocs, limit.max_allocs_per_op,
                                       reason=reason))  # fmt: skip
    return tuple(results)
