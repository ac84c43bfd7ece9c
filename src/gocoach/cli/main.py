"""The `gocoach` command: a Typer app whose command groups are imported only when used.

`gocoach --help` lists every command from the table below without importing any of them; a
command's module (and the features it needs) is imported when that command runs or shows its
own help. `tests/test_cli_main.py` checks that the table matches the commands' real help.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer import _click as click  # the click that Typer vendors and types against
from typer.core import TyperCommand, TyperGroup

from gocoach.cli.helptext import name_metavars, speak_help, speak_typer, usage_error
from gocoach.cli.language import N_, choose_language, t, use_language


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives (a module of `gocoach.cli`) and the catalog key of its
    one-line help (the same key as the command's own help, or its first sentence)."""

    module: str
    key: str

    @property
    def help(self) -> str:
        """The one-line help in the CLI's language."""
        return t(self.key)


COMMANDS: dict[str, LazyCommand] = {
    "import": LazyCommand("roadmaps", N_("cli.cmd.import")),
    "roadmaps": LazyCommand("roadmaps", N_("cli.cmd.roadmaps")),
    "show": LazyCommand("roadmaps", N_("cli.cmd.show")),
    "mark": LazyCommand("roadmaps", N_("cli.cmd.mark")),
    "export": LazyCommand("roadmaps", N_("cli.cmd.export")),
    "history": LazyCommand("roadmaps", N_("cli.cmd.history")),
    "plan": LazyCommand("plans", N_("cli.cmd.plan")),
    "report": LazyCommand("plans", N_("cli.cmd.report")),
    "today": LazyCommand("today", N_("cli.cmd.today")),
    "log": LazyCommand("plans", N_("cli.cmd.log")),
    "hours": LazyCommand("plans", N_("cli.cmd.hours")),
    "milestones": LazyCommand("plans", N_("cli.cmd.milestones")),
    "content": LazyCommand("content", N_("cli.cmd.content")),
    "q": LazyCommand("questions", N_("cli.cmd.q")),
    "drill": LazyCommand("questions", N_("cli.cmd.drill")),
    "export-anki": LazyCommand("questions", N_("cli.cmd.export_anki")),
    "interview": LazyCommand("interviews", N_("cli.cmd.interview")),
    "exercise": LazyCommand("exercises", N_("cli.cmd.exercise")),
    "project": LazyCommand("projects", N_("cli.cmd.project")),
    "backup": LazyCommand("backup", N_("cli.cmd.backup")),
    "restore": LazyCommand("backup", N_("cli.cmd.restore")),
    "user": LazyCommand("teams", N_("cli.cmd.user")),
    "cohort": LazyCommand("teams", N_("cli.cmd.cohort")),
    "migrate": LazyCommand("server", N_("cli.cmd.migrate")),
    "settings": LazyCommand("server", N_("cli.cmd.settings")),
    "serve": LazyCommand("server", N_("cli.cmd.serve")),
    "worker": LazyCommand("worker", N_("cli.cmd.worker")),
}


class LazyGroup(TyperGroup):
    """The root group: resolves a command by importing its module on first use, and runs it in
    the language of the caller's environment (cli/language.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._groups: dict[str, TyperGroup] = {}
        self._listing = False
        speak_help(self)  # again in main(), in the language of the command line's run

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             *rest: Any, **extra: Any) -> Any:
        """Run a command line in the language chosen from the environment (GOCOACH_LANGUAGE,
        else the locale): the CLI server runs each command with its caller's environment."""
        with use_language(choose_language(os.environ)):
            speak_help(self)
            return super().main(args, prog_name, *rest, **extra)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """The root context; a usage error is said in the CLI's language."""
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            speak_typer()
            raise usage_error(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; usage errors and aborts are said in the CLI's language."""
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            speak_typer()
            raise usage_error(exc) from None
        except (typer.Abort, EOFError):
            speak_typer()
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, in the order of the table (the order of the help)."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A placeholder while the root help is printed, else the real command."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        command: click.Command | None = self.module_group(entry.module).get_command(ctx, cmd_name)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The root help, listing commands from the table without importing them."""
        self._listing = True
        speak_typer()
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def module_group(self, module: str) -> TyperGroup:
        """The commands one `gocoach.cli.<module>` registers, as a click group."""
        if module not in self._groups:
            sub = typer.Typer(rich_markup_mode="markdown")
            importlib.import_module(f"gocoach.cli.{module}").register(sub)
            self._groups[module] = typer.main.get_group(sub)
            name_metavars(self._groups[module])
            speak_help(self._groups[module])
        return self._groups[module]


app = typer.Typer(
    cls=LazyGroup,
    rich_markup_mode="markdown",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(help=N_("cli.cmd.gocoach"))
def gocoach() -> None:
    """gocoach — a self-hosted coach for Go engineers (Middle → Senior → Architect)."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="gocoach")
