"""The `gocoach` command: a thin shell over the domain functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gocoach import (
    cli_content,
    cli_exercises,
    cli_interviews,
    cli_plans,
    cli_questions,
    cli_roadmaps,
)
from gocoach.backup import make_backup, parse_backup, restore_backup
from gocoach.cli_context import console, handle_errors, open_context, unit_of_work
from gocoach.config import Settings, load_settings
from gocoach.db import make_engine, migrate
from gocoach.startup import utc_now

app = typer.Typer(
    help="gocoach — a self-hosted coach for Go engineers (Middle → Senior → Architect).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli_roadmaps.register(app)
cli_plans.register(app)
cli_content.register(app)
cli_questions.register(app)
cli_interviews.register(app)
cli_exercises.register(app)


@app.command("backup")
@handle_errors
def backup_command(
    file: Annotated[Path, typer.Argument(help="JSON file to write.")],
) -> None:
    """Write all user data (users, progress, history, imported roadmaps) to a JSON file."""
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        data = make_backup(session, now=utc_now())
    file.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(
        f"wrote {file}: {len(data['progress'])} progress rows, "
        f"{len(data['progress_events'])} history events, {len(data['roadmaps'])} roadmaps"
    )


@app.command("restore")
@handle_errors
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `gocoach backup`.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace existing progress instead of keeping it.")
    ] = False,
) -> None:
    """Restore user data from a backup; existing progress is kept unless --replace."""
    ctx = open_context()
    if not file.exists():
        raise FileNotFoundError(2, "no such file", str(file))
    data = parse_backup(file.read_text(encoding="utf-8", errors="replace"), name=str(file))
    with unit_of_work(ctx) as (session, _user):
        report = restore_backup(
            session, data, now=utc_now(), max_bytes=ctx.settings.max_import_bytes, replace=replace
        )
    console.print(
        f"restored: {report.users} users, {len(report.roadmaps_imported)} roadmaps, "
        f"{report.progress_added} progress rows, {report.events_added} history events"
    )
    for table, count in report.tables.restored.items():
        console.print(f"  {table}: {count} rows")
    if report.tables.kept:
        console.print(f"[yellow]kept existing rows of {', '.join(report.tables.kept)}[/] "
                      "(use --replace to take the backup's)")
    if report.progress_kept:
        console.print(
            f"[yellow]kept {len(report.progress_kept)} existing rows that differ from "
            "the backup[/] (use --replace to take the backup's)"
        )


@app.command("migrate")
@handle_errors
def migrate_command() -> None:
    """Bring the database schema up to date (also done by `serve`)."""
    settings = load_settings()
    migrate(make_engine(settings))
    console.print(f"database is up to date: {settings.database_url}", highlight=False)


@app.command("settings")
@handle_errors
def settings_command() -> None:
    """List the settings (environment variables GOCOACH_*) with their current values."""
    settings = load_settings()
    table = Table("variable", "value", "meaning")
    for name, field in Settings.model_fields.items():
        table.add_row(
            f"GOCOACH_{name.upper()}", str(getattr(settings, name)), field.description or ""
        )
    console.print(table)


@app.command("serve")
@handle_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Start the web app (migrates and loads the bundled curricula first)."""
    import uvicorn

    from gocoach.grading_service import sandbox_notice
    from gocoach.web.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = load_settings(**overrides)
    web = create_app(settings)
    if notice := sandbox_notice(settings):
        console.print(f"[yellow]{notice}[/]", highlight=False)
    console.print(
        f"gocoach is running at [bold]http://{settings.host}:{settings.port}[/] "
        f"(database: {settings.database_url}); Ctrl+C stops it",
        highlight=False,
    )
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="warning")


def main() -> None:
    """Console-script entry point."""
    app()
