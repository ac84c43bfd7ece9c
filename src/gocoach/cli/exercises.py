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

from gocoach.cli.context import console, errors, fail, handle_errors, open_context, unit_of_work
from gocoach.practice.exercises import (
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
STAGE_TEXT = {"build": "compile error", "vet": "go vet findings", "rejected": "submission refused",
              "internal": "grader error"}  # fmt: skip
STATUS_STYLE = {"pass": "[green]✔ pass[/]", "fail": "[red]✘ fail[/]", "error": "[red]! error[/]"}
exercise_app = typer.Typer(
    help="Go exercises in your own editor: list, start, test, submit.", no_args_is_help=True
)
DirArgument = Annotated[
    Path, typer.Argument(help="The exercise folder (made by `gocoach exercise start`).")
]


def register(app: typer.Typer) -> None:
    """Add the exercise commands to the main app."""
    app.add_typer(exercise_app, name="exercise")


@exercise_app.command("list")
@handle_errors
def list_command() -> None:
    """List the exercises with their level, the roadmap items they practise and your status."""
    ctx = open_context()
    catalogue = load_catalogue(ctx.settings.content_dir)
    table = Table("slug", "title", "level", "race", "practises (roadmap items)", "your last")
    with unit_of_work(ctx) as (session, user):
        links = linked_items(session, catalogue, user=user)
        last = last_statuses(session, user)
    for exercise in catalogue:
        items = links.get(exercise.slug, [])
        practised = "\n".join(f"{i.title} [dim]{i.key}[/]" for i in items) or "[dim]—[/]"
        table.add_row(exercise.slug, exercise.title, exercise.level,
                      "yes" if exercise.race else "", practised,
                      STATUS_STYLE.get(last.get(exercise.slug, ""), "[dim]not tried[/]"))
    console.print(table)


@exercise_app.command("start")
@handle_errors
def start_command(
    slug: Annotated[str, typer.Argument(help="Exercise id (see `gocoach exercise list`).")],
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to write into (default: ./SLUG).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write the starter code and the visible tests of an exercise into a folder."""
    settings = load_settings()
    exercise = find_exercise(load_catalogue(settings.content_dir), slug)
    target = directory or Path(slug)
    files = {**read_files(exercise, "starter"), **read_files(exercise, "tests")}
    clashes = sorted(name for name in [*files, MARKER] if (target / name).exists())
    if clashes and not force:
        raise fail(f"{target}: would overwrite {', '.join(clashes)} (use --force to overwrite)")
    if target.exists() and not target.is_dir():
        raise fail(f"{target}: is a file, not a folder")
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (target / name).write_text(content, encoding="utf-8")
    marker = {"exercise": exercise.slug, "started_at": utc_now().isoformat()}
    (target / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    console.print(f"[bold]{escape(exercise.title)}[/] → {target}", highlight=False)
    for name in sorted(files):
        console.print(f"  {name}", highlight=False)
    console.print(f"statement: {exercise.path / 'README.md'}", highlight=False)
    console.print(f"next: edit the .go files, then `gocoach exercise test {target}`",
                  highlight=False)


@exercise_app.command("test")
@handle_errors
def test_command(directory: DirArgument = Path(".")) -> None:
    """Grade the folder's .go files against the visible and hidden tests (nothing is saved)."""
    settings = load_settings()
    exercise, _ = _exercise_of(directory, load_catalogue(settings.content_dir))
    result = _grade(GradingService(settings), exercise, _solution_files(directory))
    _print_result(result)
    if result.status != "pass":
        raise typer.Exit(1)


@exercise_app.command("submit")
@handle_errors
def submit_command(
    directory: DirArgument = Path("."),
    mark_done: Annotated[
        bool, typer.Option("--mark-done", help="On a pass, mark the practised items done.")
    ] = False,
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
    console.print(f"saved as submission #{row.id}", highlight=False)
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
        raise fail(f"{directory}: no such folder")
    if not marker.is_file():
        raise fail(f"{directory}: not an exercise folder (no {MARKER}); "
                   "start one with `gocoach exercise start SLUG DIR`")
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        slug = str(data["exercise"])
    except (ValueError, KeyError, TypeError):
        raise fail(f"{marker}: unreadable; run `gocoach exercise start SLUG DIR --force`") from None
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
            raise fail(f"{path}: is a symbolic link; submit regular files only")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"{path}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise fail(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB; not submitted")
        files[path.name] = path.read_text(encoding="utf-8", errors="replace")
    if not files:
        raise fail(f"{directory}: no .go files to grade")
    return files


def _grade(service: GradingService, exercise: Exercise, files: dict[str, str]) -> GradeResult:
    try:
        service.check_enabled()
    except SandboxUnavailable as exc:
        raise fail(str(exc)) from None
    if service.warning:
        errors.print(f"[bold yellow]{escape(service.warning)}[/]", highlight=False)
    try:
        if service.cold([exercise]):
            _warm_with_bar(service, exercise)
        with console.status(f"grading {exercise.slug}…"):
            return service.grade(exercise, files)
    finally:
        service.close()


def _warm_with_bar(service: GradingService, exercise: Exercise) -> None:
    columns = (TextColumn("warming the Go build cache (once)"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.description}"))
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        failed = service.warm([exercise], progress)
    for label in failed:
        errors.print(f"[yellow]warm-up build failed:[/] {label}", highlight=False)


def _print_result(result: GradeResult) -> None:
    document = result_to_json(result)
    if document["tests"] or document["benchmarks"]:
        console.print(_results_table(document))
    for test in document["tests"]:
        detail = (test["output"] or test["message"] or "").strip()
        if test["status"] != "pass" and detail != (test["message"] or "").strip():
            console.print(f"[bold]{test['name']}[/]", highlight=False)
            console.print(escape(detail), highlight=False)
    if result.message:
        console.print(escape(result.message), highlight=False)
    for flag in result.flags:
        console.print(f"[yellow]⚑ flagged:[/] {escape(flag)}", highlight=False)
    if result.limits:
        console.print(f"[dim]{escape(result.limits)}[/]", highlight=False)
    verdict = STATUS_STYLE[result.status]
    seconds = f"({result.duration_seconds:.1f} s)"
    if result.stage in STAGE_TEXT:
        console.print(f"{verdict}: {STAGE_TEXT[result.stage]} {seconds}", highlight=False)
        return
    passed = sum(1 for t in document["tests"] if t["status"] == "pass")
    console.print(f"{verdict}: {passed}/{len(document['tests'])} tests pass {seconds}",
                  highlight=False)


def _results_table(document: dict[str, Any]) -> Table:
    table = Table("test", "result", "message")
    for test in document["tests"]:
        name = f"{test['name']}{' [dim](hidden)[/]' if test['hidden'] else ''}"
        first = (test["message"] or "").strip().splitlines()[:1]
        table.add_row(name, STATUS_STYLE[test["status"]], escape(first[0]) if first else "")
    for bench in document["benchmarks"]:
        allocs = "—" if bench["allocs_per_op"] is None else str(bench["allocs_per_op"])
        table.add_row(bench["name"], STATUS_STYLE[bench["status"]],
                      f"{allocs} allocs/op (limit {bench['max_allocs_per_op']})")
    return table


def _print_items(links: list[LinkedItem], marked: list[LinkedItem], asked: bool) -> None:
    if not links:
        return
    console.print("practised roadmap items:")
    for item in links:
        done = item in marked or item.status == "done"
        mark = "[green]✔ done[/]" if done else "○"
        console.print(f"  {mark} [dim]{item.key}[/] {escape(item.title)} "
                      f"[dim]({item.roadmap_slug})[/]", highlight=False)
    if not asked and any(item.status != "done" for item in links):
        console.print("mark them done: `gocoach exercise submit DIR --mark-done` "
                      "or `gocoach mark KEY done`")
