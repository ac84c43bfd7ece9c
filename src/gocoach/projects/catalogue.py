"""Projects as data: content/projects/<slug>/ with project.toml, stage statements and modules.

    >>> projects = load_projects(content_dir)                     # doctest: +SKIP
    >>> project = find_project(projects, "task-processor")        # doctest: +SKIP
    >>> project.stages[0].title                                   # doctest: +SKIP
    'REST API и очередь задач'

A project folder holds `project.toml` (title, summary, level, race, tester, stages with the
roadmap items each practises and a time limit), `README.md` (the overview), `stageN.md` (the
statement of stage N in Russian; `stageN.en.md` in English, optional), `starter/` (the module
the learner gets) and `reference/` (a solution for the tests: never handed out).
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from gocoach.store.refusals import Missing

LEVELS = ("middle", "senior", "architect")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_TESTER = re.compile(r"^[a-z][a-z0-9_]*$")


class ProjectError(ValueError):
    """A project folder that cannot be loaded."""


@dataclass(frozen=True)
class Stage:
    """One stage: what it asks for, the roadmap items it practises, its time limit."""

    number: int
    title: str
    practises: tuple[str, ...]
    time_limit_seconds: float


@dataclass(frozen=True)
class Project:
    """A capstone project: its stages, where its files are and which tester checks it."""

    slug: str
    title: str
    summary: str
    level: str
    race: bool
    tester: str
    command: str
    source: str
    stages: tuple[Stage, ...]
    path: Path

    def stage(self, number: int) -> Stage:
        """The stage with this number, or a LookupError naming the valid ones."""
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise Missing("pj.mod.no_stage",
                      f"project '{self.slug}' has stages 1–{len(self.stages)}, not {number}",
                      project=self.slug, last=len(self.stages), number=number)

    def statement(self, number: int, lang: str = "ru") -> str:
        """The stage's statement in `lang`, falling back to Russian."""
        english = self.path / f"stage{number}.en.md"
        if lang == "en" and english.is_file():
            return english.read_text(encoding="utf-8")
        return (self.path / f"stage{number}.md").read_text(encoding="utf-8")

    def overview(self) -> str:
        """The project's README (what the program is, how it is run)."""
        readme = self.path / "README.md"
        return readme.read_text(encoding="utf-8") if readme.is_file() else self.summary


def projects_dir(content_dir: Path) -> Path:
    """Where the shipped projects live inside the content folder."""
    return content_dir / "projects"


def load_project(directory: Path) -> Project:
    """Read one project folder's `project.toml` (ProjectError when it is broken)."""
    meta_path = directory / "project.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{meta_path}: {exc}") from exc
    stages = []
    for number, raw in enumerate(meta.get("stages", []), 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
            raise ProjectError(f"{meta_path}: stage {number} needs a title")
        stages.append(Stage(number=number, title=raw["title"],
                            practises=tuple(str(p) for p in raw.get("practises", [])),
                            time_limit_seconds=float(raw.get("time_limit_seconds", 20))))
    return Project(
        slug=directory.name,
        title=_text(meta, "title", meta_path),
        summary=_text(meta, "summary", meta_path),
        level=str(meta.get("level", "middle")),
        race=bool(meta.get("race", False)),
        tester=str(meta.get("tester", directory.name.replace("-", "_"))),
        command=str(meta.get("command", "app")),
        source=str(meta.get("source", "")),
        stages=tuple(stages),
        path=directory,
    )


def _text(meta: dict[str, object], key: str, where: Path) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{where}: '{key}' must be a non-empty string")
    return value


def load_projects(content_dir: Path) -> tuple[Project, ...]:
    """Every project under `content_dir/projects`, sorted by slug (empty when there is none)."""
    root = projects_dir(content_dir)
    return _load(root.resolve()) if root.is_dir() else ()


@lru_cache(maxsize=8)
def _load(root: Path) -> tuple[Project, ...]:
    return tuple(load_project(d) for d in sorted(root.iterdir())
                 if (d / "project.toml").is_file())


def find_project(projects: Sequence[Project], slug: str) -> Project:
    """The project with this slug, or a LookupError naming the known ones."""
    for project in projects:
        if project.slug == slug:
            return project
    known = ", ".join(p.slug for p in projects) or "none"
    raise LookupError(f"no project '{slug}' (known: {known})")


def tester_module(project: Project) -> ModuleType:
    """The Python module holding the project's stage tests (gocoach.projects.testers.X)."""
    if not _TESTER.match(project.tester):
        raise ProjectError(f"{project.slug}: bad tester name {project.tester!r}")
    return importlib.import_module(f"gocoach.projects.testers.{project.tester}")


def module_files(project: Project, which: str) -> dict[str, bytes]:
    """Relative path → bytes of the starter or reference module (`which`)."""
    root = project.path / which
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def validate_project(project: Project) -> list[str]:
    """Problems with a project's data; an empty list when it is fine."""
    problems: list[str] = []
    if not _SLUG.match(project.slug):
        problems.append(f"slug '{project.slug}' must be lower-case letters, digits and dashes")
    if project.level not in LEVELS:
        problems.append(f"level must be one of {LEVELS}, got {project.level!r}")
    if not 3 <= len(project.stages) <= 6:
        problems.append(f"a project has 3–6 stages, this one {len(project.stages)}")
    for stage in project.stages:
        if not (project.path / f"stage{stage.number}.md").is_file():
            problems.append(f"stage{stage.number}.md is missing")
        if not stage.practises:
            problems.append(f"stage {stage.number}: practises must list roadmap item titles")
        if not 1 <= stage.time_limit_seconds <= 120:
            problems.append(f"stage {stage.number}: time_limit_seconds must be 1–120")
    for which in ("starter", "reference"):
        go_mod = project.path / which / "go.mod"
        if not go_mod.is_file():
            problems.append(f"{which}/go.mod is missing")
    try:
        stages = getattr(tester_module(project), "STAGES", {})
    except (ImportError, ProjectError) as exc:
        problems.append(f"tester: {exc}")
    else:
        if sorted(stages) != [s.number for s in project.stages]:
            problems.append(f"the tester checks stages {sorted(stages)}, the project has "
                            f"{[s.number for s in project.stages]}")
    return problems
