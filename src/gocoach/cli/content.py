"""`gocoach content …`: check, verify examples, load the question bank."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress as Bar

from gocoach.cli.context import console, errors, fail, handle_errors, open_context, unit_of_work
from gocoach.cli.language import N_, t
from gocoach.curricula.roadmaps import get_roadmap, load_nodes
from gocoach.questions.bank import load_track
from gocoach.questions.examples import ExampleResult, collect_jobs, verify_examples
from gocoach.questions.facts import track_facts
from gocoach.questions.track import missing_followups, read_track
from gocoach.startup import utc_now
from gocoach.store.settings import load_settings

content_app = typer.Typer(help=N_("cli.cmd.content"), no_args_is_help=True)
TRACK_OPTION = typer.Option(help=N_("cli.arg.track"))


def register(app: typer.Typer) -> None:
    """Add `gocoach content` to the main app."""
    app.add_typer(content_app, name="content")


def _track_path(path: Path | None) -> Path:
    return path or load_settings().content_dir / "tracks" / "go-core"


@content_app.command("check", help=N_("cli.help.content_check"))
@handle_errors
def check_command(track: Annotated[Path | None, TRACK_OPTION] = None) -> None:
    """Lint the bank (file:line: message) and list the user's follow-ups still missing."""
    folder = _track_path(track)
    parsed = read_track(folder)
    for problem in parsed.problems:
        errors.print(str(problem), highlight=False, markup=False)
    for note in parsed.notes:
        console.print(t("cli.content.note", note=note), highlight=False)
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        wanted = [
            n.title
            for n in load_nodes(session, get_roadmap(session, "follow-ups"))
            if n.kind == "item"
        ]
    missing = missing_followups(parsed, wanted)
    for text in missing:
        errors.print(t("cli.content.missing_followup", text=text), highlight=False, markup=False)
    questions = len(parsed.questions())
    modules = sum(1 for m in parsed.modules if m.parsed)
    console.print(t("cli.content.checked", track=folder.name, modules=modules,
                    questions=questions, problems=len(parsed.problems),
                    present=len(wanted) - len(missing), wanted=len(wanted)))
    if parsed.problems or missing:
        raise typer.Exit(1)


@content_app.command("verify-examples", help=N_("cli.help.content_verify"))
@handle_errors
def verify_command(
    module: Annotated[str | None, typer.Argument(help=N_("cli.arg.verify_module"))] = None,
    track: Annotated[Path | None, TRACK_OPTION] = None,
    jobs: Annotated[int | None, typer.Option(help=N_("cli.arg.verify_jobs"))] = None,
) -> None:
    """Build, vet and run every checked Go block (with -race on concurrency topics)."""
    parsed = read_track(_track_path(track))
    todo = collect_jobs(parsed, module)
    if not todo:
        raise fail(t("cli.content.no_examples_in", module=module) if module
                   else t("cli.content.no_examples"))
    started = time.perf_counter()
    failures: list[ExampleResult] = []
    with Bar(console=console, transient=True) as bar:
        task = bar.add_task(t("cli.content.verifying"), total=len(todo))

        def report(result: ExampleResult) -> None:
            bar.advance(task)
            if not result.ok:
                failures.append(result)

        verify_examples(todo, workers=jobs, on_result=report)
    for failure in failures:
        errors.print(failure.describe(), highlight=False, markup=False)
    console.print(t("cli.content.verified", passed=len(todo) - len(failures), total=len(todo),
                    race=sum(j.checked.race for j in todo),
                    seconds=f"{time.perf_counter() - started:.0f}"))
    if failures:
        raise typer.Exit(1)


@content_app.command("load", help=N_("cli.help.content_load"))
@handle_errors
def load_command(track: Annotated[Path | None, TRACK_OPTION] = None) -> None:
    """Load (or reload) the bank into the database; on any problem nothing changes."""
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        report = load_track(session, _track_path(track), now=utc_now())
    console.print(t("cli.content.loaded", track=report.track, modules=report.modules,
                    questions=report.questions, followups=report.followups,
                    added=len(report.added)))
    for qid in report.retired:
        console.print(t("cli.content.retired", qid=qid), highlight=False)


@content_app.command("facts", help=N_("cli.help.content_facts"))
@handle_errors
def facts_command(
    track: Annotated[Path | None, TRACK_OPTION] = None,
    kind: Annotated[str | None, typer.Option(help=N_("cli.arg.facts_kind"))] = None,
) -> None:
    """List sentences naming a Go version or runtime constant (file:line) to re-check."""
    if kind not in (None, "version", "constant"):
        raise fail(t("cli.content.bad_kind", kind=kind))
    folder = _track_path(track)
    if not folder.is_dir():
        raise FileNotFoundError(2, "no such track folder", str(folder))
    facts = track_facts(folder, kind=kind)
    for fact in facts:
        console.print(str(fact), highlight=False, markup=False)
    versions = sum(1 for f in facts if f.kind == "version")
    console.print(t("cli.content.facts", total=len(facts), versions=versions,
                    constants=len(facts) - versions), highlight=False)
