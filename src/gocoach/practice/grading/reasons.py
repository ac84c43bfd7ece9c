"""The grader's sentences as codes with values, for the faces to word in the interface language.

The grader never writes a sentence of its own: a test that timed out gets
`Reason("test.timeout", seconds=10)`, a refused file `Reason("submission.too_large", …)`. What is
stored is `{"code": …, "params": {…}}` (`to_json`); the web words it with the catalogs' texts
under `grader.<code>` (web/grader_wording.py). The compiler's and go test's own lines are tool
output and stay as they are, beside the reasons (`GradeResult.message`, `TestResult.message`).

A Reason is also its English sentence (a `str`), the domain's English as the CLI prints it:

>>> reason = Reason("test.timeout", seconds=10.0)
>>> reason.code, dict(reason.params), str(reason)[:33]
('test.timeout', {'seconds': 10.0}, 'The test did not finish within 10')
>>> note = Reason("limits.note", box=Reason("limits.bwrap"), seccomp=Reason("limits.seccomp"),
...               where=Reason("limits.cgroup", version="v2", mib=512, procs=128))
>>> note.to_json()["params"]["box"]
{'code': 'limits.bwrap', 'params': {}}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

# A value in a sentence: a number, a name or tool output (verbatim), or another reason (a str
# too, worded in the sentence's language).
Param = str | int | float

# Every code the grader gives, with its English sentence ({name}: the value of that param).
# The catalogs word the same codes under `grader.<code>`, the English one with these very texts
# (tests/test_web_grader_wording.py).
ENGLISH: Mapping[str, str] = MappingProxyType({
    # one test's failure (verdicts.py)
    "test.memory_killed": "Memory limit exceeded ({mib} MB for the whole sandbox): the process "
                          "was killed.",
    "test.timeout": "The test did not finish within {seconds} s: an endless loop, a deadlock or "
                    "a goroutine that never ends?",
    "test.memory": "Memory limit exceeded ({mib} MB): the solution allocates too much.",
    "test.processes": "Process/thread limit exceeded: the solution starts too many processes.",
    "test.race": "Data race detected: protect the shared state with a mutex or a channel.",
    "test.panic": "Panic: {panic}",
    "test.failed": "The test failed.",
    "test.skipped": "The test was skipped (t.Skip): a solution must pass every test.",
    "test.not_run": "The test did not run: the test run stopped before it.",
    # why the test process stopped early (verdicts.py)
    "run.output_limit": "Checking stopped: the solution printed more than {mib} MB. Remove the "
                        "extra output.",
    "run.timeout": "Checking stopped: the tests did not finish within {seconds} s and the "
                   "process was stopped.",
    "run.init_panic": "The tests did not start: a panic while initialising the package (init or "
                      "var). {cause}",
    "run.not_started": "The tests did not start: {cause}",
    # the whole run (runner.py)
    "run.failed_count": "Tests failed: {failed} of {total}.",
    "run.unconfirmed": "The result is not confirmed: the test process did not tell the grader "
                       "that the tests passed (see the check's message).",
    "verdict.timeout": "Not counted: the test process did not finish in time and was stopped.",
    "verdict.missing": "Not counted: the output looks like a successful run, but the test "
                       "process ended before the tests did (os.Exit, forged output?). The "
                       "result comes only from the testing framework itself, never from "
                       "printed text.",
    "verdict.tampered": "Not counted: the solution interfered with the test run (changed "
                        "-test.run or other flags, or called TestMain itself).",
    "verdict.exit_code": "Not counted: the test process exited with code {code}.",
    "verdict.failed": "Not counted: the testing framework reported failed tests.",
    "internal.sandbox": "Internal sandbox error: {output}",
    # benchmarks' allocation limits (verdicts.py, runner.py)
    "bench.not_run": "The benchmark did not run: every test must pass first.",
    "bench.crashed": "The benchmark did not start or crashed.",
    "bench.allocs": "{allocs} allocations per operation, at most {max} allowed.",
    "bench.failed_count": "Allocation limit exceeded in benchmarks: {count}.",
    # the build (runner.py)
    "build.timeout": "The build did not finish within {seconds} s.",
    "build.file_too_large": "Compiling makes a file larger than {mib} MB (a huge array "
                            "literal?).",
    # the submission refused before compiling, or partly ignored (submission.py, runner.py)
    "submission.too_many_files": "Too many files ({count}).",
    "submission.path": "The file name “{name}” contains a path. Send only .go files, without "
                       "folders.",
    "submission.bad_name": "Invalid file name “{name}”.",
    "submission.too_large": "The file “{name}” is larger than {kib} KB.",
    "submission.no_go_files": "The submission has no .go file (tests aside).",
    "submission.too_many_go_files": "More than {max} .go files.",
    "submission.cgo": "“{name}” imports \"C\": cgo is not allowed in exercises, use only Go's "
                      "standard library.",
    "submission.verdict_package": "“{name}” imports the grader's package “{path}”.",
    "submission.directive": "“{name}”, line {line}: the //{directive} directive is not allowed "
                            "in solutions.",
    "submission.ignored": "Not checked (only the solution's .go files are taken; the tests come "
                          "from the exercise): {names}",
    # static checks: code that looks like it fakes a test run (gosource.py)
    "flag.imports_testing": "{file}: imports testing in the solution's code",
    "flag.imports_flag": "{file}: imports flag (can change the test run's flags)",
    "flag.imports_unsafe": "{file}: imports unsafe (can read the test process's memory)",
    "flag.catches_signals": "{file}: catches signals",
    "flag.dot_import": "{file}: imports {path} with a dot",
    "flag.framing": "{file}: prints lines in go test's format (=== RUN, --- PASS, allocs/op…)",
    "flag.reads_tests": "{file}: refers to the test files, the test binary or /proc/self",
    "flag.exit_call": "{file}: calls {call} (ends the process, bypassing the tests)",
    "flag.lists_files": "{file}: lists files ({call})",
    "flag.os_args": "{file}: reads os.Args (the test binary's path)",
    "flag.test_main": "{file}: mentions TestMain (tests run only through the grader)",
    # which isolation and limits applied (runner.py): {box}, {seccomp}, {where} are reasons
    "limits.note": "{box}, {seccomp}, {where}",
    "limits.bwrap": "bubblewrap sandbox",
    "limits.no_sandbox": "no sandbox",
    "limits.seccomp": "seccomp",
    "limits.no_seccomp": "no seccomp",
    "limits.cgroup": "cgroup {version}: {mib} MB of memory and {procs} processes for the whole "
                     "sandbox",
    "limits.rlimits": "rlimits: {mib} MB of memory and {procs} processes per process ({why})",
    # the queue and the sandbox (queue.py, sandbox.py, service.py)
    "queue.closed": "Grading has stopped.",
    "queue.busy": "The grader is busy: {waiting} submissions are already waiting. Try again in "
                  "a minute.",
    "sandbox.unavailable": "Grading is disabled: no sandbox is available ({why}). Install "
                           "bubblewrap (apt install bubblewrap).",
    "sandbox.unsandboxed": "WARNING: bubblewrap was not found, so solutions run without a "
                           "sandbox, with resource limits only (CPU, memory, processes). A "
                           "solution's code can read your files and reach the network. Run only "
                           "your own code this way; install bubblewrap (apt install bubblewrap).",
    "notice.team_mode": "team mode (PostgreSQL): exercise submissions are graded by `gocoach "
                        "worker` processes; start at least one (see docs/exercises.md)",
    "notice.no_sandbox": "bubblewrap is not available ({why}): {effect}; install it: {hint}",
    "notice.refused": "exercise submissions are refused",
    "notice.unsandboxed": "exercises are graded WITHOUT a sandbox (resource limits only)",
})


class Reason(str):
    """A grader sentence: its `code` (a key of ENGLISH) and `params`; as a str, its English.

    Immutable like the str it is. Unknown codes are refused when made, so every code the grader
    can give is in ENGLISH (and in the catalogs).
    """

    code: str
    params: Mapping[str, Param]

    def __new__(cls, code: str, /, **params: Param) -> Reason:
        template = ENGLISH.get(code)
        if template is None:
            raise ValueError(f"unknown grader reason '{code}'")
        english = template.format(**{name: _english(value) for name, value in params.items()})
        reason = super().__new__(cls, english)
        reason.code = code
        reason.params = MappingProxyType(dict(params))
        return reason

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.params.items())
        return f"Reason({self.code!r}{values})"

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle by code and params
        return (_rebuild, (self.code, dict(self.params)))

    def to_json(self) -> dict[str, Any]:
        """What is stored: the code and the params, a reason among them as its own document."""
        return {"code": self.code, "params": {name: to_json(value)
                                              for name, value in self.params.items()}}


def to_json(value: object) -> Any:
    """A reason as its stored document; anything else (tool text, a number, None) as it is."""
    return value.to_json() if isinstance(value, Reason) else value


def from_json(value: object) -> str | None:
    """A stored reason as a Reason again; text stored before the codes as it is (a code this
    version does not know: the code itself; None or an odd value: None)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping) or not isinstance(value.get("code"), str):
        return None
    params = value.get("params")
    values = {name: from_json(v) if isinstance(v, Mapping) else v
              for name, v in (params.items() if isinstance(params, Mapping) else ())
              if isinstance(v, (str, int, float, Mapping))}
    try:
        return Reason(value["code"], **{name: v for name, v in values.items() if v is not None})
    except (ValueError, KeyError, IndexError):  # unknown code, or values its sentence lacks
        return str(value["code"])


def _english(value: Param) -> Param:
    return f"{value:g}" if isinstance(value, float) else value


def _rebuild(code: str, params: dict[str, Param]) -> Reason:
    return Reason(code, **params)
