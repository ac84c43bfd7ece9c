"""Hostile project binaries are contained like hostile exercises (issue #18): a fork bomb, a
memory hog, connections beyond loopback, an output flood, a process left behind, a program
that ignores SIGTERM or outlives the stage's time limit. Each runs in a real box."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from gocoach.practice.grading.cgroups import CGROUP_ROOT, cgroup_support
from gocoach.practice.grading.runner import GradingSettings
from gocoach.practice.grading.sandbox import Limits, MiB, list_processes_of, sandbox_available
from gocoach.projects.box import BoxSpec, build_module
from gocoach.projects.checks import CheckFailed, StageTest, Tester
from gocoach.projects.connector import ensure_connector
from gocoach.projects.harness import StageResult, StageRun, run_stage
from gocoach.projects.said import key_of
from project_fixtures import grading_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]
needs_cgroup = pytest.mark.skipif(cgroup_support().version is None,
                                  reason=f"no cgroup: {cgroup_support().reason}")

PROBE = r"""package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func serve(addr string) {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.ListenAndServe(addr, nil)
}

func main() {
	mode := flag.String("mode", "", "")
	addr := flag.String("addr", "", "")
	target := flag.String("target", "", "")
	flag.Parse()
	switch *mode {
	case "forkbomb":
		for {
			if err := exec.Command(os.Args[0], "-mode", "forkbomb").Start(); err != nil {
				time.Sleep(time.Millisecond)
			}
		}
	case "memory":
		var kept [][]byte
		for i := 0; i < 64; i++ {
			b := make([]byte, 64<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			kept = append(kept, b)
		}
		fmt.Println("allocated MiB:", 64*len(kept))
	case "network":
		got := map[string]string{}
		for _, t := range []string{"1.1.1.1:53", "10.0.0.1:80", *target} {
			conn, err := net.DialTimeout("tcp", t, time.Second)
			if err == nil {
				conn.Close()
				got[t] = "connected"
			} else {
				got[t] = err.Error()
			}
		}
		if _, err := net.LookupHost("example.com"); err == nil {
			got["dns"] = "connected"
		} else {
			got["dns"] = err.Error()
		}
		json.NewEncoder(os.Stdout).Encode(got)
	case "flood":
		line := strings.Repeat("x", 1023) + "\n"
		for {
			os.Stdout.WriteString(line)
		}
	case "leftover":
		cmd := exec.Command(os.Args[0], "-mode", "sleep")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		cmd.Start()
		serve(*addr)
	case "sleep":
		time.Sleep(time.Hour)
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		serve(*addr)
	default:
		serve(*addr)
	}
}
"""


@pytest.fixture(scope="module")
def settings() -> Iterator[GradingSettings]:
    limits = Limits(memory_bytes=256 * MiB, max_processes=64)
    with grading_settings(limits) as chosen:
        yield chosen


@pytest.fixture(scope="module")
def spec(settings: GradingSettings, tmp_path_factory: pytest.TempPathFactory) -> BoxSpec:
    """The probe built once for the module."""
    work = tmp_path_factory.mktemp("probe")
    (work / "src").mkdir()
    (work / "out").mkdir()
    (work / "src" / "go.mod").write_text("module probe\n\ngo 1.22\n")
    (work / "src" / "main.go").write_text(PROBE)
    build = build_module(work / "src", work / "out", settings, race=False)
    assert build.binary is not None, build.output
    for path in (work, work / "out"):
        path.chmod(0o711)
    build.binary.chmod(0o755)
    return BoxSpec(binary=build.binary, connector=ensure_connector(settings), settings=settings,
                   work=work / "out", output_bytes=256 * 1024)


def stage(spec: BoxSpec, test: StageTest, limit: float = 10.0) -> StageResult:
    """Run one probe stage; afterwards nothing of the slot uid may be left."""
    result = run_stage(StageRun(1, "probe", test, limit, spec))
    uid = spec.settings.run_uid
    assert uid is not None and list_processes_of(uid) == [], "processes outlived the stage"
    leftovers = list(CGROUP_ROOT.glob(f"**/gocoach/job-{os.getpid()}-*"))
    assert leftovers == [], "the stage's cgroup was not removed"
    return result


@needs_cgroup
def test_a_fork_bomb_hits_the_process_limit_and_is_cleaned_up(spec: BoxSpec) -> None:
    started = time.monotonic()
    result = stage(spec, lambda t: _ran(t.run("-mode", "forkbomb", timeout=3.0)), limit=8)
    assert result.status == "fail"
    assert "лимит процессов" in result.message or "не завершилась" in result.message, \
        result.message
    assert time.monotonic() - started < 10


@needs_cgroup
def test_a_memory_hog_is_killed_at_the_memory_limit(spec: BoxSpec) -> None:
    def test(t: Tester) -> None:
        ran = t.run("-mode", "memory", timeout=8.0)
        if ran.exit.code == 0:
            raise CheckFailed("the hog finished", got=ran.stdout)
        raise CheckFailed(f"the hog ended: {ran.exit.describe()}")

    result = stage(spec, test)
    assert result.status == "fail"
    # RLIMIT_DATA stops the Go runtime first ("out of memory", exit 2); the cgroup kills the rest
    assert ("SIGKILL" in result.message or "лимит памяти" in result.message
            or "out of memory" in result.output), result.message + result.output
    assert "allocated" not in result.output


def test_nothing_beyond_the_box_loopback_is_reachable(spec: BoxSpec) -> None:
    host = socket.socket()
    host.bind(("127.0.0.1", 0))
    host.listen()
    target = f"127.0.0.1:{host.getsockname()[1]}"
    seen: dict[str, str] = {}

    def test(t: Tester) -> None:
        ran = t.run("-mode", "network", "-target", target, timeout=8.0)
        seen.update(json.loads(ran.stdout))

    try:
        result = stage(spec, test)
    finally:
        host.close()
    assert result.status == "pass", result.message
    assert set(seen) == {"1.1.1.1:53", "10.0.0.1:80", target, "dns"}, seen
    assert "connected" not in seen.values(), seen  # not even the host's own loopback


def test_an_output_flood_stops_the_box_quickly(spec: BoxSpec) -> None:
    started = time.monotonic()
    result = stage(spec, lambda t: _ran(t.run("-mode", "flood", timeout=8.0)))
    assert result.status == "fail"
    assert "вывела больше" in result.message, result.message
    assert key_of(result.message) == "pj.check.box.output_flood"
    assert time.monotonic() - started < 5
    assert len(result.output) < 10_000


def test_a_process_left_behind_dies_with_the_box(spec: BoxSpec) -> None:
    def test(t: Tester) -> None:
        app = t.server("-mode", "leftover")
        app.request("GET", "/").expect(200)
        t.sleep(0.3)  # the detached sleeper is running in its own session by now

    result = stage(spec, test)  # asserts no process of the uid is left
    assert result.status == "pass", result.message


def test_a_program_ignoring_sigterm_fails_and_is_killed(spec: BoxSpec) -> None:
    def test(t: Tester) -> None:
        t.server("-mode", "ignore-term")
        t.terminate(grace=1.0)

    started = time.monotonic()
    result = stage(spec, test)
    assert result.status == "fail"
    assert "не завершилась за 1 с после SIGTERM" in result.message, result.message
    assert key_of(result.message) == "pj.check.sigterm.no_exit"
    assert time.monotonic() - started < 5


def test_a_stage_past_its_time_limit_is_stopped(spec: BoxSpec) -> None:
    def test(t: Tester) -> None:
        app = t.server()
        while True:
            app.request("GET", "/")
            time.sleep(0.05)

    started = time.monotonic()
    result = stage(spec, test, limit=1.5)
    assert result.status == "fail"
    assert "лимит времени 1.5 с" in result.message, result.message
    assert key_of(result.message) == "pj.check.stage.time_limit"
    assert time.monotonic() - started < 4


def test_a_program_that_never_listens_gets_a_clear_message(spec: BoxSpec) -> None:
    quiet = replace(spec)

    def test(t: Tester) -> None:
        t.server("-mode", "sleep", ready_seconds=1.0)

    result = stage(quiet, test)
    assert result.status == "fail"
    assert "не открыла порт за 1 с" in result.message and "-addr" in result.message
    assert key_of(result.message) == "pj.check.server.no_port"


def _ran(ran: object) -> None:
    raise CheckFailed(f"ended: {ran}")


def test_a_bug_in_a_tester_is_an_error_of_the_tester_not_a_crash(spec: BoxSpec) -> None:
    def test(t: Tester) -> None:
        t.server()
        raise ZeroDivisionError("division by zero")

    result = stage(spec, test)
    assert result.status == "error"
    assert result.message == ("ошибка проверяющего (не вашей программы): ZeroDivisionError: "
                              "division by zero")
    assert key_of(result.message) == "pj.check.stage.tester_error"
