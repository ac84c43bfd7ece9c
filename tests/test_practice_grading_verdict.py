"""The grader's verdict package: a key only the linker sees, cheap rebuilds, no forged TestMain.

The TestMain and the verdict package are the same files on every run (the key goes in with
`-X` at link time), which lets Go reuse the compiled verdict package and the test main for each
new submission. These tests hold the three promises that design makes: a solution cannot call
TestMain with a fake `testing.M`, cannot import the verdict package, and cannot read the key
from the binary's build info.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from gocoach.practice.grading.exercises import Exercise, load_exercise, read_files
from gocoach.practice.grading.runner import (
    GradingSettings,
    build_command,
    build_env,
    exercise_harness,
    find_go_root,
    grade_submission,
    prepare_job_dir,
)
from gocoach.practice.grading.sandbox import sandbox_available
from gocoach.practice.grading.submission import SubmissionRejected, accept_submission

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
RUN_UID = 64160 + 2 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))

# A `testing.M` whose "tests" carry the exercise's names and always pass, handed to TestMain
# from `init`: the committed grader before this design signed "pass" for it.
FAKE_MAIN = """package retry

import (
	"io"
	"reflect"
	"testing"
	"time"
)

type entry = struct {
	Parent     string
	Path       string
	Data       []byte
	Values     []any
	Generation int
	IsSeed     bool
}

type deps struct{}

func (deps) ImportPath() string                          { return "" }
func (deps) MatchString(pat, str string) (bool, error)   { return true, nil }
func (deps) SetPanicOnExit0(bool)                        {}
func (deps) StartCPUProfile(io.Writer) error             { return nil }
func (deps) StopCPUProfile()                             {}
func (deps) StartTestLog(io.Writer)                      {}
func (deps) StopTestLog() error                          { return nil }
func (deps) WriteProfileTo(string, io.Writer, int) error { return nil }
func (deps) CoordinateFuzzing(time.Duration, int64, time.Duration, int64, int, []entry,
	[]reflect.Type, string, string) error {
	return nil
}
func (deps) RunFuzzWorker(func(entry) error) error                { return nil }
func (deps) ReadCorpus(string, []reflect.Type) ([]entry, error)   { return nil, nil }
func (deps) CheckCorpus([]any, []reflect.Type) error              { return nil }
func (deps) ResetCoverage()                                       {}
func (deps) SnapshotCoverage()                                    {}
func (deps) ModulePath() string                                   { return "" }
func (deps) InitRuntimeCoverage() (string, func(string, string) (string, error), func() float64) {
	return "", nil, nil
}

func init() {
	var tests []testing.InternalTest
	for _, name := range []string{@NAMES@} {
		tests = append(tests, testing.InternalTest{Name: name, F: func(*testing.T) {}})
	}
	TestMain(testing.MainStart(deps{}, tests, nil, nil, nil))
}
"""


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return load_exercise(ROOT / "content" / "exercises" / "retry-backoff")


def settings(**changes: object) -> GradingSettings:
    base = GradingSettings(go_root=find_go_root(), cache_dir=CACHE_DIR, run_uid=RUN_UID)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_solution_may_not_import_the_verdict_package() -> None:
    for header in ('import v "retry-backoff/zzgocoach"', 'import (\n\t_ "x/zzgocoach"\n)'):
        with pytest.raises(SubmissionRejected, match="the grader's package") as refused:
            accept_submission({"retry.go": f"package retry\n\n{header}\n"})
        assert refused.value.reason.code == "submission.verdict_package"
    assert accept_submission({"retry.go": 'package retry\n\nvar s = "zzgocoach"\n'}).files


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_calling_testmain_with_a_fake_testing_m_is_caught(
    exercise: Exercise, tmp_path: Path
) -> None:
    names = ", ".join(f'"{t}"' for t in _test_names(exercise))
    files = {**read_files(exercise, "starter"), "fake.go": FAKE_MAIN.replace("@NAMES@", names)}
    result = grade_submission(exercise=exercise, files=files, settings=settings(),
                              work_root=tmp_path)  # fmt: skip
    assert result.stage == "run", result.message  # it compiled and ran: the guard caught it
    assert result.status == "fail"
    assert result.reasons[0].code == "verdict.tampered"
    assert any("TestMain" in flag for flag in result.flags)


@pytest.mark.slow
def test_the_key_is_not_in_build_info_and_a_new_submission_reuses_the_cached_builds(
    exercise: Exercise, tmp_path: Path
) -> None:
    unsandboxed = settings(isolation="rlimits", run_uid=None)
    graphs, keys = [], []
    for _ in range(3):
        harness = exercise_harness(exercise)
        files = read_files(exercise, "solution")
        files["retry.go"] += f"\n// submission {uuid.uuid4().hex}\n"
        job = prepare_job_dir(exercise, files, tmp_path, harness=harness)
        argv = build_command(exercise, unsandboxed, job, race=False, link_flag=harness.link_flag)
        graph = job / "actions.json"
        argv.insert(argv.index("-c"), f"-debug-actiongraph={graph}")
        subprocess.run(argv, cwd=job, env=build_env(unsandboxed, cgo=False), check=True,
                       capture_output=True, timeout=300)  # fmt: skip
        info = subprocess.run([str(find_go_root() / "bin" / "go"), "version", "-m",
                               str(job / "retry-backoff.test")],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        key = harness.link_flag.rsplit("=", 1)[1]
        assert key not in info and "-ldflags" not in info
        assert key.encode() not in b"".join(p.read_bytes() for p in job.rglob("*.go"))
        graphs.append(_compiled(graph))
        keys.append(key)
    assert len(set(keys)) == 3
    # The first build may compile everything; later ones only the learner's package and link.
    for compiled in graphs[1:]:
        assert "retry-backoff/zzgocoach" not in compiled
        assert "retry-backoff.test" not in compiled  # the test main: same export data
        assert "retry-backoff" in compiled


def _test_names(exercise: Exercise) -> list[str]:
    from gocoach.practice.grading.runner import expected_tests

    return [t.name for t in expected_tests(exercise)]


def _compiled(graph: Path) -> set[str]:
    """Packages `go` compiled (not taken from the build cache) in this build."""
    actions = json.loads(graph.read_text())
    return {a.get("Package", "") for a in actions
            if a.get("Mode") == "build" and a.get("Cmd")}
