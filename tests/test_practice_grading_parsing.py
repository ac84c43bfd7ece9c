"""Fast unit tests: test2json parsing, build-output mapping, verdicts, submissions, results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gocoach.practice.grading.build_errors import error_locations, is_vet_failure, map_build_output
from gocoach.practice.grading.exercises import AllocLimit, extract_function, list_test_functions
from gocoach.practice.grading.gotest_json import parse_benchmark_allocs, parse_events, summarize_run
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.results import GradeResult, TestResult, result_to_json
from gocoach.practice.grading.submission import SubmissionRejected, accept_submission
from gocoach.practice.grading.verdicts import (
    ExpectedTest,
    RunFacts,
    cap_text,
    judge_benchmarks,
    judge_tests,
)

FACTS = RunFacts(
    timed_out=False,
    output_truncated=False,
    time_limit_seconds=10,
    memory_mib=512,
    output_limit_mib=4,
)


def event(action: str, test: str | None = None, output: str | None = None) -> str:
    raw: dict[str, object] = {"Action": action, "Package": "p"}
    if test is not None:
        raw["Test"] = test
    if output is not None:
        raw["Output"] = output
    return json.dumps(raw) + "\n"


STREAM = [
    event("start"),
    event("run", "TestA"),
    event("output", "TestA", "=== RUN   TestA\n"),
    event("output", "TestA", "--- PASS: TestA (0.00s)\n"),
    event("pass", "TestA"),
    event("run", "TestB"),
    event("run", "TestB/case"),
    event("output", "TestB/case", "    b_test.go:9: got 1, want 2\n"),
    event("output", "TestB/case", "--- FAIL: TestB/case (0.00s)\n"),
    event("fail", "TestB/case"),
    event("output", "TestB", "--- FAIL: TestB (0.00s)\n"),
    event("fail", "TestB"),
    "not json at all\n",
    event("output", None, "FAIL\n"),
    event("fail"),
]


def expected(*names: str, hidden: bool = False) -> list[ExpectedTest]:
    return [ExpectedTest(name, f"func {name}(t *testing.T) {{}}", hidden) for name in names]


def test_subtest_output_and_failure_go_to_the_parent() -> None:
    report = summarize_run(parse_events(STREAM))
    assert report.outcomes["TestA"].action == "pass"
    assert report.outcomes["TestB"].action == "fail"
    assert "got 1, want 2" in "".join(report.outcomes["TestB"].output)
    assert "not json at all" in report.package_output


def test_judged_failure_message_quotes_the_assertion() -> None:
    report = summarize_run(parse_events(STREAM))
    tests = judge_tests(expected("TestA", "TestB"), report, FACTS, 2000)
    assert [t.status for t in tests] == ["pass", "fail"]
    assert tests[1].message == "b_test.go:9: got 1, want 2"
    assert "=== RUN" not in (tests[1].output or "")
    assert "--- FAIL: TestB/case" in (tests[1].output or "")


def test_a_test_without_a_pass_event_never_passes() -> None:
    report = summarize_run(parse_events(STREAM))
    tests = judge_tests(expected("TestA", "TestMissing"), report, FACTS, 2000)
    assert tests[1].status == "fail"
    assert tests[1].reason is not None and tests[1].reason.code == "test.not_run"


def test_extra_tests_in_the_stream_are_ignored() -> None:
    report = summarize_run(parse_events(STREAM))
    tests = judge_tests(expected("TestA"), report, FACTS, 2000)
    assert [t.name for t in tests] == ["TestA"]


@pytest.mark.parametrize(
    ("output", "code", "params"),
    [
        ("panic: test timed out after 10s\n", "test.timeout", {"seconds": 10.0}),
        ("fatal error: runtime: out of memory\n", "test.memory", {"mib": 512}),
        ("runtime: failed to create new OS thread\n", "test.processes", {}),
        ("testing.go:1490: race detected during execution of test\n", "test.race", {}),
        ("panic: runtime error: index out of range [3] with length 3\n", "test.panic",
         {"panic": "runtime error: index out of range [3] with length 3"}),
    ],
)
def test_failure_causes_are_explained(output: str, code: str, params: dict[str, object]) -> None:
    stream = [event("run", "TestX"), event("output", "TestX", output), event("fail", "TestX")]
    tests = judge_tests(expected("TestX"), summarize_run(parse_events(stream)), FACTS, 2000)
    reason = tests[0].reason
    assert reason is not None and (reason.code, dict(reason.params)) == (code, params)
    assert tests[0].message is None  # the sentence is the reason's; no tool lines to add


def test_init_panic_explains_why_nothing_ran() -> None:
    stream = [event("start"), event("output", None, "panic: boom in init\n"), event("fail")]
    tests = judge_tests(expected("TestX"), summarize_run(parse_events(stream)), FACTS, 2000)
    reason = tests[0].reason
    assert reason is not None and reason.code == "run.init_panic"
    assert reason.params["cause"] == Reason("test.panic", panic="boom in init")


def test_output_cap_and_timeout_are_reported_for_unfinished_tests() -> None:
    stream = [event("run", "TestX"), event("output", "TestX", "x" * 50)]
    report = summarize_run(parse_events(stream))
    capped = judge_tests(expected("TestX"), report, FACTS.__class__(**{**FACTS.__dict__,
                         "output_truncated": True}), 10)  # fmt: skip
    reason = capped[0].reason
    assert reason is not None and (reason.code, dict(reason.params)) == ("run.output_limit",
                                                                         {"mib": 4.0})
    assert capped[0].output == "x" * 10 + "\n…"  # cut to 10 characters, saying so


def test_benchmark_allocs_are_parsed_and_judged() -> None:
    output = (
        "BenchmarkEncode-2   \t     500\t       221.6 ns/op\t      64 B/op\t       2 allocs/op\n"
        "BenchmarkOther   \t     500\t       1.0 ns/op\t       0 B/op\t       0 allocs/op\n"
    )
    assert parse_benchmark_allocs(output) == {"BenchmarkEncode": 2, "BenchmarkOther": 0}
    limits = (AllocLimit("BenchmarkEncode", 1), AllocLimit("BenchmarkOther", 0))
    encode, other = judge_benchmarks(limits, parse_benchmark_allocs(output), tests_passed=True)
    assert (encode.status, encode.allocs_per_op) == ("fail", 2)
    assert encode.reason == Reason("bench.allocs", allocs=2, max=1)
    assert encode.reason is not None and encode.reason.code == "bench.allocs"
    assert other.status == "pass" and other.reason is None
    (missing,) = judge_benchmarks((AllocLimit("BenchmarkGone", 0),), {}, tests_passed=False)
    assert missing.status == "fail" and missing.reason is not None
    assert missing.reason.code == "bench.not_run"


def test_build_output_names_the_learners_files_only() -> None:
    raw = (
        "# pool [pool.test]\n./pool.go:12:5: undefined: wg\n/box/helper.go:3:1: syntax error\n"
        "/var/lib/gocoach/jobs/pool-1/extra.go:1:1: expected 'package'\nFAIL\tpool [build failed]\n"
    )
    mapped = map_build_output(raw, ["/box", "/var/lib/gocoach/jobs/pool-1"])
    assert mapped.splitlines() == [
        "pool.go:12:5: undefined: wg",
        "helper.go:3:1: syntax error",
        "extra.go:1:1: expected 'package'",
    ]
    assert error_locations(mapped) == [("pool.go", 12), ("helper.go", 3), ("extra.go", 1)]
    assert not is_vet_failure(raw)
    assert is_vet_failure("# pool\n# [pool]\n./pool.go:3:1: fmt.Sprintf format %d has arg\n")


def test_submission_keeps_only_solution_go_files() -> None:
    accepted = accept_submission(
        {"pool.go": "package p\n", "pool_test.go": "package p\n", "go.mod": "module x\n"}
    )
    assert accepted.files == {"pool.go": "package p\n"}
    assert accepted.ignored == ("go.mod", "pool_test.go")


@pytest.mark.parametrize(
    ("name", "content", "code", "params"),
    [
        ("../evil.go", "package p", "submission.path", {"name": "../evil.go"}),
        ("dir/evil.go", "package p", "submission.path", {"name": "dir/evil.go"}),
        ("_hidden.go", "package p", "submission.bad_name", {"name": "_hidden.go"}),
        ("cgo.go", 'package p\n\nimport "C"\n', "submission.cgo", {"name": "cgo.go"}),
        ("big.go", "x" * 300_000, "submission.too_large", {"name": "big.go", "kib": 256}),
    ],
)
def test_submission_rejections_explain_themselves(
    name: str, content: str, code: str, params: dict[str, object]
) -> None:
    with pytest.raises(SubmissionRejected) as refused:
        accept_submission({name: content})
    assert (refused.value.reason.code, dict(refused.value.reason.params)) == (code, params)


def test_submission_with_only_tests_is_rejected() -> None:
    with pytest.raises(SubmissionRejected, match=r"no \.go file") as refused:
        accept_submission({"a_test.go": "package p"})
    assert refused.value.reason.code == "submission.no_go_files"


def test_test_functions_and_their_source_are_found() -> None:
    source = (
        'package p\n\nimport "testing"\n\nfunc helper() {}\n\n'
        "func TestOne(t *testing.T) {\n\tif 1 != 1 {\n\t\tt.Fatal()\n\t}\n}\n\n"
        "func TestMain(m *testing.M) {}\n\nfunc BenchmarkX(b *testing.B) {}\n"
    )
    assert list_test_functions({"p_test.go": source}) == [("TestOne", "p_test.go")]
    assert extract_function(source, "TestOne") == (
        "func TestOne(t *testing.T) {\n\tif 1 != 1 {\n\t\tt.Fatal()\n\t}\n}"
    )
    assert extract_function(source, "TestAbsent") == ""


def test_result_json_has_the_exercism_v3_shape(tmp_path: Path) -> None:
    result = GradeResult(
        "fail",
        None,
        (TestResult("TestX", "fail", "boom", "out", "func TestX() {}",
                    reason=Reason("test.timeout", seconds=10.0)),),
        duration_seconds=0.12345,
        reasons=(Reason("run.failed_count", failed=1, total=1),),
    )
    doc = result_to_json(result)
    assert doc["version"] == 3 and doc["status"] == "fail"
    assert doc["tests"][0] == {
        "name": "TestX",
        "status": "fail",
        "message": "boom",
        "reason": {"code": "test.timeout", "params": {"seconds": 10.0}},
        "output": "out",
        "test_code": "func TestX() {}",
        "hidden": False,
    }
    assert doc["message"] is None  # the grader's sentences are codes, in no language
    assert doc["reasons"] == [{"code": "run.failed_count", "params": {"failed": 1, "total": 1}}]
    assert doc["duration_seconds"] == 0.123
    (tmp_path / "results.json").write_text(json.dumps(doc, ensure_ascii=False))


def test_cap_text_leaves_short_text_alone() -> None:
    assert cap_text("short", 10) == "short"
