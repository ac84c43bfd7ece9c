"""Shared pieces of the project tests: the content, grading settings on the shared Go cache,
and a uid leased per run (so parallel sessions never share a slot uid)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from gocoach.practice.grading.runner import GradingSettings, find_go_root
from gocoach.practice.grading.sandbox import Limits
from gocoach.practice.grading.slots import lease_uid
from gocoach.projects.catalogue import Project, load_projects
from gocoach.projects.harness import ProjectReport, check_project

CONTENT = Path(__file__).resolve().parents[1] / "content"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
UID_BASE = 64800 + 20 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
PROJECTS = load_projects(CONTENT)


@contextmanager
def grading_settings(limits: Limits | None = None) -> Iterator[GradingSettings]:
    """Settings on the shared test cache, running code as a freshly leased uid."""
    with lease_uid(UID_BASE, span=20) as uid:
        yield GradingSettings(go_root=find_go_root(), cache_dir=CACHE_DIR, run_uid=uid,
                              limits=limits or Limits())


def check(project: Project, files: Mapping[str, bytes], work: Path,
          stages: Sequence[int] | None = None) -> ProjectReport:
    """Run the project's tester over these files."""
    with grading_settings() as settings:
        return check_project(project, files, settings=settings, work_root=work, stages=stages)


def explain(report: ProjectReport) -> str:
    """Everything a failing assertion should show."""
    lines = [f"{report.status}: {report.message}", report.build_output]
    for stage in report.stages:
        lines += [f"--- stage {stage.number} {stage.status} ({stage.seconds:.2f} s)",
                  stage.message, *stage.transcript, stage.output[-1500:]]
    return "\n".join(lines)
