"""Parsing of `go test -json` / test2json event streams and benchmark lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_BENCH_LINE = re.compile(
    r"^(?P<name>Benchmark\w*?)(?:-\d+)?\s+(?P<n>\d+)\s+.*?(?P<allocs>\d+) allocs/op", re.MULTILINE
)


@dataclass(frozen=True)
class TestEvent:
    """One test2json event (see `go doc test2json`)."""

    __test__ = False  # not a pytest test class

    action: str
    test: str | None = None
    output: str = ""
    elapsed: float | None = None


@dataclass
class TestOutcome:
    """What the event stream says about one top-level test."""

    __test__ = False  # not a pytest test class

    name: str
    action: str | None = None
    output: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunReport:
    """Outcomes per top-level test plus the output not attributed to any test."""

    outcomes: dict[str, TestOutcome]
    package_output: str
    all_output: str


def parse_events(lines: Iterable[str]) -> list[TestEvent]:
    """Decode test2json lines; lines that are not JSON objects become package output."""
    events: list[TestEvent] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        try:
            raw = json.loads(stripped)
        except json.JSONDecodeError:
            events.append(
                TestEvent(action="output", output=line if line.endswith("\n") else line + "\n")
            )
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("Action"), str):
            continue
        test = raw.get("Test")
        output = raw.get("Output")
        elapsed = raw.get("Elapsed")
        events.append(
            TestEvent(
                action=raw["Action"],
                test=test if isinstance(test, str) else None,
                output=output if isinstance(output, str) else "",
                elapsed=float(elapsed) if isinstance(elapsed, int | float) else None,
            )
        )
    return events


def top_level_name(test: str) -> str:
    """Return the top-level test of a subtest name (`TestX/case` -> `TestX`)."""
    return test.split("/", 1)[0]


def summarize_run(events: Iterable[TestEvent]) -> RunReport:
    """Fold events into per-test outcomes; subtest output goes to its parent test."""
    outcomes: dict[str, TestOutcome] = {}
    package_output: list[str] = []
    all_output: list[str] = []
    for event in events:
        all_output.append(event.output)
        if event.test is None:
            package_output.append(event.output)
            continue
        name = top_level_name(event.test)
        outcome = outcomes.setdefault(name, TestOutcome(name=name))
        outcome.output.append(event.output)
        if event.test == name and event.action in ("pass", "fail", "skip"):
            outcome.action = event.action
    return RunReport(outcomes, "".join(package_output), "".join(all_output))


def parse_benchmark_allocs(output: str) -> dict[str, int]:
    """Return allocs/op per benchmark name from `-benchmem` output lines."""
    return {m["name"]: int(m["allocs"]) for m in _BENCH_LINE.finditer(output)}
