"""CLI commands for backup and restore of all user data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gocoach.backup.archive import make_backup, parse_backup, restore_backup, write_backup
from gocoach.backup.format import load_backup_file
from gocoach.cli.context import console, handle_errors, open_context, unit_of_work
from gocoach.cli.language import N_, t
from gocoach.startup import utc_now


def register(app: typer.Typer) -> None:
    """Add `gocoach backup` and `gocoach restore` to the main app."""
    app.command("backup", help=N_("cli.cmd.backup"))(backup_command)
    app.command("restore", help=N_("cli.cmd.restore"))(restore_command)


@handle_errors
def backup_command(
    file: Annotated[Path, typer.Argument(help=N_("cli.arg.backup_file"))],
) -> None:
    """Write all user data (users, progress, history, imported roadmaps) to a JSON file."""
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        data = make_backup(session, now=utc_now())
    write_backup(file, data)  # 0600: the file holds the accounts' password hashes
    console.print(t("cli.backup.wrote", path=file, progress=len(data["progress"]),
                    events=len(data["progress_events"]), roadmaps=len(data["roadmaps"])))


@handle_errors
def restore_command(
    file: Annotated[Path, typer.Argument(help=N_("cli.arg.restore_file"))],
    replace: Annotated[bool, typer.Option("--replace", help=N_("cli.arg.restore_replace"))] =
        False,
) -> None:
    """Restore user data from a backup; existing progress is kept unless --replace."""
    ctx = open_context()
    if not file.exists():
        raise FileNotFoundError(2, t("cli.backup.no_file"), str(file))
    text = load_backup_file(file, max_bytes=ctx.settings.max_backup_bytes)
    data = parse_backup(text, name=str(file))
    with unit_of_work(ctx) as (session, _user):
        report = restore_backup(
            session, data, now=utc_now(), max_bytes=ctx.settings.max_import_bytes, replace=replace
        )
    console.print(t("cli.restore.done", users=report.users,
                    roadmaps=len(report.roadmaps_imported), progress=report.progress_added,
                    events=report.events_added))
    accounts = report.accounts
    if accounts.cohorts or accounts.members or accounts.invitations:
        console.print(t("cli.restore.accounts", cohorts=accounts.cohorts,
                        members=accounts.members, invitations=accounts.invitations))
    for table, count in report.tables.restored.items():
        console.print(t("cli.restore.rows", table=table, count=count))
    if report.tables.kept:
        console.print(t("cli.restore.tables_kept", tables=", ".join(report.tables.kept)))
    if accounts.users_replaced:
        console.print(t("cli.restore.users_replaced", users=", ".join(accounts.users_replaced)),
                      highlight=False)
    if accounts.users_kept:
        console.print(t("cli.restore.users_kept", users=", ".join(accounts.users_kept)),
                      highlight=False)
    if accounts.cohorts_kept:
        console.print(t("cli.restore.cohorts_kept", cohorts=", ".join(accounts.cohorts_kept)),
                      highlight=False)
    if accounts.members_kept:
        console.print(t("cli.restore.members_kept", members=", ".join(accounts.members_kept)),
                      highlight=False)
    if report.progress_kept:
        console.print(t("cli.restore.progress_kept", count=len(report.progress_kept)))
