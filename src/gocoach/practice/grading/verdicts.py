"""Turning a test run (events + how the process ended) into per-test results."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gocoach.practice.grading.exercises import AllocLimit
from gocoach.practice.grading.gotest_json import RunReport, TestOutcome
from gocoach.practice.grading.harness import is_verdict_line
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


def cap_text(text: str, limit: int) -> str:
    """Cut text to `limit` characters, saying so."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [вывод обрезан до {limit} символов]"


def clean_output(lines: list[str]) -> str:
    """Drop test2json framing lines (=== RUN, top-level --- PASS) from a test's output."""
    text = "".join(lines)
    return "\n".join(
        line for line in text.splitlines() if not _FRAME.match(line) and not is_verdict_line(line)
    ).strip()


def explain_failure(output: str, facts: RunFacts) -> str:
    """Return a one-paragraph reason for a failed test, in the learner's terms."""
    if facts.oom_killed:
        return f"Превышен лимит памяти ({facts.memory_mib} МБ на всю песочницу): процесс убит."
    if "test timed out after" in output:
        return (
            f"Тест не уложился в {facts.time_limit_seconds:g} с: бесконечный цикл, дедлок "
            "или горутина, которая никогда не завершается?"
        )
    if "out of memory" in output:
        return f"Превышен лимит памяти ({facts.memory_mib} МБ): решение выделяет слишком много."
    if facts.pids_exhausted or any(sign in output for sign in _PROCESS_LIMIT_SIGNS):
        return "Превышен лимит процессов/потоков: решение порождает слишком много процессов."
    if "race detected during execution of test" in output or "WARNING: DATA RACE" in output:
        return (
            "Обнаружена гонка данных (data race): защитите общее состояние мьютексом или каналом."
        )
    panic = _PANIC.search(output)
    if panic:
        return f"Паника: {panic[1]}"
    assertions = [line.strip() for line in output.splitlines() if _ASSERTION.match(line)]
    return cap_text("\n".join(assertions), 1000) if assertions else "Тест не прошёл."


def explain_abort(report: RunReport, facts: RunFacts) -> str | None:
    """Say why the test process stopped early, or None when it ran to completion."""
    if facts.output_truncated:
        return (
            f"Проверка прервана: решение напечатало больше {facts.output_limit_mib:g} МБ. "
            "Уберите лишний вывод."
        )
    if facts.oom_killed:
        return explain_failure("", facts)
    if facts.timed_out:
        return (
            f"Проверка прервана: тесты не уложились в {facts.time_limit_seconds:g} с "
            "и процесс был остановлен."
        )
    if not report.outcomes and _PANIC.search(report.package_output):
        return "Тесты не запустились: паника при инициализации пакета (init или var). " + (
            explain_failure(report.package_output, facts)
        )
    if not report.outcomes and report.package_output.strip():
        reason = explain_failure(report.package_output, facts)
        if reason == "Тест не прошёл.":
            reason = cap_text(report.package_output.strip(), 1000)
        return "Тесты не запустились: " + reason
    return None


def judge_tests(
    expected: list[ExpectedTest], report: RunReport, facts: RunFacts, output_chars: int
) -> tuple[TestResult, ...]:
    """Give every expected test a status; a test without a pass event never passes."""
    abort = (
        explain_abort(report, facts) or "Тест не запускался: выполнение тестов прервалось раньше."
    )
    return tuple(
        _judge_one(t, report.outcomes.get(t.name), facts, abort, output_chars) for t in expected
    )


def _judge_one(
    test: ExpectedTest, outcome: TestOutcome | None, facts: RunFacts, abort: str, limit: int
) -> TestResult:
    if outcome is None:
        return TestResult(test.name, "fail", abort, None, test.test_code, test.hidden)
    output = clean_output(outcome.output)
    shown = cap_text(output, limit) or None
    if outcome.action == "pass":
        return TestResult(test.name, "pass", None, shown, test.test_code, test.hidden)
    if outcome.action == "skip":
        message = "Тест пропущен (t.Skip): решение должно проходить все тесты."
    elif outcome.action is None:
        message = (
            abort if (facts.timed_out or facts.output_truncated) else explain_failure(output, facts)
        )
    else:
        message = explain_failure(output, facts)
    return TestResult(test.name, "fail", message, shown, test.test_code, test.hidden)


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
        if allocs is None and not tests_passed:
            message: str | None = "Бенчмарк не запускался: сначала должны пройти все тесты."
        elif allocs is None:
            message = "Бенчмарк не запустился или упал."
        elif allocs > limit.max_allocs_per_op:
            message = (
                f"{allocs} аллокаций на операцию, а допустимо не больше {limit.max_allocs_per_op}."
            )
        else:
            message = None
        status: Status = "pass" if message is None else "fail"
        results.append(
            BenchmarkResult(limit.benchmark, status, allocs, limit.max_allocs_per_op, message)
        )
    return tuple(results)
