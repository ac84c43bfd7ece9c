"""The shipped projects are valid data (issue #18): stages, statements in Russian, roadmap items
that exist, a starter that is not the reference, variants that still apply. No Go is built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gocoach.projects.catalogue import (
    Project,
    ProjectError,
    find_project,
    load_project,
    module_files,
    validate_project,
)
from project_fixtures import PROJECTS
from project_variants import apply_variant, load_variants

ROADMAPS = Path("/work/shared/seeds/readable")
SLUGS = [p.slug for p in PROJECTS]


def test_ships_the_six_projects_of_the_documents() -> None:
    assert set(SLUGS) == {"task-processor", "calculator", "todo", "scraper", "users-api",
                          "event-ingest"}


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_project_data_is_valid(project: Project) -> None:
    assert validate_project(project) == []


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_statements_are_in_russian_and_name_what_is_checked(project: Project) -> None:
    for stage in project.stages:
        text = project.statement(stage.number)
        assert len(re.findall(r"[а-яё]", text, re.IGNORECASE)) > 200, stage.number
        assert "Проверка" in text, f"stage {stage.number} does not say how it is checked"


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_the_reference_stays_out_of_what_the_learner_gets(project: Project) -> None:
    starter, reference = module_files(project, "starter"), module_files(project, "reference")
    assert starter["go.mod"] == reference["go.mod"]
    assert starter["main.go"] != reference["main.go"]
    assert len(starter["main.go"]) < len(reference["main.go"]) / 3


@pytest.mark.skipif(not ROADMAPS.is_dir(), reason="the user's roadmaps are not available")
def test_practised_items_are_exact_roadmap_texts() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in ROADMAPS.glob("00[234]-*.md"))
    items = {m.strip() for m in re.findall(r"^\s*- \[[ xX]\] (.+)$", text, re.MULTILINE)}
    items |= {m.strip() for m in re.findall(r"\*\*Практическое задание:\*\* (.+)$", text, re.M)}
    unknown = {(p.slug, s.number): [t for t in s.practises if t not in items]
               for p in PROJECTS for s in p.stages}
    assert {key: bad for key, bad in unknown.items() if bad} == {}


@pytest.mark.parametrize("project", PROJECTS, ids=SLUGS)
def test_every_variant_still_applies_to_the_reference(project: Project) -> None:
    variants = load_variants(project.slug)
    assert len(variants) >= 2
    reference = module_files(project, "reference")
    stages = {stage.number for stage in project.stages}
    assert {v.name: v.stage for v in variants if v.stage not in stages} == {}
    assert [v.name for v in variants if apply_variant(reference, v) == reference] == []


def test_broken_project_data_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "Bad_Slug"
    root.mkdir()
    (root / "project.toml").write_text(
        'title = "t"\nsummary = "s"\nlevel = "guru"\ntester = "nope"\n'
        '[[stages]]\ntitle = "one"\ntime_limit_seconds = 500\n')
    problems = "\n".join(validate_project(load_project(root)))
    for expected in ("slug 'Bad_Slug'", "level must be one of", "3–6 stages",
                     "stage1.md is missing", "practises must list", "time_limit_seconds",
                     "starter/go.mod is missing", "tester:"):
        assert expected in problems, expected
    (root / "project.toml").write_text("title = [")
    with pytest.raises(ProjectError, match=r"project\.toml"):
        load_project(root)


def test_an_unknown_project_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match="known: calculator, event-ingest"):
        find_project(PROJECTS, "nope")
    with pytest.raises(LookupError, match="stages 1–4, not 9"):
        PROJECTS[0].stage(9)
