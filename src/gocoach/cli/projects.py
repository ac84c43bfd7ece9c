"""CLI commands for capstone projects in your own editor: list, show, start, test, submit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gocoach.cli.context import (
    console,
    errors,
    fail,
    handle_errors,
    open_context,
    say_error,
    say_reason,
    unit_of_work,
)
from gocoach.cli.language import N_, language, number, t
from gocoach.practice.exercises import LinkedItem
from gocoach.practice.grading import SandboxUnavailable
from gocoach.practice.service import GradingService
from gocoach.projects.catalogue import Project, find_project, load_projects, module_files
from gocoach.projects.harness import ProjectReport, StageResult
from gocoach.projects.module import MARKER, Module, ModuleRejected, read_module
from gocoach.projects.runs import run_tester
from gocoach.projects.submissions import (
    mark_stage_done,
    progress_by_project,
    record_run,
    stage_items,
)
from gocoach.startup import utc_now
from gocoach.store.settings import load_settings
from gocoach.web.tester_wording import tester_text

STATUS_STYLE = {"pass": "[green]✔ {status}[/]", "fail": "[red]✘ {status}[/]",
                "error": "[red]! {status}[/]", "skipped": "[dim]– {status}[/]"}  # fmt: skip
STATUS_WORDS = {"pass": N_("cli.pj.status.pass"), "fail": N_("cli.pj.status.fail"),
                "error": N_("cli.pj.status.error"), "skipped": N_("cli.pj.status.skipped")}
STATEMENT_FILE = "PROJECT.md"
project_app = typer.Typer(help=N_("cli.cmd.project"), no_args_is_help=True)
DirArgument = Annotated[Path, typer.Argument(help=N_("cli.arg.pj_dir"))]
StageOption = Annotated[int | None, typer.Option("--stage", min=1, help=N_("cli.arg.pj_stage"))]
SlugArgument = Annotated[str, typer.Argument(help=N_("cli.arg.pj_slug"))]


def status_mark(status: str) -> str:
    """A stage's or a run's status with its sign and colour: '[green]✔ pass[/]'."""
    return STATUS_STYLE[status].format(status=t(STATUS_WORDS[status]))


def register(app: typer.Typer) -> None:
    """Add the project commands to the main app."""
    app.add_typer(project_app, name="project")


@project_app.command("list", help=N_("cli.help.pj_list"))
@handle_errors
def list_command() -> None:
    """List the projects with their stages and how far you got."""
    ctx = open_context()
    projects = load_projects(ctx.settings.content_dir)
    with unit_of_work(ctx) as (session, user):
        passed = progress_by_project(session, user)
    table = Table("slug", t("cli.ex.col_title"), t("cli.ex.col_level"), t("cli.pj.col_stages"),
                  t("cli.pj.col_passed"))
    for project in projects:
        done = passed.get(project.slug, set())
        table.add_row(project.slug, project.title, project.level, str(len(project.stages)),
                      f"{len(done)}/{len(project.stages)}" if done else
                      t("cli.ex.not_tried"))
    console.print(table)


@project_app.command("show", help=N_("cli.help.pj_show"))
@handle_errors
def show_command(
    slug: SlugArgument,
    stage: Annotated[int | None, typer.Option("--stage", min=1, help=N_("cli.arg.pj_only_stage"))]
    = None,
) -> None:
    """Print a project's overview and its stage statements (Russian)."""
    project = find_project(load_projects(load_settings().content_dir), slug)
    console.print(statement_text(project, stage), highlight=False, markup=False)


def statement_text(project: Project, stage: int | None = None) -> str:
    """The overview and the statements of all stages (or of one) as Markdown."""
    if stage is not None:
        project.stage(stage)
        return project.statement(stage)
    parts = [project.overview().rstrip()]
    parts += [project.statement(s.number).rstrip() for s in project.stages]
    return "\n\n".join(parts) + "\n"


@project_app.command("start", help=N_("cli.help.pj_start"))
@handle_errors
def start_command(
    slug: SlugArgument,
    directory: Annotated[Path | None, typer.Argument(help=N_("cli.arg.start_dir"))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("cli.arg.force"))] = False,
) -> None:
    """Write the starter module and the stage statements (PROJECT.md) into a folder."""
    project = find_project(load_projects(load_settings().content_dir), slug)
    target = directory or Path(slug)
    files = {**module_files(project, "starter"),
             STATEMENT_FILE: statement_text(project).encode("utf-8")}
    clashes = sorted(name for name in [*files, MARKER] if (target / name).exists())
    if clashes and not force:
        raise fail(t("cli.start.clashes", path=target, names=", ".join(clashes)))
    if target.exists() and not target.is_dir():
        raise fail(t("cli.start.is_file", path=target))
    for name, data in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    marker = {"project": project.slug, "started_at": utc_now().isoformat()}
    (target / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    console.print(f"[bold]{escape(project.title)}[/] → {target}", highlight=False)
    for name in sorted(files):
        console.print(f"  {name}", highlight=False)
    console.print(t("cli.pj.stages", count=len(project.stages), path=target / STATEMENT_FILE),
                  highlight=False)
    console.print(t("cli.pj.next", path=target), highlight=False)


@project_app.command("test", help=N_("cli.help.pj_test"))
@handle_errors
def test_command(directory: DirArgument = Path("."), stage: StageOption = None) -> None:
    """Build the folder's module and run the stages' testers (nothing is saved)."""
    settings = load_settings()
    project = _project_of(directory, load_projects(settings.content_dir))
    module = _module(directory)
    report = _run(GradingService(settings), project, module, stage)
    if report.status != "pass":
        raise typer.Exit(1)


@project_app.command("submit", help=N_("cli.help.pj_submit"))
@handle_errors
def submit_command(
    directory: DirArgument = Path("."),
    stage: StageOption = None,
    mark_done: Annotated[bool, typer.Option("--mark-done", help=N_("cli.arg.pj_mark_done"))] =
        False,
) -> None:
    """Test the folder like `test`, save the run in your history, offer items as done."""
    ctx = open_context()
    project = _project_of(directory, load_projects(ctx.settings.content_dir))
    module = _module(directory)
    report = _run(GradingService(ctx.settings), project, module, stage)
    passed = [s.number for s in report.stages if s.status == "pass"]
    with unit_of_work(ctx) as (session, user):
        row = record_run(session, user=user, project=project, report=report, module=module,
                         source="cli", now=utc_now())
        items = stage_items(session, project, user=user)
        marked = [item for number in passed if mark_done
                  for item in mark_stage_done(session, user=user, project=project, stage=number,
                                              now=utc_now(), source="cli")]
    console.print(t("cli.pj.saved", id=row.id), highlight=False)
    _print_items([item for n in passed for item in items.get(n, [])], marked, mark_done)
    if report.status != "pass":
        raise typer.Exit(1)


def _project_of(directory: Path, projects: tuple[Project, ...]) -> Project:
    marker = directory / MARKER
    if not directory.is_dir():
        raise fail(t("cli.start.no_folder", path=directory))
    if not marker.is_file():
        raise fail(t("cli.pj.not_folder", path=directory, marker=MARKER))
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        slug = str(data["project"])
    except (ValueError, KeyError, TypeError):
        raise fail(t("cli.pj.unreadable", path=marker)) from None
    return find_project(projects, slug)


def _module(directory: Path) -> Module:
    try:
        return read_module(directory)
    except ModuleRejected as exc:
        raise fail(escape(say_error(exc))) from None


def _run(service: GradingService, project: Project, module: Module,
         stage: int | None) -> ProjectReport:
    try:
        service.check_enabled()
    except SandboxUnavailable as exc:
        raise fail(escape(say_error(exc))) from None
    if service.warning:
        errors.print(f"[bold yellow]{escape(say_reason(service.warning))}[/]", highlight=False)
    if stage is not None:
        project.stage(stage)
    try:
        with console.status(t("cli.pj.building", slug=project.slug)):
            report = run_tester(service, project, module, stages=[stage] if stage else None,
                                on_stage=print_stage)
    finally:
        service.close()
    _print_report(report)
    return report


def print_stage(result: StageResult) -> None:
    """One stage's verdict, its passed checks and, on failure, the message and output."""
    console.print(t("cli.pj.stage", number=result.number, title=escape(result.title),
                    status=status_mark(result.status),
                    seconds=number(result.seconds, 1, fixed=True)), highlight=False)
    lang = language()
    for line in result.transcript:
        console.print(f"  [dim]{escape(tester_text(line, lang))}[/]", highlight=False)
    if result.status == "skipped":
        return
    if result.message:
        console.print(_indent(tester_text(result.message, lang)), highlight=False,
                      markup=False)
    if result.status != "pass" and result.output:
        console.print(t("cli.pj.output"), highlight=False)
        console.print(_indent(tester_text(result.output, lang), 4), highlight=False,
                      markup=False)


def _indent(text: str, width: int = 2) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())


def _print_report(report: ProjectReport) -> None:
    if report.ignored:
        console.print(t("cli.pj.not_sent", names=escape(", ".join(report.ignored))),
                      highlight=False)
    if report.build_output.strip() and report.status == "error":
        console.print(_indent(report.build_output), highlight=False, markup=False)
    if report.limits:
        console.print(f"[dim]{escape(tester_text(report.limits, language()))}[/]",
                      highlight=False)
    console.print(t("cli.pj.verdict", verdict=status_mark(report.status),
                    message=escape(tester_text(report.message, language())),
                    build=number(report.build_seconds, 1, fixed=True),
                    total=number(report.seconds, 1, fixed=True)), highlight=False)


def _print_items(items: list[LinkedItem], marked: list[LinkedItem], asked: bool) -> None:
    if not items:
        return
    console.print(t("cli.pj.practised"))
    for item in dict.fromkeys(items):
        done = item in marked or item.status == "done"
        mark = t("cli.mark.done") if done else "○"
        console.print(f"  {mark} [dim]{item.key}[/] {escape(item.title)} "
                      f"[dim]({item.roadmap_slug})[/]", highlight=False)
    if not asked and any(item.status != "done" for item in items):
        console.print(t("cli.pj.mark_them"))
