"""CLI commands for backup and restore of all user data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gocoach.backup.archive import make_backup, parse_backup, restore_backup
from gocoach.cli.context import console, handle_errors, open_context, unit_of_work
from gocoach.startup import utc_now


def register(app: typer.Typer) -> None:
    """Add `gocoach backup` and `gocoach restore` to the main app."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


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
