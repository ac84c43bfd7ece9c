"""Every shipped project, black-box: the reference passes every stage, the starter fails stage
1 with a clear message, each broken variant fails the stage meant to catch it (issue #18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gocoach.practice.grading.sandbox import sandbox_available
from gocoach.projects.box import build_module
from gocoach.projects.catalogue import Project, find_project, module_files
from gocoach.projects.module import accept_module, write_module
from gocoach.projects.said import Failure, key_of
from project_fixtures import PROJECTS, check, explain, grading_settings
from project_variants import Variant, apply_variant, load_variants

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]
SLUGS = [p.slug for p in PROJECTS]
VARIANTS = [v for p in PROJECTS for v in load_variants(p.slug)]
BY_SLUG = {p.slug: p for p in PROJECTS}


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_the_reference_passes_every_stage(project: Project, tmp_path: Path) -> None:
    report = check(project, module_files(project, "reference"), tmp_path)
    assert report.status == "pass", explain(report)
    assert [s.number for s in report.stages] == [s.number for s in project.stages]
    assert all(s.status == "pass" and s.transcript for s in report.stages), explain(report)
    assert not list(tmp_path.iterdir()), "the job folder must be removed"


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_the_starter_builds_and_fails_stage_one_clearly(project: Project, tmp_path: Path) -> None:
    report = check(project, module_files(project, "starter"), tmp_path)
    first = report.stages[0]
    assert report.status == "fail" and first.number == 1 and first.status == "fail", \
        explain(report)
    # a clear message: what was sent, what came back, what was expected
    for label in ("отправлено:", "получено:", "ожидалось:"):
        assert label in first.message, explain(report)
    assert isinstance(first.message, Failure), explain(report)  # stored as keys and values
    stored = first.to_json()["message"]["check"]
    assert all(stored.get(part) for part in ("what", "sent", "got", "expected")), stored
    assert all(s.status == "skipped" and "стадия 1 не пройдена" in s.message
               and key_of(s.message) == "pj.check.stage.not_run" for s in report.stages[1:])


def test_every_project_has_at_least_two_broken_variants() -> None:
    counts = {slug: sum(1 for v in VARIANTS if v.slug == slug) for slug in SLUGS}
    assert all(n >= 2 for n in counts.values()), counts


@pytest.mark.parametrize("variant", VARIANTS, ids=[f"{v.slug}-{v.name}" for v in VARIANTS])
def test_a_broken_variant_fails_the_stage_meant_to_catch_it(variant: Variant,
                                                            tmp_path: Path) -> None:
    project = BY_SLUG[variant.slug]
    files = apply_variant(module_files(project, "reference"), variant)
    report = check(project, files, tmp_path, stages=[variant.stage])
    (stage,) = report.stages
    assert stage.status == "fail", explain(report)
    assert variant.message in stage.message, explain(report)


VENDORED = {
    "go.mod": b"module vend\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n",
    "main.go": b'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n)\n\n'
               b"func main() { fmt.Println(greet.Hello()) }\n",
    "vendor/modules.txt": b"# example.com/greet v1.0.0\n## explicit; go 1.22\nexample.com/greet\n",
    "vendor/example.com/greet/greet.go": b'package greet\n\nfunc Hello() string { return "hi" }\n',
}


def test_a_vendored_dependency_builds_offline_and_a_missing_one_is_explained(
        tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "out").mkdir()
    write_module(accept_module(VENDORED), tmp_path / "src")
    with grading_settings() as settings:
        build = build_module(tmp_path / "src", tmp_path / "out", settings, race=False)
    assert build.binary is not None, build.output
    unvendored = {k: v for k, v in VENDORED.items() if not k.startswith("vendor/")}
    report = check(find_project(PROJECTS, "calculator"), unvendored, tmp_path / "jobs")
    assert report.status == "error" and not report.stages
    assert "только стандартная библиотека" in report.message, explain(report)
    assert key_of(report.message) == "pj.check.build.failed"
    assert report.to_json()["message"]["lines"][1] == {"key": "pj.check.build.no_proxy",
                                                       "params": {}}
    assert "module lookup disabled by GOPROXY=off" in report.build_output
