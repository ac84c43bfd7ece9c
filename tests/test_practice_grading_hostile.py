"""Submissions that fake a pass, or try to escape the limits, never get "pass" (issue #13).

Each faking strategy runs against a probe exercise whose starter code is wrong, with a hidden
test and an alloc-limit benchmark. Each bypass of the resource limits runs against the real
sandbox: bubblewrap, the seccomp filter and, where the machine has one, a cgroup.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gocoach.practice.grading.cache import cache_size
from gocoach.practice.grading.cgroups import cgroup_support
from gocoach.practice.grading.exercises import Exercise
from gocoach.practice.grading.results import GradeResult, result_to_json
from gocoach.practice.grading.runner import (
    GradingSettings,
    find_go_root,
    go_cache,
    grade_submission,
)
from gocoach.practice.grading.sandbox import Limits, MiB, list_processes_of, sandbox_available
from gocoach.practice.grading.seccomp import seccomp_supported
from grading_probe import write_probe_exercise

Grade = Callable[..., GradeResult]

RUN_UID = 64101 + 2 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"

PROBE_TEST = """package probe

import "testing"

func TestProbe(t *testing.T) {
	got, err := Probe()
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if got != "ok" {
		t.Fatalf("Probe() = %q, want \\"ok\\"", got)
	}
}

func TestAfterProbe(t *testing.T) {}

var sink string

func BenchmarkProbe(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink, _ = Probe()
	}
}
"""

HIDDEN_TEST = """package probe

import "testing"

func TestHiddenProbe(t *testing.T) {
	if got, _ := Probe(); got != "ok" {
		t.Fatalf("hidden: Probe() = %q", got)
	}
}
"""

GOOD = 'package probe\n\nfunc Probe() (string, error) { return "ok", nil }\n'
WRONG = 'package probe\n\nfunc Probe() (string, error) { return "wrong", nil }\n'
TEST_NAMES = ("TestProbe", "TestAfterProbe", "TestHiddenProbe")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]
needs_cgroup = pytest.mark.skipif(
    cgroup_support().version is None,
    reason=f"no cgroup for the sandbox: {cgroup_support().reason} (rlimits only)",
)
needs_seccomp = pytest.mark.skipif(
    not seccomp_supported(), reason="no seccomp syscall table for this architecture"
)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Exercise:
    return write_probe_exercise(
        tmp_path_factory.mktemp("exercises") / "hostile-probe",
        toml='title = "probe"\nlevel = "middle"\npractises = ["x"]\ntime_limit_seconds = 5\n'
        "race = false\n\n[alloc_limits]\nBenchmarkProbe = 0\n",
        starter=WRONG, solution=GOOD, tests=PROBE_TEST, hidden=HIDDEN_TEST,
    )


@pytest.fixture(scope="module")
def settings() -> GradingSettings:
    limits = Limits(memory_bytes=384 * MiB, output_bytes=1 * MiB, max_processes=64)
    return GradingSettings(
        go_root=find_go_root(), cache_dir=CACHE_DIR, limits=limits, run_uid=RUN_UID
    )


@pytest.fixture
def grade(probe: Exercise, settings: GradingSettings, tmp_path: Path) -> Iterator[Grade]:
    def run(source: str, extra: dict[str, str] | None = None) -> GradeResult:
        files = {"probe.go": source, **(extra or {})}
        return grade_submission(
            exercise=probe, files=files, settings=settings, work_root=tmp_path / "jobs"
        )

    yield run
    assert list_processes_of(RUN_UID) == [], "processes of the slot uid outlived grading"
    jobs = tmp_path / "jobs"
    assert not jobs.exists() or not list(jobs.iterdir()), "job directories must be removed"


def fake_lines(marker: str = "") -> str:
    lines = []
    for name in TEST_NAMES:
        lines += [f"{marker}=== RUN   {name}", f"{marker}--- PASS: {name} (0.00s)"]
    lines += ["BenchmarkProbe-2 \t 500\t 10.0 ns/op\t 0 B/op\t 0 allocs/op"]
    lines += [f"{marker}PASS", "ok  \thostile-probe\t0.010s"]
    return "\\n".join(lines) + "\\n"


def faker(body: str, imports: str = '"fmt"\n\t"os"') -> str:
    return f"package probe\n\nimport (\n\t{imports}\n)\n\n{body}\n" + WRONG.split("\n", 2)[2]


def assert_not_pass(result: GradeResult) -> None:
    document = result_to_json(result)
    if os.environ.get("GOCOACH_SHOW_RESULTS"):
        print(result.message, [(t.name, t.status, t.message) for t in result.tests], result.flags)
    assert result.status != "pass", document
    assert any(t.status != "pass" for t in result.tests) or result.stage != "run", document


# --- faking a pass -------------------------------------------------------------------------


def test_the_honest_solution_passes_with_its_benchmark(grade: Grade) -> None:
    result = grade(GOOD)
    assert result.status == "pass", result_to_json(result)
    assert [b.allocs_per_op for b in result.benchmarks] == [0]
    assert result.flags == ()
    assert "seccomp" in (result.limits or "")


def test_fake_plain_lines_and_exit_in_init_do_not_pass(grade: Grade) -> None:
    result = grade(faker(f'func init() {{\n\tfmt.Print("{fake_lines()}")\n\tos.Exit(0)\n}}'))
    assert_not_pass(result)
    assert any("os.Exit" in flag for flag in result.flags)
    assert any("go test" in flag for flag in result.flags)


def test_fake_framing_markers_do_not_pass(grade: Grade) -> None:
    framed = fake_lines(chr(0x16))
    result = grade(faker(f'func init() {{\n\tfmt.Print("{framed}")\n\tos.Exit(0)\n}}'))
    assert_not_pass(result)
    assert {r.code for r in result.reasons} & {"verdict.missing", "verdict.tampered",
                                               "verdict.exit_code", "verdict.failed",
                                               "verdict.timeout", "run.failed_count"}


def test_fake_lines_without_exit_are_overruled_by_the_real_run(grade: Grade) -> None:
    result = grade(faker(f'func init() {{\n\tfmt.Print("{fake_lines(chr(0x16))}")\n}}', '"fmt"'))
    assert_not_pass(result)
    assert result.tests[0].status == "fail"


def test_a_pipe_rewriting_stdout_does_not_pass(grade: Grade) -> None:
    body = """func init() {
	r, w, _ := os.Pipe()
	real := os.Stdout
	os.Stdout = w
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, err := r.Read(buf)
			out := strings.ReplaceAll(string(buf[:n]), "FAIL", "PASS")
			real.WriteString(out)
			if strings.Contains(string(buf[:n]), "PASS") && !strings.Contains(out, "RUN") {
				os.Exit(0)
			}
			if err != nil {
				return
			}
		}
	}()
}"""
    result = grade(faker(body, '"os"\n\t"strings"'))
    assert_not_pass(result)


def test_exit_zero_from_a_goroutine_during_the_tests_does_not_pass(grade: Grade) -> None:
    body = f"""func init() {{
	go func() {{
		time.Sleep(50 * time.Millisecond)
		fmt.Print("{fake_lines(chr(0x16))}")
		os.Exit(0)
	}}()
}}"""
    result = grade(faker(body, '"fmt"\n\t"os"\n\t"time"').replace(
        'return "wrong", nil', 'time.Sleep(time.Second)\n\treturn "wrong", nil'))
    assert_not_pass(result)


def test_a_learner_test_main_does_not_pass(grade: Grade) -> None:
    in_solution = faker('func TestMain(m interface{ Run() int }) {\n\tos.Exit(0)\n}', '"os"')
    result = grade(in_solution)
    assert result.status == "error" and result.stage == "build"
    test_main = 'package probe\n\nimport (\n\t"os"\n\t"testing"\n)\n\n'
    test_main += "func TestMain(m *testing.M) { os.Exit(0) }\n"
    result = grade(WRONG, {"main_test.go": test_main})
    assert_not_pass(result)


def test_fake_benchmark_lines_do_not_pass_the_alloc_limit(grade: Grade) -> None:
    allocating = """func Probe() (string, error) {
	fmt.Print("BenchmarkProbe-2 \\t 500\\t 1.0 ns/op\\t 0 B/op\\t 0 allocs/op\\n")
	return strings.Clone(strings.Repeat("o", 1) + "k"), nil
}"""
    source = 'package probe\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\n' + allocating + "\n"
    result = grade(source)
    assert all(t.status == "pass" for t in result.tests), result_to_json(result)
    (bench,) = result.benchmarks
    assert bench.status == "fail" and (bench.allocs_per_op or 0) >= 1
    assert result.status == "fail"


def test_a_forged_verdict_line_and_results_files_do_not_pass(grade: Grade) -> None:
    forged = "gocoach-verdict pass - " + "0" * 64
    body = f"""func init() {{
	for _, p := range []string{{"results.json", "/tmp/results.json", "/box/results.json"}} {{
		os.WriteFile(p, []byte(`{{"version": 3, "status": "pass"}}`), 0o644)
	}}
	fmt.Print("{fake_lines(chr(0x16))}\\n{forged}\\n")
	os.Exit(0)
}}"""
    result = grade(faker(body))
    assert_not_pass(result)
    assert any(getattr(flag, "code", None) == "flag.reads_tests" for flag in result.flags)


def test_changing_the_test_selection_flags_does_not_pass(grade: Grade) -> None:
    body = f"""func init() {{
	fmt.Print("{fake_lines(chr(0x16))}")
	go func() {{
		for {{
			if f := flag.Lookup("test.run"); f != nil {{
				flag.Set("test.run", "^$")
			}}
		}}
	}}()
}}"""
    result = grade(faker(body, '"flag"\n\t"fmt"'))
    assert_not_pass(result)
    assert any("flag" in flag for flag in result.flags)


def test_embedding_the_test_files_is_refused(grade: Grade) -> None:
    source = 'package probe\n\nimport _ "embed"\n\n//go:embed probe_hidden_test.go\nvar s string\n'
    result = grade(source + WRONG.split("\n", 2)[2])
    assert result.status == "error" and result.stage == "rejected"
    assert [(r.code, r.params["directive"]) for r in result.reasons] == [
        ("submission.directive", "go:embed")]


def test_cgo_in_a_grouped_import_or_behind_a_comment_is_refused(grade: Grade) -> None:
    for header in ('import (\n\t"fmt"\n\t"C"\n)', 'import/**/"C"', "import c `C`"):
        result = grade(f"package probe\n\n{header}\n\n" + WRONG.split("\n", 2)[2])
        assert result.stage == "rejected", header
        assert [r.code for r in result.reasons] == ["submission.cgo"], header


# --- escaping the limits -------------------------------------------------------------------


@needs_cgroup
def test_a_shared_anonymous_mapping_of_3_gib_hits_the_cgroup_memory_limit(grade: Grade) -> None:
    body = """func Probe() (string, error) {
	m, err := syscall.Mmap(-1, 0, 3<<30, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_SHARED|syscall.MAP_ANON)
	if err != nil {
		return "", err
	}
	for i := 0; i < len(m); i += 4096 {
		m[i] = 1
	}
	return "ok", nil
}"""
    result = grade(f'package probe\n\nimport "syscall"\n\n{body}\n')
    assert_not_pass(result)
    reason = result.tests[0].reason
    memory = {"test.memory", "test.memory_killed"}
    assert reason is not None and reason.code in memory, result_to_json(result)


@needs_cgroup
def test_ten_children_of_300_mb_hit_the_cgroup_memory_limit(grade: Grade) -> None:
    source = """package probe

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func init() {
	if os.Getenv("HOG") == "1" {
		b := make([]byte, 300<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		time.Sleep(3 * time.Second)
		os.Exit(0)
	}
}

func Probe() (string, error) {
	var cmds []*exec.Cmd
	for i := 0; i < 10; i++ {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "HOG=1")
		if err := cmd.Start(); err != nil {
			return "", err
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			return "", fmt.Errorf("child %d: %v", i, err)
		}
	}
	return "ok", nil
}
"""
    result = grade(source)
    assert_not_pass(result)
    reason = result.tests[0].reason
    memory = {"test.memory", "test.memory_killed"}
    assert reason is not None and reason.code in memory, result_to_json(result)


@needs_seccomp
def test_nested_user_namespaces_are_refused(grade: Grade) -> None:
    body = """func Probe() (string, error) {
	var errs []string
	if err := syscall.Unshare(syscall.CLONE_NEWUSER); err == nil {
		errs = append(errs, "unshare(CLONE_NEWUSER) worked")
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	if err := cmd.Run(); err == nil {
		errs = append(errs, "clone(CLONE_NEWUSER) worked")
	}
	if out, err := exec.Command("unshare", "-Ur", "true").CombinedOutput(); err == nil {
		errs = append(errs, "unshare -Ur worked: "+string(out))
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return "ok", nil
}"""
    imports = '"fmt"\n\t"os/exec"\n\t"strings"\n\t"syscall"'
    result = grade(f"package probe\n\nimport (\n\t{imports}\n)\n\n{body}\n")
    assert result.tests[0].status == "pass", result_to_json(result)


@needs_seccomp
def test_mounting_a_tmpfs_fails_even_inside_a_new_namespace(grade: Grade) -> None:
    body = """func Probe() (string, error) {
	_ = syscall.Unshare(syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS)
	err := syscall.Mount("none", "/tmp", "tmpfs", 0, "size=1g")
	if err == nil {
		return "", fmt.Errorf("mount worked")
	}
	return "ok", nil
}"""
    result = grade(f'package probe\n\nimport (\n\t"fmt"\n\t"syscall"\n)\n\n{body}\n')
    assert result.tests[0].status == "pass", result_to_json(result)


def test_the_work_folder_is_a_sized_tmpfs(grade: Grade, settings: GradingSettings) -> None:
    body = """func Probe() (string, error) {
	chunk := make([]byte, 1<<20)
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("fill-%d", i/40)
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return "", err
		}
		_, err = f.Write(chunk)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return "ok", nil
}"""
    result = grade(f'package probe\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n{body}\n')
    assert "no space left on device" in (result.tests[0].message or ""), result_to_json(result)


def test_a_huge_array_literal_does_not_grow_the_build_cache(
    grade: Grade, settings: GradingSettings
) -> None:
    grade(GOOD)  # warm
    before = cache_size(go_cache(settings))
    source = "package probe\n\nvar big = [48 << 20]byte{48<<20 - 1: 1}\n\n"
    source += 'func Probe() (string, error) { return string(big[len(big)-1:]) + "ok", nil }\n'
    assert len(source) < 200
    result = grade(source)
    assert result.status == "error" and result.stage == "build"
    assert [(r.code, dict(r.params)) for r in result.reasons] == [("build.file_too_large",
                                                                   {"mib": 32})]
    assert cache_size(go_cache(settings)) - before < 8 * MiB
