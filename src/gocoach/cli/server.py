"""CLI commands that run or describe the installation: migrate, settings, serve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gocoach.cli.context import console, handle_errors, say_reason
from gocoach.cli.language import N_, t
from gocoach.store.engine import make_engine, migrate
from gocoach.store.settings import load_settings, setting_descriptions

# what each setting means, in the CLI's language (a setting missing here is described in the
# English of store/settings.py)
SETTINGS = {
    "data_dir": N_("cli.setting.data_dir"), "database_url": N_("cli.setting.database_url"),
    "host": N_("cli.setting.host"), "port": N_("cli.setting.port"),
    "mode": N_("cli.setting.mode"), "user": N_("cli.setting.user"),
    "max_import_bytes": N_("cli.setting.max_import_bytes"),
    "max_backup_bytes": N_("cli.setting.max_backup_bytes"),
    "language": N_("cli.setting.language"), "timezone": N_("cli.setting.timezone"),
    "content_dir": N_("cli.setting.content_dir"), "load_bundled": N_("cli.setting.load_bundled"),
    "grading_workers": N_("cli.setting.grading_workers"),
    "grading_queue": N_("cli.setting.grading_queue"),
    "allow_unsandboxed": N_("cli.setting.allow_unsandboxed"),
    "grading_cache_dir": N_("cli.setting.grading_cache_dir"),
    "grading_warmup": N_("cli.setting.grading_warmup"),
    "grading_uid_base": N_("cli.setting.grading_uid_base"),
    "allowed_hosts": N_("cli.setting.allowed_hosts"),
    "trusted_origins": N_("cli.setting.trusted_origins"),
    "secret_key": N_("cli.setting.secret_key"), "web_threads": N_("cli.setting.web_threads"),
    "db_pool_size": N_("cli.setting.db_pool_size"),
    "db_max_overflow": N_("cli.setting.db_max_overflow"),
    "cli_server": N_("cli.setting.cli_server"),
    "cli_server_idle": N_("cli.setting.cli_server_idle"),
}
def register(app: typer.Typer) -> None:
    """Add `gocoach migrate`, `gocoach settings` and `gocoach serve` to the main app."""
    app.command("migrate", help=N_("cli.cmd.migrate"))(migrate_command)
    app.command("settings", help=N_("cli.cmd.settings"))(settings_command)
    app.command("serve", help=N_("cli.cmd.serve"))(serve_command)


@handle_errors
def migrate_command() -> None:
    """Bring the database schema up to date (also done by `serve`)."""
    settings = load_settings()
    migrate(make_engine(settings))
    console.print(t("cli.migrate.done", url=settings.database_url), highlight=False)


@handle_errors
def settings_command() -> None:
    """List the settings (environment variables GOCOACH_*) with their current values."""
    settings = load_settings()
    table = Table(t("cli.settings.variable"), t("cli.settings.value"),
                  t("cli.settings.meaning"))
    for name, description in setting_descriptions():
        meaning = t(SETTINGS[name]) if name in SETTINGS else description
        table.add_row(f"GOCOACH_{name.upper()}", setting_text(getattr(settings, name)), meaning)
    console.print(table)


def setting_text(value: object) -> str:
    """A setting's value as it is written in the environment: true/false, empty for none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@handle_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help=N_("cli.arg.serve_host"))] = None,
    port: Annotated[int | None, typer.Option(help=N_("cli.arg.serve_port"))] = None,
) -> None:
    """Start the web app (migrates and loads the bundled curricula first)."""
    import uvicorn

    from gocoach.practice.service import sandbox_notice
    from gocoach.web.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = load_settings(**overrides)
    web = create_app(settings)
    if notice := sandbox_notice(settings):
        console.print(f"[yellow]{escape(say_reason(notice))}[/]", highlight=False)
    console.print(t("cli.serve.running", url=f"http://{settings.host}:{settings.port}",
                    database=settings.database_url), highlight=False)
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="warning")
