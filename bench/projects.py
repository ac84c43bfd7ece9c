"""Benchmark of the project testers: time to test each reference solution, warm.

Run: .venv/bin/python bench/projects.py [--runs 5] [--project todo] [--cache DIR] [--no-box]

First, the box itself (20 boxes): opening one up to the connector's first reply, asking it for
sockets, a command run start to exit, a `-race` server from start to an open port, closing.
Then for each project one untimed run fills the Go build cache (a cold `-race` build of a
net/http program takes 40–90 s here). Then `--runs` timed runs of every stage of the reference: each
run builds the module again (new source bytes each time, as a learner's next try would be)
and drives every stage in a fresh box. Printed per project: the build, each stage's median
and spread (min–max over the runs), the whole run's median against the target (<= 10 s), and
the largest share of its time limit any stage used (the limits in project.toml leave room
for a slow machine: see docs/projects.md). Prints figures only: nothing fails on a missed
target, the machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from gocoach.practice.grading.runner import GradingSettings, find_go_root
from gocoach.practice.grading.slots import lease_uid
from gocoach.projects.box import Box, BoxSpec, build_module
from gocoach.projects.catalogue import Project, find_project, load_projects, module_files
from gocoach.projects.connector import ensure_connector
from gocoach.projects.harness import ProjectReport, check_project
from gocoach.projects.module import accept_module, write_module

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
UID_BASE = 64900


def fresh(files: Mapping[str, bytes], run: int) -> dict[str, bytes]:
    """The reference with a comment that changes each run, so the link step is not cached."""
    changed = dict(files)
    changed["main.go"] = files["main.go"] + f"\n// bench run {run}\n".encode()
    return changed


def one_run(project: Project, files: Mapping[str, bytes], cache: Path, work: Path) -> ProjectReport:
    """Test every stage of the files once; exit loudly if the reference does not pass."""
    with lease_uid(UID_BASE, span=16) as uid:
        settings = GradingSettings(go_root=find_go_root(), cache_dir=cache, run_uid=uid)
        report = check_project(project, files, settings=settings, work_root=work)
    if report.status != "pass":
        failed = next((s for s in report.stages if s.status != "pass"), None)
        sys.exit(f"{project.slug}: the reference did not pass: {report.message}\n"
                 f"{report.build_output}\n{failed.message if failed else ''}")
    return report


def bench(project: Project, runs: int, cache: Path) -> None:
    """Warm, then time `runs` runs and print the figures."""
    files = module_files(project, "reference")
    with tempfile.TemporaryDirectory(prefix="gocoach-bench-") as tmp:
        work = Path(tmp)
        started = time.monotonic()
        one_run(project, fresh(files, 0), cache, work)
        warm_up = time.monotonic() - started
        reports = [one_run(project, fresh(files, n), cache, work) for n in range(1, runs + 1)]
    totals = [r.seconds for r in reports]
    builds = [r.build_seconds for r in reports]
    verdict = "ok" if statistics.median(totals) <= TARGET_SECONDS else "OVER TARGET"
    print(f"\n{project.slug} (race={project.race}): warm-up {warm_up:.1f} s, "
          f"{runs} timed runs: median {statistics.median(totals):.2f} s "
          f"[{min(totals):.2f}–{max(totals):.2f}] — target <= {TARGET_SECONDS:g} s: {verdict}")
    print(f"  build        median {statistics.median(builds):.2f} s "
          f"[{min(builds):.2f}–{max(builds):.2f}]")
    worst = 0.0
    for index, stage in enumerate(project.stages):
        seconds = [r.stages[index].seconds for r in reports]
        share = max(seconds) / stage.time_limit_seconds
        worst = max(worst, share)
        print(f"  stage {stage.number}      median {statistics.median(seconds):.2f} s "
              f"[{min(seconds):.2f}–{max(seconds):.2f}]  limit {stage.time_limit_seconds:g} s "
              f"(max {share:.0%} of it)  {stage.title}")
    print(f"  the slowest stage run used {worst:.0%} of its time limit")


def built(project: Project, settings: GradingSettings, work: Path) -> tuple[Path, Path]:
    """The project's reference built into `work`: the binary and its folder."""
    (work / "src").mkdir(parents=True)
    (work / "out").mkdir()
    write_module(accept_module(module_files(project, "reference")), work / "src")
    build = build_module(work / "src", work / "out", settings, race=project.race)
    if build.binary is None:
        sys.exit(f"{project.slug}: the reference does not build:\n{build.output}")
    for path in (work, work / "out"):
        path.chmod(0o711)
    build.binary.chmod(0o755)
    return build.binary, work / "out"


def bench_box(projects: tuple[Project, ...], cache: Path, boxes: int = 20) -> None:
    """Figures of the box and its connector, with the calculator and todo references."""
    steps: dict[str, list[float]] = {name: [] for name in (
        "open a box up to the connector's first reply", "ask for 1 socket", "ask for 16 sockets",
        "command run (calc 2 + 3), start to exit", "close a box",
        "-race server (todo), start to an open port")}
    names = list(steps)
    with lease_uid(UID_BASE, span=16) as uid, tempfile.TemporaryDirectory() as tmp:
        settings = GradingSettings(go_root=find_go_root(), cache_dir=cache, run_uid=uid)
        connector = ensure_connector(settings)
        calc, calc_work = built(find_project(projects, "calculator"), settings, Path(tmp) / "c")
        todo, todo_work = built(find_project(projects, "todo"), settings, Path(tmp) / "t")
        for _ in range(boxes):
            started = time.monotonic()
            box = Box(BoxSpec(binary=calc, connector=connector, settings=settings, work=calc_work))
            box.open()
            for count, name in ((1, names[0]), (1, names[1]), (16, names[2])):
                begun = time.monotonic()
                for sock in box.sockets(count):
                    sock.close()
                steps[name].append(time.monotonic() - (started if name == names[0] else begun))
            begun = time.monotonic()
            box.start(["2", "+", "3"])
            box.wait(5)
            steps[names[3]].append(time.monotonic() - begun)
            begun = time.monotonic()
            box.close()
            steps[names[4]].append(time.monotonic() - begun)
        for _ in range(boxes // 2):
            with Box(BoxSpec(binary=todo, connector=connector, settings=settings, work=todo_work,
                             race=True)) as box:
                begun = time.monotonic()
                box.start(["-addr", "127.0.0.1:8080", "-data", "todos.json"])
                while not _listening(box):
                    time.sleep(0.005)
                steps[names[5]].append(time.monotonic() - begun)
    print("the box and its connector:")
    for name, seconds in steps.items():
        print(f"  {name:45s} median {statistics.median(seconds) * 1000:6.1f} ms "
              f"[{min(seconds) * 1000:.1f}–{max(seconds) * 1000:.1f}]")


def _listening(box: Box) -> bool:
    (sock,) = box.sockets(1)
    with sock:
        try:
            sock.connect(("127.0.0.1", 8080))
            return True
        except OSError:
            return False


def main() -> None:
    """Parse the arguments and bench the chosen projects."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per project (5)")
    parser.add_argument("--project", action="append", help="only this project (repeatable)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "gocoach-grading-test-cache",
                        help="the Go build cache folder (default: the tests' shared one)")
    parser.add_argument("--no-box", action="store_true", help="skip the box's own figures")
    args = parser.parse_args()
    shipped = load_projects(ROOT / "content")
    projects = [p for p in shipped if not args.project or p.slug in args.project]
    if not projects:
        sys.exit(f"no such project: {', '.join(args.project)}")
    if not args.no_box:
        bench_box(shipped, args.cache)
    for project in projects:
        bench(project, args.runs, args.cache)


if __name__ == "__main__":
    main()
