"""Hostile submissions end with a clear result, leave nothing behind, and harm nothing."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gocoach.practice.grading.exercises import Exercise
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.results import GradeResult, result_to_json
from gocoach.practice.grading.runner import GradingSettings, find_go_root, grade_submission
from gocoach.practice.grading.sandbox import Limits, list_processes_of, sandbox_available
from grading_probe import write_probe_exercise


def timed_out(reason: Reason | None, seconds: float) -> bool:
    """The test was stopped at the exercise's time limit (`seconds`)."""
    return reason is not None and reason.code == "test.timeout" \
        and float(reason.params["seconds"]) == seconds


Grade = Callable[..., GradeResult]

# One slot uid per xdist worker: strays are found (and killed) by uid.
RUN_UID = 64100 + 2 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
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
"""

GOOD = """package probe

func Probe() (string, error) { return "ok", nil }
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Exercise:
    return write_probe_exercise(
        tmp_path_factory.mktemp("exercises") / "sandbox-probe",
        toml='title = "probe"\nlevel = "middle"\npractises = ["x"]\ntime_limit_seconds = 3\n',
        starter=GOOD, solution=GOOD, tests=PROBE_TEST,
    )


@pytest.fixture(scope="module")
def settings() -> GradingSettings:
    limits = Limits(memory_bytes=256 * 1024 * 1024, output_bytes=1024 * 1024, max_processes=64)
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
    after = run(GOOD)
    assert after.status == "pass", result_to_json(after)
    assert not list((tmp_path / "jobs").iterdir()), "job directories must be removed after grading"


def probe_source(imports: str, body: str) -> str:
    return (
        f"package probe\n\nimport (\n{imports}\n)\n\nfunc Probe() (string, error) {{\n{body}\n}}\n"
    )


def test_infinite_loop_is_stopped_by_the_time_limit(grade: Grade) -> None:
    started = time.monotonic()
    result = grade(probe_source('\t"os"', '\tfor os.Getpid() > 0 {\n\t}\n\treturn "ok", nil'))
    assert time.monotonic() - started < 15
    assert result.status == "fail"
    assert timed_out(result.tests[0].reason, 3)


def test_shell_fork_bomb_hits_the_process_limit(grade: Grade) -> None:
    body = '\tout, err := exec.Command("sh", "-c", "f() { f | f & }; f; sleep 1").CombinedOutput()'
    body += "\n\treturn string(out), err"
    result = grade(probe_source('\t"os/exec"', body))
    assert result.status == "fail"
    reason = result.tests[0].reason
    assert timed_out(reason, 3) or (reason is not None and reason.code == "test.processes")


def test_go_fork_bomb_spawning_itself_is_contained(grade: Grade) -> None:
    body = '\tfor {\n\t\tcmd := exec.Command(os.Args[0], "-test.run=TestProbe")\n'
    body += '\t\tif err := cmd.Start(); err != nil {\n\t\t\treturn "", err\n\t\t}\n\t}'
    result = grade(probe_source('\t"os"\n\t"os/exec"', body))
    assert result.status == "fail"
    message, reason = result.tests[0].message or "", result.tests[0].reason
    assert (
        (reason is not None and reason.code in {"test.processes", "test.timeout"})
        or "resource temporarily unavailable" in message
    )


def test_huge_allocation_reports_the_memory_limit(grade: Grade) -> None:
    body = "\tb := make([]byte, 4<<30)\n\tfor i := range b {\n\t\tb[i] = 1\n\t}\n"
    body += "\treturn fmt.Sprint(len(b)), nil"
    result = grade(probe_source('\t"fmt"', body))
    assert result.status == "fail"
    reason = result.tests[0].reason
    assert reason is not None and reason.code in {"test.memory", "test.memory_killed"}


def test_network_is_unreachable_even_to_a_host_loopback_server(grade: Grade) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[object] = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    body = f'\tc, err := net.DialTimeout("tcp", "127.0.0.1:{port}", time.Second)\n'
    body += '\tif err != nil {\n\t\treturn "", err\n\t}\n\tc.Close()\n'
    body += '\t_, err = net.DialTimeout("tcp", "1.1.1.1:80", time.Second)\n\treturn "ok", err'
    result = grade(probe_source('\t"net"\n\t"time"', body))
    server.close()
    assert result.status == "fail"
    assert "connection refused" in (result.tests[0].message or "")
    assert accepted == []


def test_app_database_shadow_and_home_are_invisible(grade: Grade, tmp_path: Path) -> None:
    database = tmp_path / "gocoach.db"
    database.write_text("SECRET-PASSWORD-HASH")
    body = "\tvar found []string\n"
    body += f'\tfor _, p := range []string{{"{database}", "/etc/shadow", "/root"}} {{\n'
    body += "\t\tif _, err := os.Stat(p); err == nil {\n\t\t\tfound = append(found, p)\n\t\t}\n"
    body += f'\t}}\n\tdata, _ := os.ReadFile("{database}")\n'
    body += '\treturn strings.Join(found, ",") + string(data), nil'
    result = grade(probe_source('\t"os"\n\t"strings"', body))
    assert result.status == "fail"
    assert 'Probe() = ""' in (result.tests[0].message or "")
    assert "SECRET" not in str(result_to_json(result))


def test_writes_outside_the_work_directory_fail(grade: Grade, tmp_path: Path) -> None:
    targets = [tmp_path / "escaped.txt", find_go_root() / "pwned.txt", Path("/usr/pwned.txt")]
    body = "\tvar written []string\n"
    body += "\tfor _, p := range []string{" + ", ".join(f'"{t}"' for t in targets) + "} {\n"
    body += '\t\tif os.WriteFile(p, []byte("x"), 0o644) == nil {\n'
    body += "\t\t\twritten = append(written, p)\n\t\t}\n\t}\n"
    body += '\tif len(written) > 0 {\n\t\treturn "", fmt.Errorf("wrote %v", written)\n\t}\n'
    body += '\treturn "ok", os.WriteFile("inside.txt", []byte("x"), 0o644)'
    result = grade(probe_source('\t"fmt"\n\t"os"', body))
    assert result.status == "pass", result_to_json(result)
    assert not any(t.exists() for t in targets)


def test_gigabyte_of_output_is_cut_off(grade: Grade) -> None:
    body = '\tline := []byte(strings.Repeat("x", 1023) + "\\n")\n'
    body += '\tfor i := 0; i < 1<<20; i++ {\n\t\tos.Stdout.Write(line)\n\t}\n\treturn "ok", nil'
    started = time.monotonic()
    result = grade(probe_source('\t"os"\n\t"strings"', body))
    assert time.monotonic() - started < 15
    assert result.status == "fail"
    reason = result.tests[0].reason
    assert reason is not None and (reason.code, dict(reason.params)) == ("run.output_limit",
                                                                         {"mib": 1.0})


def test_background_process_does_not_outlive_grading(grade: Grade) -> None:
    body = '\tcmd := exec.Command("sleep", "987.654")\n'
    body += "\tcmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}\n"
    body += '\treturn "ok", cmd.Start()'
    result = grade(probe_source('\t"os/exec"\n\t"syscall"', body))
    assert result.status == "pass", result_to_json(result)
    time.sleep(0.2)
    leftovers = [p for p in Path("/proc").glob("[0-9]*/cmdline") if b"987.654" in _read(p)]
    assert leftovers == []


def test_panicking_init_is_reported_as_such(grade: Grade) -> None:
    result = grade(GOOD + '\nfunc init() { panic("boom in init") }\n')
    assert result.status == "fail"
    assert all(t.status == "fail" for t in result.tests)
    reason = result.tests[0].reason
    assert reason is not None and reason.code == "run.init_panic"


def test_panic_trace_points_at_the_learners_line(grade: Grade) -> None:
    # The test binary is linked without DWARF (as `go test` does); traces must still say where.
    source = "package probe\n\nfunc Probe() (string, error) {\n\tvar m map[string]int\n"
    source += '\tm["x"] = 1\n\treturn "ok", nil\n}\n'
    result = grade(source)
    assert result.status == "fail"
    probe_test = result.tests[0]
    assert probe_test.status == "fail"
    assert "assignment to entry in nil map" in (probe_test.output or "")
    assert "probe.go:5" in (probe_test.output or "")


RACY = """package probe

func Probe() (string, error) {
	n := 0
	done := make(chan bool)
	for i := 0; i < 2; i++ {
		go func() { n++; done <- true }()
	}
	<-done
	<-done
	return "ok", nil
}
"""


def test_race_report_points_at_the_learners_line(
    probe: Exercise, settings: GradingSettings, tmp_path: Path
) -> None:
    racy = replace(probe, race=True)
    result = grade_submission(
        exercise=racy, files={"probe.go": RACY}, settings=settings, work_root=tmp_path
    )
    assert result.status == "fail"
    probe_test = result.tests[0]
    assert probe_test.reason is not None and probe_test.reason.code == "test.race"
    assert "WARNING: DATA RACE" in (probe_test.output or "")
    assert "probe.go:7" in (probe_test.output or "")


def test_tests_sent_with_the_submission_do_not_count(grade: Grade) -> None:
    wrong = 'package probe\n\nfunc Probe() (string, error) { return "wrong", nil }\n'
    fake = 'package probe\n\nimport "testing"\n\nfunc TestProbe(t *testing.T) {}\n'
    fake += "func TestAfterProbe(t *testing.T) {}\n"
    result = grade(wrong, {"probe_test.go": fake})
    assert result.status == "fail"
    assert result.tests[0].name == "TestProbe" and result.tests[0].status == "fail"
    assert Reason("submission.ignored", names="probe_test.go") in result.reasons


def test_compile_error_names_the_learners_file(grade: Grade) -> None:
    result = grade("package probe\n\nfunc Probe() (string, error) { return 1, nil }\n")
    assert result.status == "error" and result.stage == "build"
    assert (result.message or "").splitlines()[0].startswith("probe.go:3:")  # the compiler's
    assert "/box" not in (result.message or "") and "/tmp" not in (result.message or "")


def test_vet_findings_stop_grading_with_a_vet_message(grade: Grade) -> None:
    source = 'package probe\n\nimport "fmt"\n\nfunc Probe() (string, error) {\n'
    source += '\treturn fmt.Sprintf("%d", "x"), nil\n}\n'
    result = grade(source)
    assert result.status == "error"
    assert result.stage == "vet" and "probe.go:6:" in (result.message or "")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
