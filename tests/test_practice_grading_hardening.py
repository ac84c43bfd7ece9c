"""Fast tests of the grader's hardening (issue #13): no Go is built here.

The verdict only the grader's TestMain can sign, the Go tokenizer behind the cgo refusal and
the static flags, the seccomp program, cgroup v1/v2 layouts on a fake tree, uid leases shared
between processes, job-folder sweeping and build-cache trimming.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gocoach.practice.grading.cache import CacheTrimmer, cache_size, trim_build_cache
from gocoach.practice.grading.cgroups import create_job_cgroup
from gocoach.practice.grading.exercises import Exercise
from gocoach.practice.grading.gosource import directives, imports, static_flags, tokenize
from gocoach.practice.grading.harness import make_harness, read_verdict, sign, siphash24
from gocoach.practice.grading.queue import GradingQueue
from gocoach.practice.grading.runner import GradingSettings, build_command, shape_run
from gocoach.practice.grading.sandbox import ProcessOutcome
from gocoach.practice.grading.seccomp import DENIED_X86_64, deny_list_program
from gocoach.practice.grading.slots import JobRoot, NoFreeUid, lease_uid, sweep_dead_job_roots
from gocoach.practice.grading.submission import SubmissionRejected, accept_submission

KEY = b"k" * 16


def run_exercise(tmp_path: Path) -> Exercise:
    (tmp_path / "tests").mkdir(exist_ok=True)
    (tmp_path / "tests" / "p_test.go").write_text(
        'package p\n\nimport "testing"\n\nfunc TestA(t *testing.T) {}\n\n'
        "func TestB(t *testing.T) {}\n"
    )
    return Exercise("p", "P", "middle", (), ("x",), 5, False, (), tmp_path)


def framed(*names: str, status: str = "pass") -> str:
    lines = []
    for name in names:
        lines.append(json.dumps({"Action": "run", "Test": name}))
        lines.append(json.dumps({"Action": status, "Test": name}))
    return "\n".join(lines) + "\n"


def verdict_event(status: str, allocs: str = "-", key: bytes = KEY) -> str:
    line = f"gocoach-verdict {status} {allocs} {sign(key, status, allocs)}\n"
    return json.dumps({"Action": "output", "Output": line}) + "\n"


def outcome(text: str, returncode: int = 0) -> ProcessOutcome:
    return ProcessOutcome(returncode, text.encode(), False, False, 0.1)


def settings() -> GradingSettings:
    return GradingSettings(go_root=Path("/go"), cache_dir=Path("/cache"))


# --- the verdict -----------------------------------------------------------------------------


def test_pass_needs_the_signed_verdict_the_exit_status_and_every_test(tmp_path: Path) -> None:
    exercise = run_exercise(tmp_path)
    good = framed("TestA", "TestB") + verdict_event("pass")
    assert shape_run(exercise, settings(), outcome(good), key=KEY).status == "pass"
    # the same stream without the verdict line: printed by the learner, then os.Exit(0)
    forged = shape_run(exercise, settings(), outcome(framed("TestA", "TestB")), key=KEY)
    assert forged.status == "fail" and [r.code for r in forged.reasons] == ["verdict.missing"]
    # a verdict signed with another key, or a non-zero exit status
    other = framed("TestA", "TestB") + verdict_event("pass", key=b"x" * 16)
    assert shape_run(exercise, settings(), outcome(other), key=KEY).status == "fail"
    exited = shape_run(exercise, settings(), outcome(good, returncode=1), key=KEY)
    assert exited.status == "fail"
    # a signed pass with one expected test missing from the framed stream
    missing = framed("TestA") + verdict_event("pass")
    assert shape_run(exercise, settings(), outcome(missing), key=KEY).status == "fail"
    tampered = framed("TestA", "TestB") + verdict_event("tampered")
    result = shape_run(exercise, settings(), outcome(tampered), key=KEY)
    assert result.status == "fail" and [r.code for r in result.reasons] == ["verdict.tampered"]


def test_verdict_lines_are_checked_with_the_key_and_allocs_read_from_them() -> None:
    allocs = "BenchmarkX=0,BenchmarkY=3"
    text = f"noise\ngocoach-verdict pass {allocs} {sign(KEY, 'pass', allocs)}\n"
    verdict = read_verdict(text, KEY)
    assert verdict is not None and verdict.allocs == {"BenchmarkX": 0, "BenchmarkY": 3}
    swapped = text.replace("BenchmarkY=3", "BenchmarkY=0")
    assert read_verdict(swapped, KEY) is None
    assert read_verdict(text, b"other-key-16byte") is None


def test_the_harness_has_a_fresh_key_each_run_that_only_the_linker_sees() -> None:
    one = make_harness(package="p", module="example.org/p", benchmarks=["BenchmarkX"])
    two = make_harness(package="p", module="example.org/p", benchmarks=["BenchmarkX"])
    assert one.key != two.key and one.files == two.files  # same sources: cached builds
    k0, k1 = int.from_bytes(one.key[:8], "little"), int.from_bytes(one.key[8:], "little")
    assert one.link_flag == f"-X=example.org/p/zzgocoach.key={k0:016x}{k1:016x}"
    assert not any(f"{k0:x}" in text for text in one.files.values())
    verdict = one.files["zzgocoach/verdict.go"]
    assert "\"crypto/" not in verdict  # linking crypto cost 0.2 s a submission
    assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5  # reference
    assert "testing.Benchmark(b.F)" in verdict and '"test.run": ""' in verdict
    assert '{Name: "BenchmarkX", F: BenchmarkX}' in one.source


# --- the Go tokenizer: cgo, directives, flags -------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ['import "C"', 'import ( "C" )', 'import/**/"C"', 'import (\n\t"fmt"\n\tc "C"\n)',
     "import `C`", 'import ("fmt"; "C")', 'import /* a */ ( // b\n "C" )'],
)  # fmt: skip
def test_cgo_is_refused_however_the_import_is_written(header: str) -> None:
    with pytest.raises(SubmissionRejected, match='"C"'):
        accept_submission({"a.go": f"package p\n\n{header}\n"})


def test_c_in_comments_and_strings_is_not_an_import() -> None:
    source = 'package p\n\n// import "C"\n/* import "C" */\nvar s = `import "C"`\n'
    assert accept_submission({"a.go": source}).files
    assert [i.path for i in imports(tokenize('import (\n\t"fmt"\n\tx "os"\n)'))] == ["fmt", "os"]


def test_embed_and_linkname_directives_are_refused() -> None:
    assert directives(tokenize("//go:embed x.txt\nvar s string")) == [("go:embed", 1)]
    for directive in ("//go:embed p_test.go", "//go:linkname f runtime.f", "//go:cgo_ldflag x"):
        with pytest.raises(SubmissionRejected, match="directive") as refused:
            accept_submission({"a.go": f"package p\n\n{directive}\nvar s string\n"})
        assert refused.value.reason.code == "submission.directive"
        assert refused.value.reason.params["directive"] == directive[2:].split()[0]


def test_oversized_files_are_refused_before_parsing() -> None:
    with pytest.raises(SubmissionRejected, match="256 KB") as refused:
        accept_submission({"a.go": "package p\n" + "/" * (256 * 1024)})
    assert dict(refused.value.reason.params) == {"name": "a.go", "kib": 256}


def test_static_flags_find_framing_exits_and_test_file_reads() -> None:
    source = (
        'package p\n\nimport (\n\tx "os"\n\t"fmt"\n\t"path/filepath"\n)\n\n'
        'func init() {\n\tfmt.Println("--- PASS: TestA (0.00s)")\n\tfilepath.Glob("*_test.go")\n'
        "\tx.Exit(0)\n}\n"
    )
    flags = static_flags({"a.go": source})
    assert any("go test" in f for f in flags)
    assert any("x.Exit" in f for f in flags)
    assert any("filepath.Glob" in f for f in flags)
    assert sorted(f.code for f in flags) == ["flag.exit_call", "flag.framing", "flag.lists_files",
                                             "flag.reads_tests"]
    assert all(f.params["file"] == "a.go" for f in flags)
    assert static_flags({"a.go": 'package p\n\nfunc F() string { return "ok" }\n'}) == []


def test_reference_solutions_are_not_flagged() -> None:
    root = Path(__file__).resolve().parents[1] / "content" / "exercises"
    for solution in root.glob("*/solution"):
        files = {p.name: p.read_text() for p in solution.glob("*.go")}
        assert static_flags(files) == [], solution


# --- seccomp, bwrap arguments ------------------------------------------------------------------


def test_the_seccomp_program_denies_the_listed_calls_and_new_namespaces() -> None:
    program = deny_list_program()
    assert len(program) % 8 == 0
    insns = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
    constants = {k for _code, _jt, _jf, k in insns}
    for name in ("mount", "umount2", "unshare", "setns", "ptrace", "keyctl", "bpf",
                 "perf_event_open", "kexec_load", "init_module"):  # fmt: skip
        assert DENIED_X86_64[name] in constants, name
    assert 0x10000000 & max(k for code, _, _, k in insns if code == 0x45)  # CLONE_NEWUSER
    assert insns[-2][3] == 0x7FFF0000 and insns[-1][3] == 0x50000 | 1  # allow / EPERM


def test_the_compile_step_disables_nested_user_namespaces(tmp_path: Path) -> None:
    argv = build_command(run_exercise(tmp_path), settings(), tmp_path, race=False, seccomp_fd=9)
    assert {"--unshare-user", "--disable-userns"} <= set(argv)
    assert argv[argv.index("--seccomp") + 1] == "9"
    assert "--fsize=33554432" in argv  # no object file over 32 MiB: huge literals fail


# --- cgroups on a fake tree --------------------------------------------------------------------


def test_a_v1_job_cgroup_sets_memory_and_pids_in_both_hierarchies(tmp_path: Path) -> None:
    for controller in ("memory", "pids"):
        (tmp_path / controller / "gocoach").mkdir(parents=True)
    job = create_job_cgroup(memory_bytes=1000, max_pids=7, root=tmp_path, version="v1")
    memory, pids = job.dirs
    assert (memory / "memory.limit_in_bytes").read_text() == "1000"
    assert (pids / "pids.max").read_text() == "7"
    assert job.enter_argv()[:2] == ["/bin/sh", "-c"]
    assert f"{memory}/cgroup.procs" in job.enter_argv()[2]
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    assert job.oom_killed()


def test_a_v2_job_cgroup_sets_max_values_and_reads_events(tmp_path: Path) -> None:
    (tmp_path / "gocoach").mkdir()
    job = create_job_cgroup(memory_bytes=2000, max_pids=9, root=tmp_path, version="v2")
    (d,) = job.dirs
    assert (d / "memory.max").read_text() == "2000" and (d / "pids.max").read_text() == "9"
    assert (d / "memory.swap.max").read_text() == "0"
    assert not job.oom_killed()
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    (d / "pids.events").write_text("max 3\n")
    assert job.oom_killed() and job.pids_exhausted()


# --- uids and job folders shared between processes --------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from gocoach.practice.grading.slots import lease_uid
with lease_uid(int(sys.argv[1]), span=2, lock_dir=Path(sys.argv[2])) as uid:
    print(uid, flush=True)
    time.sleep(30)
"""


def test_two_processes_never_lease_the_same_uid(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "70000", str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None
        held = int(holder.stdout.readline())
        with lease_uid(70000, span=2, lock_dir=tmp_path) as mine:
            assert mine != held and mine in (70000, 70001)
            with pytest.raises(NoFreeUid), lease_uid(70000, span=2, lock_dir=tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    with lease_uid(70000, span=1, lock_dir=tmp_path) as freed:  # a dead holder frees its uid
        assert freed == 70000


def test_job_folders_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = tmp_path / "p999999-dead"
    dead.mkdir()
    (dead / ".owner").write_text("")
    (dead / "pool-abc" / "x.go").parent.mkdir()
    live = JobRoot(tmp_path)
    path = live.open()
    assert not dead.exists() and path.is_dir()
    assert sweep_dead_job_roots(tmp_path) == []  # ours is locked
    live.close()
    assert not path.exists()


# --- the build cache -----------------------------------------------------------------------------


def test_the_build_cache_is_trimmed_oldest_first(tmp_path: Path) -> None:
    now = time.time()
    for index in range(10):
        entry = tmp_path / f"{index:02x}" / f"entry-{index}-d"
        entry.parent.mkdir()
        entry.write_bytes(b"x" * 1000)
        os.utime(entry, (now - 1000 + index, now - 1000 + index))
    report = trim_build_cache(tmp_path, max_bytes=5000)
    assert report.size_before == 10_000 and report.size_after <= 4000
    kept = sorted(p.name for p in tmp_path.rglob("entry-*"))
    assert kept == [f"entry-{i}-d" for i in range(6, 10)]
    assert cache_size(tmp_path) == report.size_after
    trimmer = CacheTrimmer(tmp_path, max_bytes=1, interval=60)
    assert trimmer.maybe_trim(now=0) is not None and trimmer.maybe_trim(now=30) is None


def test_job_ids_are_random_not_a_counter() -> None:
    queue: GradingQueue[int] = GradingQueue(workers=1)
    try:
        ids = {queue.submit(lambda slot: slot) for _ in range(3)}
        assert len(ids) == 3 and all(len(i) > 12 for i in ids) and "job-1" not in ids
    finally:
        queue.close()
