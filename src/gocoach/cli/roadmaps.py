"""CLI commands for curricula: import, roadmaps, show, mark, export, history."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress as Bar
from rich.table import Table
from rich.tree import Tree

from gocoach.cli.context import (
    console,
    errors,
    fail,
    handle_errors,
    open_context,
    say_error,
    say_os_error,
    unit_of_work,
)
from gocoach.cli.language import N_, label, language, number, t, tn, words
from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.export import export_markdown
from gocoach.curricula.progress import RollUp, find_item, history, roll_up, set_status, statuses
from gocoach.curricula.roadmaps import (
    ImportReport,
    get_roadmap,
    import_document,
    list_roadmaps,
    load_nodes,
)
from gocoach.curricula.roadmapsh import pack_folder
from gocoach.startup import utc_now
from gocoach.store.tables import Node

STATUS_STYLE = {"done": "[green]✔ {status}[/]", "in_progress": "[yellow]◐ {status}[/]",
                "skipped": "[dim]⤼ {status}[/]", "todo": "[white]○ {status}[/]"}
STATUS_WORDS = {"done": N_("cli.status.done"), "in_progress": N_("cli.status.in_progress"),
                "skipped": N_("cli.status.skipped"), "todo": N_("cli.status.todo")}
# curricula.roadmaps: a status the document gives that the learner's progress already differs from
CONFLICT = re.compile(r"(?P<title>.+): document says (?P<document>\w+), your progress says "
                      r"(?P<yours>\w+)")


def register(app: typer.Typer) -> None:
    """Add the roadmap commands to the main app."""
    app.command("import", help=N_("cli.help.import"))(import_command)
    app.command("roadmaps", help=N_("cli.cmd.roadmaps"))(roadmaps_command)
    app.command("show", help=N_("cli.cmd.show"))(show_command)
    app.command("mark", help=N_("cli.cmd.mark"))(mark_command)
    app.command("export", help=N_("cli.cmd.export"))(export_command)
    app.command("history", help=N_("cli.cmd.history"))(history_command)


def status_word(status: str | None) -> str:
    """A status in the CLI's language ('in progress', 'в работе')."""
    return t(STATUS_WORDS[status]) if status in STATUS_WORDS else status or ""


def status_mark(status: str) -> str:
    """A status with its sign and colour: '[green]✔ done[/]'."""
    return STATUS_STYLE[status].format(status=status_word(status))


def read_file(path: Path, max_bytes: int) -> bytes:
    """A document's bytes, refusing missing and oversized files by name. A folder, or a .json
    file, is a roadmap.sh roadmap: its graph and content/ are packed into one bundle."""
    if not path.exists():
        raise DocumentError(t("cli.import.no_file", path=path))
    if path.is_dir() or path.suffix.lower() == ".json":
        return pack_folder(path, max_bytes=max_bytes)
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(t("cli.import.too_big", path=path,
                              size=number(size / 1048576, 1, fixed=True),
                              limit=number(max_bytes / 1048576, 1, fixed=True)))
    return path.read_bytes()


@handle_errors
def import_command(
    paths: Annotated[list[Path], typer.Argument(help=N_("cli.arg.import_paths"))],
    slug: Annotated[str | None, typer.Option(help=N_("cli.arg.import_slug"))] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("cli.arg.dry_run"))] = False,
    overwrite_progress: Annotated[
        bool, typer.Option("--overwrite-progress", help=N_("cli.arg.overwrite_progress"))
    ] = False,
) -> None:
    """Import roadmaps (any Markdown roadmap; mojibake is repaired). Re-import keeps progress."""
    if slug and len(paths) > 1:
        raise fail(t("cli.import.one_slug"))
    ctx = open_context()
    failed = 0
    with Bar(console=console, transient=True) as bar:
        task = bar.add_task(t("cli.import.progress"), total=len(paths))
        for path in paths:
            # Each file is its own transaction: a bad file is reported and the others still go.
            try:
                data = read_file(path, ctx.settings.max_import_bytes)
                with unit_of_work(ctx) as (session, user):
                    report = import_document(
                        session,
                        data=data,
                        name=str(path.resolve() if path.name in ("", ".", "..") else path),
                        slug=slug,
                        user=user,
                        now=utc_now(),
                        max_bytes=ctx.settings.max_import_bytes,
                        dry_run=dry_run,
                        overwrite_progress=overwrite_progress,
                    )
            except (LookupError, ValueError, OSError) as exc:
                failed += 1
                message = say_error(exc) if not isinstance(exc, OSError) else \
                    say_os_error(exc, path)
                errors.print(t("cli.err.line", message=message), highlight=False)
            else:
                _print_report(report)
            bar.advance(task)
    if failed:
        if len(paths) > 1:
            errors.print(t("cli.import.failed", failed=failed, total=len(paths)),
                         highlight=False)
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    verb = t("cli.import.would") if report.dry_run else \
        t("cli.import.imported") if report.created else t("cli.import.reimported")
    # English keeps the importer's own names of the counts (scripts and tests read them)
    counts = ", ".join(f"{v} {k if language() == 'en' else label('count.', k)}"
                       for k, v in report.counts.items())
    texts = words().import_texts(report)
    console.print(f"[bold]{verb}[/] [cyan]{report.slug}[/] — {report.title}", highlight=False)
    console.print(f"  {counts}", highlight=False)
    console.print(f"  {texts['decoding']}", highlight=False)
    if texts["notes"]:
        console.print(t("cli.import.read_as", notes="; ".join(texts["notes"])), highlight=False)
    if report.dry_run:
        _print_preview(report)
    if not report.created:
        console.print(t("cli.import.changes", added=len(report.added),
                        removed=len(report.removed), matched=len(report.rekeyed)))
    scores: list[float | None] = [*report.match_scores]
    scores += [None] * (len(report.rekeyed) - len(scores))
    for (old, new), score in zip(report.rekeyed, scores, strict=True):
        shown = (" " + t("cli.import.similarity", score=number(score, 2, fixed=True))
                 if score is not None else "")
        console.print(t("cli.import.matched", old=repr(old), new=repr(new), similarity=shown),
                      highlight=False)
    for title in report.orphaned:
        console.print(t("cli.import.orphaned", title=title), highlight=False)
    for conflict in report.conflicts:
        console.print(t("cli.import.conflict", what=_conflict(conflict)), highlight=False)
    if report.statuses_taken:
        console.print(tn("cli.import.statuses_taken", report.statuses_taken))
    for warning in texts["warnings"]:
        console.print(t("cli.import.warning", what=warning), highlight=False)


def _conflict(text: str) -> str:
    """'title: document says done, your progress says skipped' in the CLI's language."""
    found = CONFLICT.fullmatch(text)
    if found is None or language() == "en":
        return text
    return t("cli.import.statuses_differ", title=found["title"],
             document=status_word(found["document"]), yours=status_word(found["yours"]))


PREVIEW_LINES = 60


def _print_preview(report: ImportReport) -> None:
    """The tree the import would make: headings with tracked / reference counts, first items."""
    console.print(t("cli.import.preview"))
    for row in report.preview[:PREVIEW_LINES]:
        indent = "    " + "  " * row["depth"]
        counts = t("cli.import.row_counts", tracked=row["tracked"], reference=row["reference"])
        if row["kind"] == "more":
            more = t("cli.import.more_items")
            console.print(f"{indent}{more} {counts}", highlight=False)
        elif row["kind"] != "item":
            console.print(f"{indent}[bold]{escape(row['title'])}[/]  {counts}", highlight=False)
        else:
            mark = "[green]○[/]" if row["trackable"] else "[dim]·[/]"
            kind = row["item_kind"]
            tag = f" [dim]({label('kind.', kind)})[/]" if kind not in (None, "topic") else ""
            status = (f" [yellow]{status_word(row['status'])}[/]"
                      if row["status"] not in (None, "todo") else "")
            console.print(f"{indent}{mark} {escape(row['title'])}{tag}{status}", highlight=False)
    if len(report.preview) > PREVIEW_LINES:
        console.print(t("cli.import.more_lines", count=len(report.preview) - PREVIEW_LINES))


@handle_errors
def roadmaps_command() -> None:
    """List roadmaps with their progress."""
    ctx = open_context()
    table = Table(t("cli.roadmaps.id"), t("cli.roadmaps.title"), t("cli.roadmaps.kind"),
                  t("cli.roadmaps.items"), t("cli.roadmaps.done"), t("cli.roadmaps.progress"))
    with unit_of_work(ctx) as (session, user):
        for roadmap in list_roadmaps(session):
            total = roll_up(load_nodes(session, roadmap), statuses(session, user, roadmap)).get(
                None, RollUp()
            )
            table.add_row(
                roadmap.slug,
                roadmap.title,
                t("cli.kind.followups") if roadmap.kind == "followups" else
                label("kind.", roadmap.kind),
                str(total.total),
                str(total.done),
                _bar(total),
            )
    console.print(table)


def _bar(rollup: RollUp, width: int = 20) -> str:
    filled = round(width * rollup.percent / 100)
    return f"[green]{'█' * filled}[/][dim]{'░' * (width - filled)}[/] {rollup.percent:3d}%"


@handle_errors
def show_command(
    roadmap: Annotated[str, typer.Argument(help=N_("cli.arg.roadmap_listed"))],
    week: Annotated[int | None, typer.Option(help=N_("cli.arg.show_week"))] = None,
    all_items: Annotated[bool, typer.Option("--all", help=N_("cli.arg.show_all"))] = False,
) -> None:
    """Show a roadmap as a tree with item ids, statuses and progress."""
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        found = get_roadmap(session, roadmap)
        nodes = load_nodes(session, found)
        progress = statuses(session, user, found)
    rollups = roll_up(nodes, progress)
    if week is not None:
        nodes = _week_nodes(nodes, week)
        if not nodes:
            raise fail(t("cli.show.no_week", roadmap=roadmap, week=week))
    tree = Tree(f"[bold]{found.title}[/] {_bar(rollups.get(None, RollUp()))}")
    branches: dict[str | None, Tree] = {}
    for node in nodes:
        if node.kind == "item" and not (node.trackable or all_items):
            continue
        parent = branches.get(node.parent_key, tree)
        branches[node.key] = parent.add(_label(node, progress, rollups))
    console.print(tree)


def _label(node: Node, progress: Mapping[str, object], rollups: dict[str | None, RollUp]) -> str:
    if node.kind != "item":
        rollup = rollups.get(node.key)
        bar = f" {_bar(rollup, 10)}" if rollup else ""
        return f"[bold]{node.title}[/]{bar}"
    row = progress.get(node.key)
    status = getattr(row, "status", "todo")
    mark = status_mark(status) if node.trackable else "[dim]·[/]"
    kind = (f" [dim]({label('kind.', node.item_kind)})[/]"
            if node.item_kind not in (None, "topic") else "")
    note = " [blue]✎[/]" if getattr(row, "note", "") else ""
    return f"[dim]{node.key}[/] {mark} {node.title}{kind}{note}"


def _week_nodes(nodes: list[Node], week: int) -> list[Node]:
    """The subtree of the week heading that covers `week` (week number or week range)."""
    for node in nodes:
        lo, hi = node.meta.get("week_from"), node.meta.get("week_to")
        if node.kind == "week" and lo is not None and lo <= week <= (hi or lo):
            keep = {node.key}
            result = [node]
            for other in nodes:
                if other.parent_key in keep:
                    keep.add(other.key)
                    result.append(other)
            return result
    return []


@handle_errors
def mark_command(
    item: Annotated[str, typer.Argument(help=N_("cli.arg.mark_item"))],
    status: Annotated[str, typer.Argument(help=N_("cli.arg.mark_status"))],
    note: Annotated[str | None, typer.Option(help=N_("cli.arg.mark_note"))] = None,
    evidence: Annotated[list[str] | None, typer.Option(help=N_("cli.arg.mark_evidence"))] = None,
    roadmap: Annotated[str | None, typer.Option(help=N_("cli.arg.mark_roadmap"))] = None,
) -> None:
    """Set an item's status (todo, in_progress, done, skipped), with a note and evidence."""
    status = status.replace("-", "_")
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        found, node = find_item(session, item, roadmap)
        if not node.trackable:
            raise fail(t("cli.mark.reference", key=node.key, title=node.title, slug=found.slug))
        row = set_status(
            session,
            user=user,
            roadmap=found,
            key=node.key,
            status=status,
            note=note,
            evidence=evidence or (),
            now=utc_now(),
            source="cli",
        )
        total = roll_up(load_nodes(session, found), statuses(session, user, found)).get(
            None, RollUp()
        )
    console.print(f"{status_mark(row.status)} {node.title}", highlight=False)
    console.print(f"{found.slug}: {_bar(total)}")


@handle_errors
def export_command(
    roadmap: Annotated[str, typer.Argument(help=N_("cli.arg.roadmap"))],
    output: Annotated[Path | None, typer.Option("-o", "--output", help=N_("cli.arg.output"))] =
        None,
    style: Annotated[str, typer.Option(help=N_("cli.arg.export_style"))] = "obsidian",
) -> None:
    """Export a roadmap as Markdown with your statuses as checkboxes ([x] done)."""
    if output is not None and not output.parent.is_dir():
        raise fail(t("cli.err.no_folder", path=output.parent))
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        found = get_roadmap(session, roadmap)
        text = export_markdown(
            found, load_nodes(session, found), statuses(session, user, found), style=style
        )
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    output.write_text(text, encoding="utf-8")
    console.print(t("cli.wrote", path=output))


@handle_errors
def history_command(
    roadmap: Annotated[str, typer.Argument(help=N_("cli.arg.roadmap"))],
    limit: Annotated[int, typer.Option(help=N_("cli.arg.history_limit"))] = 20,
) -> None:
    """Show the latest changes of your progress in a roadmap."""
    ctx = open_context()
    table = Table(t("cli.history.when"), t("cli.history.item"), t("cli.history.from"),
                  t("cli.history.to"), t("cli.history.source"))
    with unit_of_work(ctx) as (session, user):
        found = get_roadmap(session, roadmap)
        titles = {n.key: n.title for n in load_nodes(session, found)}
        for event in history(session, user, found)[:limit]:
            table.add_row(
                event.at.strftime("%Y-%m-%d %H:%M"),
                titles.get(event.node_key, t("cli.history.gone", key=event.node_key)),
                status_word(event.previous_status),
                status_word(event.status),
                event.source,
            )
    console.print(table)
