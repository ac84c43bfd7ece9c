"""The `gocoach` command: a Typer app whose command groups are imported only when used.

`gocoach --help` lists every command from the table below without importing any of them; a
command's module (and the features it needs) is imported when that command runs or shows its
own help. `tests/test_cli_main.py` checks that the table matches the commands' real help.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer import _click as click  # the click that Typer vendors and types against
from typer.core import TyperCommand, TyperGroup

from gocoach.cli.helptext import name_metavars


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives (a module of `gocoach.cli`) and its one-line help."""

    module: str
    help: str


COMMANDS: dict[str, LazyCommand] = {
    "import": LazyCommand(
        "roadmaps",
        "Import roadmaps (any Markdown roadmap; mojibake is repaired).",
    ),
    "roadmaps": LazyCommand("roadmaps", "List roadmaps with their progress."),
    "show": LazyCommand(
        "roadmaps",
        "Show a roadmap as a tree with item ids, statuses and progress.",
    ),
    "mark": LazyCommand(
        "roadmaps",
        "Set an item's status (todo, in_progress, done, skipped), with a note and "
        "evidence.",
    ),
    "export": LazyCommand(
        "roadmaps",
        "Export a roadmap as Markdown with your statuses as checkboxes ([x] done).",
    ),
    "history": LazyCommand("roadmaps", "Show the latest changes of your progress in a roadmap."),
    "plan": LazyCommand("plans", "Make, show and re-plan your study plan."),
    "report": LazyCommand("plans", "Weekly reports: draft, show, export."),
    "today": LazyCommand(
        "today",
        "The day's agenda: this week's items, what is late, cards due, exercises, pace.",
    ),
    "log": LazyCommand("plans", "Log study time by hand, for an item or for the day."),
    "hours": LazyCommand("plans", "Hours logged per plan week against the weekly budget."),
    "milestones": LazyCommand(
        "plans",
        "The plan's milestones checked against your data, and the final success criteria.",
    ),
    "content": LazyCommand("content", "Check, verify and load the question bank."),
    "q": LazyCommand("questions", "Read and search the question bank."),
    "drill": LazyCommand("questions", "Spaced-repetition drills (FSRS) over the question bank."),
    "export-anki": LazyCommand(
        "questions",
        "Write the question bank as an Anki deck (.apkg): one note per card, module as a "
        "tag.",
    ),
    "interview": LazyCommand(
        "interviews",
        "Mock interviews: timed sessions with follow-ups and a scorecard.",
    ),
    "exercise": LazyCommand(
        "exercises",
        "Go exercises in your own editor: list, start, test, submit.",
    ),
    "project": LazyCommand(
        "projects",
        "Capstone projects checked stage by stage: list, show, start, test, submit.",
    ),
    "backup": LazyCommand(
        "backup",
        "Write all user data (users, progress, history, imported roadmaps) to a JSON "
        "file.",
    ),
    "restore": LazyCommand(
        "backup",
        "Restore user data from a backup; existing progress is kept unless --replace.",
    ),
    "user": LazyCommand(
        "teams",
        "Accounts for server mode: add, list, passwd, role, disable, invite.",
    ),
    "cohort": LazyCommand("teams", "Cohorts: create, list, add-member, add-mentor, show, "
                                   "export."),
    "migrate": LazyCommand(
        "server",
        "Bring the database schema up to date (also done by `serve`).",
    ),
    "settings": LazyCommand(
        "server",
        "List the settings (environment variables GOCOACH_*) with their current values.",
    ),
    "serve": LazyCommand(
        "server",
        "Start the web app (migrates and loads the bundled curricula first).",
    ),
    "worker": LazyCommand(
        "worker",
        "Grade web submissions from the PostgreSQL job queue (team mode); Ctrl+C stops.",
    ),
}


class LazyGroup(TyperGroup):
    """The root group: resolves a command by importing its module on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._groups: dict[str, TyperGroup] = {}
        self._listing = False

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
        return self._groups[module]


app = typer.Typer(
    cls=LazyGroup,
    rich_markup_mode="markdown",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def gocoach() -> None:
    """gocoach — a self-hosted coach for Go engineers (Middle → Senior → Architect)."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="gocoach")
