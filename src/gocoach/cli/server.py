"""CLI commands that run or describe the installation: migrate, settings, serve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from gocoach.cli.context import console, handle_errors
from gocoach.store.engine import make_engine, migrate
from gocoach.store.settings import load_settings, setting_descriptions


def register(app: typer.Typer) -> None:
    """Add `gocoach migrate`, `gocoach settings` and `gocoach serve` to the main app."""
    app.command("migrate")(migrate_command)
    app.command("settings")(settings_command)
    app.command("serve")(serve_command)


@handle_errors
def migrate_command() -> None:
    """Bring the database schema up to date (also done by `serve`)."""
    settings = load_settings()
    migrate(make_engine(settings))
    console.print(f"database is up to date: {settings.database_url}", highlight=False)


@handle_errors
def settings_command() -> None:
    """List the settings (environment variables GOCOACH_*) with their current values."""
    settings = load_settings()
    table = Table("variable", "value", "meaning")
    for name, description in setting_descriptions():
        table.add_row(f"GOCOACH_{name.upper()}", str(getattr(settings, name)), description)
    console.print(table)


@handle_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Start the web app (migrates and loads the bundled curricula first)."""
    import uvicorn

    from gocoach.practice.service import sandbox_notice
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
