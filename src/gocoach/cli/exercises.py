"""CLI commands for Go practice in your own editor: exercise list, start, test, submit."""

from __future__ import annotations

import json
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as Bar
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
from gocoach.cli.language import N_, label, number, t
from gocoach.practice.exercises import (
    HIDDEN_LINE,
    LinkedItem,
    find_exercise,
    last_statuses,
    linked_items,
    load_catalogue,
    mark_items_done,
    record_submission,
)
from gocoach.practice.grading import (
    Exercise,
    GradeResult,
    SandboxUnavailable,
    read_files,
    result_to_json,
)
from gocoach.practice.grading.submission import MAX_FILE_BYTES
from gocoach.practice.service import GradingService
from gocoach.startup import utc_now
from gocoach.store.settings import load_settings

MARKER = ".gocoach-exercise"
STAGE_TEXT = {"build": N_("cli.ex.stage.build"), "vet": N_("cli.ex.stage.vet"),
              "rejected": N_("cli.ex.stage.rejected"),
              "internal": N_("cli.ex.stage.internal")}  # fmt: skip
STATUS_STYLE = {"pass": "[green]✔ {status}[/]", "fail": "[red]✘ {status}[/]",
                "error": "[red]! {status}[/]"}
exercise_app = typer.Typer(help=N_("cli.cmd.exercise"), no_args_is_help=True)
DirArgument = Annotated[Path, typer.Argument(help=N_("cli.arg.ex_dir"))]


def status_mark(status: str) -> str:
    """A grading status with its sign and colour: '[green]✔ pass[/]'."""
    return STATUS_STYLE[status].format(status=label("ex.status.", status))


def register(app: typer.Typer) -> None:
    """Add the exercise commands to the main app."""
    app.add_typer(exercise_app, name="exercise")


@exercise_app.command("list", help=N_("cli.help.ex_list"))
@handle_errors
def list_command() -> None:
    """List the exercises with their level, the roadmap items they practise and your status."""
    ctx = open_context()
    catalogue = load_catalogue(ctx.settings.content_dir)
    table = Table("slug", t("cli.ex.col_title"), t("cli.ex.col_level"), "race",
                  t("cli.ex.col_practises"), t("cli.ex.col_last"))
    with unit_of_work(ctx) as (session, user):
        links = linked_items(session, catalogue, user=user)
        last = last_statuses(session, user)
    for exercise in catalogue:
        items = links.get(exercise.slug, [])
        practised = "\n".join(f"{i.title} [dim]{i.key}[/]" for i in items) or "[dim]—[/]"
        status = last.get(exercise.slug, "")
        table.add_row(exercise.slug, exercise.title, exercise.level,
                      t("cli.ex.yes") if exercise.race else "", practised,
                      status_mark(status) if status in STATUS_STYLE else
                      t("cli.ex.not_tried"))
    console.print(table)


@exercise_app.command("start", help=N_("cli.help.ex_start"))
@handle_errors
def start_command(
    slug: Annotated[str, typer.Argument(help=N_("cli.arg.ex_slug"))],
    directory: Annotated[Path | None, typer.Argument(help=N_("cli.arg.start_dir"))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("cli.arg.force"))] = False,
) -> None:
    """Write the starter code and the visible tests of an exercise into a folder."""
    settings = load_settings()
    exercise = find_exercise(load_catalogue(settings.content_dir), slug)
    target = directory or Path(slug)
    files = {**read_files(exercise, "starter"), **read_files(exercise, "tests")}
    clashes = sorted(name for name in [*files, MARKER] if (target / name).exists())
    if clashes and not force:
        raise fail(t("cli.start.clashes", path=target, names=", ".join(clashes)))
    if target.exists() and not target.is_dir():
        raise fail(t("cli.start.is_file", path=target))
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (target / name).write_text(content, encoding="utf-8")
    marker = {"exercise": exercise.slug, "started_at": utc_now().isoformat()}
    (target / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    console.print(f"[bold]{escape(exercise.title)}[/] → {target}", highlight=False)
    for name in sorted(files):
        console.print(f"  {name}", highlight=False)
    console.print(t("cli.ex.statement", path=exercise.path / "README.md"), highlight=False)
    console.print(t("cli.ex.next", path=target), highlight=False)


@exercise_app.command("test", help=N_("cli.help.ex_test"))
@handle_errors
def test_command(directory: DirArgument = Path(".")) -> None:
    """Grade the folder's .go files against the visible and hidden tests (nothing is saved)."""
    settings = load_settings()
    exercise, _ = _exercise_of(directory, load_catalogue(settings.content_dir))
    result = _grade(GradingService(settings), exercise, _solution_files(directory))
    _print_result(result)
    if result.status != "pass":
        raise typer.Exit(1)


@exercise_app.command("submit", help=N_("cli.help.ex_submit"))
@handle_errors
def submit_command(
    directory: DirArgument = Path("."),
    mark_done: Annotated[bool, typer.Option("--mark-done", help=N_("cli.arg.ex_mark_done"))] =
        False,
) -> None:
    """Grade the folder like `test`, save the submission in your history, offer items as done."""
    ctx = open_context()
    catalogue = load_catalogue(ctx.settings.content_dir)
    exercise, started_at = _exercise_of(directory, catalogue)
    files = _solution_files(directory)
    result = _grade(GradingService(ctx.settings), exercise, files)
    _print_result(result)
    with unit_of_work(ctx) as (session, user):
        links = linked_items(session, [exercise], user=user)[exercise.slug]
        row = record_submission(session, user=user, exercise=exercise, files=files,
                                result=result, source="cli", now=utc_now(),
                                started_at=started_at, links=links)
        marked = (mark_items_done(session, user=user, items=links, now=utc_now(), source="cli")
                  if mark_done and result.status == "pass" else [])
    console.print(t("cli.ex.saved", id=row.id), highlight=False)
    if result.status == "pass":
        _print_items(links, marked, mark_done)
    else:
        raise typer.Exit(1)


def _exercise_of(
    directory: Path, catalogue: Sequence[Exercise]
) -> tuple[Exercise, datetime | None]:
    """The exercise a folder was started for, from its marker file."""
    marker = directory / MARKER
    if not directory.is_dir():
        raise fail(t("cli.start.no_folder", path=directory))
    if not marker.is_file():
        raise fail(t("cli.ex.not_folder", path=directory, marker=MARKER))
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        slug = str(data["exercise"])
    except (ValueError, KeyError, TypeError):
        raise fail(t("cli.ex.unreadable", path=marker)) from None
    started = data.get("started_at")
    return find_exercise(catalogue, slug), datetime.fromisoformat(started) if started else None


def _solution_files(directory: Path) -> dict[str, str]:
    """The folder's .go files that are not tests (tests always come from the exercise).

    Symlinks and anything but regular files are refused (a link to /etc/passwd named x.go
    would otherwise be read and stored), and so is a file over the grader's size limit,
    before it is read.
    """
    files: dict[str, str] = {}
    for path in sorted(directory.glob("*.go")):
        if path.name.endswith("_test.go"):
            continue
        if path.is_symlink():
            raise fail(t("cli.ex.symlink", path=path))
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise fail(t("cli.ex.not_regular", path=path))
        if info.st_size > MAX_FILE_BYTES:
            raise fail(t("cli.ex.too_big", path=path, kib=MAX_FILE_BYTES // 1024))
        files[path.name] = path.read_text(encoding="utf-8", errors="replace")
    if not files:
        raise fail(t("cli.ex.no_files", path=directory))
    return files


def _grade(service: GradingService, exercise: Exercise, files: dict[str, str]) -> GradeResult:
    try:
        service.check_enabled()
    except SandboxUnavailable as exc:
        raise fail(escape(say_error(exc))) from None
    if service.warning:
        errors.print(f"[bold yellow]{escape(say_reason(service.warning))}[/]", highlight=False)
    try:
        if service.cold([exercise]):
            _warm_with_bar(service, exercise)
        with console.status(t("cli.ex.grading", slug=exercise.slug)):
            return service.grade(exercise, files)
    finally:
        service.close()


def _warm_with_bar(service: GradingService, exercise: Exercise) -> None:
    columns = (TextColumn(t("cli.ex.warming")), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.description}"))
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        failed = service.warm([exercise], progress)
    for build in failed:
        errors.print(t("cli.ex.warm_failed", label=escape(build)), highlight=False)


def _print_result(result: GradeResult) -> None:
    document = result_to_json(result)
    if document["tests"] or document["benchmarks"]:
        console.print(_results_table(document))
    for test in document["tests"]:
        detail = (test["output"] or test["message"] or "").strip()
        if test["status"] != "pass" and detail != (test["message"] or "").strip():
            console.print(f"[bold]{test['name']}[/]", highlight=False)
            console.print(escape(detail), highlight=False)
    for reason in result.reasons:
        console.print(escape(say_reason(reason)), highlight=False)
    if result.message:
        message = result.message.replace(HIDDEN_LINE, t("cli.ex.hidden_line"))
        console.print(escape(message), highlight=False)
    for flag in result.flags:
        console.print(t("cli.ex.flagged", flag=escape(say_reason(flag))), highlight=False)
    if result.limits:
        console.print(f"[dim]{escape(say_reason(result.limits))}[/]", highlight=False)
    verdict = status_mark(result.status)
    seconds = number(result.duration_seconds, 1, fixed=True)
    if result.stage in STAGE_TEXT:
        console.print(t("cli.ex.verdict_stage", verdict=verdict, stage=t(STAGE_TEXT[result.stage]),
                        seconds=seconds), highlight=False)
        return
    passed = sum(1 for test in document["tests"] if test["status"] == "pass")
    console.print(t("cli.ex.verdict_tests", verdict=verdict, passed=passed,
                    total=len(document["tests"]), seconds=seconds), highlight=False)


def _results_table(document: dict[str, Any]) -> Table:
    table = Table(t("cli.ex.col_test"), t("cli.ex.col_result"), t("cli.ex.col_message"))
    for test in document["tests"]:
        hidden = " " + t("cli.ex.hidden") if test["hidden"] else ""
        first = _first_line(test)
        table.add_row(f"{test['name']}{hidden}", status_mark(test["status"]), escape(first))
    for bench in document["benchmarks"]:
        allocs = "—" if bench["allocs_per_op"] is None else str(bench["allocs_per_op"])
        table.add_row(bench["name"], status_mark(bench["status"]),
                      t("cli.ex.allocs", allocs=allocs, limit=bench["max_allocs_per_op"]))
    return table


def _first_line(entry: dict[str, Any]) -> str:
    """The first line of why a test failed: the grader's reason, else the tool's message."""
    text = say_reason(entry.get("reason")) or entry.get("message") or ""
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _print_items(links: list[LinkedItem], marked: list[LinkedItem], asked: bool) -> None:
    if not links:
        return
    console.print(t("cli.ex.practised"))
    for item in links:
        done = item in marked or item.status == "done"
        mark = t("cli.mark.done") if done else "○"
        console.print(f"  {mark} [dim]{item.key}[/] {escape(item.title)} "
                      f"[dim]({item.roadmap_slug})[/]", highlight=False)
    if not asked and any(item.status != "done" for item in links):
        console.print(t("cli.ex.mark_them"))
