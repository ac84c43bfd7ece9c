"""The tester harness: drive a learner's program from outside, stage by stage.

    >>> report = test_project(project, files, settings=grading, work_root=jobs)  # doctest: +SKIP
    >>> [(s.number, s.status) for s in report.stages]                          # doctest: +SKIP
    [(1, 'pass'), (2, 'fail')]

The module is built once (box.build_module), then every stage gets a fresh box and calls its
test function (testers/<project>.py) with a `Tester` (checks.py). A test function starts the
program — a server on a free loopback port or a command — and checks what it does; a failed
check raises `CheckFailed`. Each stage has a time limit; a race report from a `-race` build
fails the stage.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from gocoach.practice.grading.runner import GradingSettings
from gocoach.practice.grading.sandbox import MiB, kill_processes_of
from gocoach.projects.box import (
    Box,
    BoxGone,
    BoxSpec,
    Build,
    Run,
    build_module,
    remove_tree,
)
from gocoach.projects.catalogue import Project, Stage, tester_module
from gocoach.projects.checks import (
    SKIPPED,
    CheckFailed,
    StageSkipped,
    StageTest,
    Tester,
    clip,
)
from gocoach.projects.connector import ensure_connector
from gocoach.projects.module import Module, ModuleRejected, accept_module, write_module
from gocoach.projects.said import Lines, Said, key_of, to_json

Status = Literal["pass", "fail", "error", "skipped"]
RACE_MARK = "WARNING: DATA RACE"
RACE_MESSAGE = "гонка данных:"  # how a race's message started before the keys
RACE = "pj.check.stage.race"  # the key a stage's message starts with when the race detector spoke
EXCERPT = 1500


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageResult:
    """One stage's outcome: the failure message, the passed checks, the program's output.

    The message, the transcript's lines and the output's headings are sentences (projects/said.py)
    stored as keys with values, in no language; str() of each is its Russian."""

    number: int
    title: str
    status: Status
    message: str = ""
    transcript: tuple[str, ...] = ()
    output: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored with the submission)."""
        return {"number": self.number, "title": self.title, "status": self.status,
                "message": to_json(self.message),
                "transcript": [to_json(line) for line in self.transcript],
                "output": to_json(self.output), "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class ProjectReport:
    """A tester run over a module: the build, then the stages run (in order)."""

    project: str
    status: Literal["pass", "fail", "error"]
    message: str
    stages: tuple[StageResult, ...] = ()
    build_output: str = ""
    build_seconds: float = 0.0
    seconds: float = 0.0
    ignored: tuple[str, ...] = ()
    limits: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored with the submission, shown by the web page)."""
        return {"project": self.project, "status": self.status, "message": to_json(self.message),
                "stages": [s.to_json() for s in self.stages], "build_output": self.build_output,
                "build_seconds": round(self.build_seconds, 3), "seconds": round(self.seconds, 3),
                "ignored": list(self.ignored), "limits": to_json(self.limits)}




@dataclass
class StageRun:
    """How to run one stage: its test, limits, and the box's ingredients."""

    number: int
    title: str
    test: StageTest
    limit: float
    spec: BoxSpec
    clock: Callable[[], float] = time.monotonic
    program: str = "app"
    output_chars: int = EXCERPT
    notes: list[str] = field(default_factory=list)


def run_stage(stage: StageRun) -> StageResult:
    """Run one stage's test in a fresh box, within its time limit; never raises for the
    program's misbehaviour (that is the stage's message)."""
    start = stage.clock()
    box = Box(replace(stage.spec, wall_seconds=stage.limit))
    tester = Tester(box, limit=stage.limit, clock=stage.clock, program=stage.program)
    timer = threading.Timer(stage.limit, box.stop,
                            args=(Said("pj.check.stage.time_limit", seconds=stage.limit),))
    timer.daemon = True
    status: Status = "pass"
    message: str = ""
    try:
        box.open()
        timer.start()
        try:
            stage.test(tester)
        except CheckFailed as exc:
            status, message = "fail", exc.failure
        except BoxGone as exc:
            status, message = "fail", _stopped_message(box, exc.reason)
    except StageSkipped as exc:
        status, message = "skipped", exc.message
    except Exception as exc:  # the tester's own bug or a broken sandbox: say so, never crash
        status = "error"
        message = Said("pj.check.stage.tester_error", error=f"{type(exc).__name__}: {exc}")
    finally:
        timer.cancel()
        for app in tester.apps:
            app.close_pool()
        box.close()
        for site in tester.sites:
            site.close()
        for close in tester.closers:
            close()
    if status == "skipped":  # the transcript carries the reason where only it is shown (CLI)
        return StageResult(stage.number, stage.title, status, message, (message,),
                           seconds=stage.clock() - start)
    race = _race_report(box.runs)
    if race:
        status = "fail"
        message = Lines(race, message, sep="\n\n") if message else race
    if status == "pass":
        message = ""
    output = _output_excerpt(box.runs, stage.output_chars)
    return StageResult(stage.number, stage.title, status, message, tuple(tester.transcript),
                       output, stage.clock() - start)


def _stopped_message(box: Box, reason: str) -> str:
    if box.oom_killed():
        mib = box.spec.settings.limits.race_memory_bytes if box.spec.race \
            else box.spec.settings.limits.memory_bytes
        return Said("pj.check.stage.memory", mib=mib // MiB)
    if box.pids_exhausted():
        return Said("pj.check.stage.processes", limit=box.spec.settings.limits.max_processes)
    return reason


def _race_report(runs: Sequence[Run]) -> str:
    for run in runs:
        text = run.stderr.text()
        at = text.find(RACE_MARK)
        if at >= 0:
            end = text.find("==================", at + len(RACE_MARK))
            report = text[at: end if end > 0 else at + 3000]
            return Lines(Said(RACE), clip(report, 3000))
    return ""


def _output_excerpt(runs: Sequence[Run], limit: int) -> str:
    """What each run wrote: its start (where a panic or a fatal error says what happened) and
    its end, when it wrote more than `limit` characters; each under «[run N, stream]»."""
    parts: list[str] = []
    for index, run in enumerate(runs, 1):
        for name, stream in (("stdout", run.stdout), ("stderr", run.stderr)):
            text = stream.text()
            if text.strip():
                head = limit // 3
                shown = text if len(text) <= limit else (
                    text[:head] + "\n…\n" + text[-(limit - head):])
                parts.append(Lines(Said("pj.check.output.run", run=index, stream=name),
                                   shown.rstrip()))
    return Lines(*parts) if parts else ""


def describe_limits(settings: GradingSettings, *, race: bool) -> str:
    """Which isolation and limits the boxes used (shown under the results)."""
    limits = settings.limits
    memory = (limits.race_memory_bytes if race else limits.memory_bytes) // MiB
    box = Said("pj.check.limits.bwrap" if settings.isolation == "bwrap"
               else "pj.check.limits.no_sandbox")
    return Said("pj.check.limits", box=box, mib=memory, procs=limits.max_processes)



# --- a whole run ------------------------------------------------------------------------------


def check_project(
    project: Project,
    module: Module | Mapping[str, bytes],
    *,
    settings: GradingSettings,
    work_root: Path,
    stages: Sequence[int] | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_stage: Callable[[StageResult], None] | None = None,
) -> ProjectReport:
    """Build the module once, then run stages: those asked for, or all in order until one
    fails (the rest are skipped). The program's misbehaviour is in the report, never raised.
    """
    start = clock()
    try:
        accepted = module if isinstance(module, Module) else accept_module(module)
        wanted = [project.stage(n) for n in stages] if stages else list(project.stages)
    except (ModuleRejected, LookupError) as exc:
        return ProjectReport(project.slug, "error", str(exc), seconds=clock() - start)
    tests: Mapping[int, StageTest] = tester_module(project).STAGES
    job = work_root / f"{project.slug}-{uuid.uuid4().hex[:12]}"
    (job / "src").mkdir(parents=True, mode=0o700)
    (job / "out").mkdir()
    limits = describe_limits(settings, race=project.race)
    try:
        write_module(accepted, job / "src")
        try:
            connector = ensure_connector(settings)
        except RuntimeError as exc:
            return ProjectReport(project.slug, "error",
                                 Said("pj.check.report.tester_error", error=str(exc)),
                                 seconds=clock() - start, limits=limits)
        build = build_module(job / "src", job / "out", settings, race=project.race, clock=clock)
        if build.binary is None:
            return ProjectReport(project.slug, "error", _build_failure(build, settings),
                                 build_output=build.output,
                                 build_seconds=build.seconds, seconds=clock() - start,
                                 ignored=accepted.ignored, limits=limits)
        job.chmod(0o711)
        (job / "out").chmod(0o711)
        build.binary.chmod(0o755)
        spec = BoxSpec(binary=build.binary, connector=connector, settings=settings,
                       work=job / "out", race=project.race)
        results = _run_stages(project, wanted, tests, spec, clock, on_stage,
                              stop_early=not stages)
    finally:
        remove_tree(job)
        if settings.run_uid is not None and os.geteuid() == 0:
            kill_processes_of(settings.run_uid)
    passed = sum(1 for r in results if r.status == "pass")
    message: str = Said("pj.check.report.passed", passed=passed, total=len(results))
    optional = [r.number for r in results if key_of(r.message) == SKIPPED]
    if optional:
        message = Lines(message, Said("pj.check.report.unchecked",
                                      stages=", ".join(map(str, optional))), sep="; ")
    return ProjectReport(project.slug, _overall(results), message, tuple(results),
                         build.output, build.seconds, clock() - start, accepted.ignored, limits)


def _build_failure(build: Build, settings: GradingSettings) -> str:
    what = (Said("pj.check.build.timeout", seconds=float(settings.limits.build_seconds))
            if build.timed_out else Said("pj.check.build.failed"))
    if "GOPROXY=off" in build.output:
        return Lines(what, Said("pj.check.build.no_proxy"), sep=": ")
    return what


def _overall(results: Sequence[StageResult]) -> Literal["pass", "fail", "error"]:
    """Error if a stage could not be checked; pass if every stage that ran passed. A stage
    skipped because this machine cannot check it (StageSkipped) counts neither way, but a run
    that checked nothing at all is no pass."""
    if any(r.status == "error" for r in results):
        return "error"
    ran = [r for r in results if key_of(r.message) != SKIPPED]
    if not ran:
        return "error"
    return "fail" if any(r.status != "pass" for r in ran) else "pass"


def _run_stages(
    project: Project, wanted: Sequence[Stage], tests: Mapping[int, StageTest], spec: BoxSpec,
    clock: Callable[[], float], on_stage: Callable[[StageResult], None] | None, *,
    stop_early: bool,
) -> list[StageResult]:
    results: list[StageResult] = []
    failed: int | None = None
    for stage in wanted:
        if failed is not None:
            result = StageResult(stage.number, stage.title, "skipped",
                                 Said("pj.check.stage.not_run", stage=failed))
        else:
            result = run_stage(StageRun(stage.number, stage.title, tests[stage.number],
                                        stage.time_limit_seconds, spec, clock, project.command))
            if result.status not in ("pass", "skipped") and stop_early:
                failed = stage.number
        results.append(result)
        if on_stage is not None:
            on_stage(result)
    return results
