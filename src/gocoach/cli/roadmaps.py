"""CLI commands for curricula: import, roadmaps, show, mark, export, history."""

from __future__ import annotations

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
    unit_of_work,
)
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
from gocoach.curricula.tree import STATUSES
from gocoach.startup import utc_now
from gocoach.store.tables import Node

STATUS_STYLE = {
    "done": "[green]✔ done[/]",
    "in_progress": "[yellow]◐ in progress[/]",
    "skipped": "[dim]⤼ skipped[/]",
    "todo": "[white]○ todo[/]",
}


def register(app: typer.Typer) -> None:
    """Add the roadmap commands to the main app."""
    app.command("import")(import_command)
    app.command("roadmaps")(roadmaps_command)
    app.command("show")(show_command)
    app.command("mark")(mark_command)
    app.command("export")(export_command)
    app.command("history")(history_command)


def read_file(path: Path, max_bytes: int) -> bytes:
    """A document's bytes, refusing missing and oversized files by name. A folder, or a .json
    file, is a roadmap.sh roadmap: its graph and content/ are packed into one bundle."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file")
    if path.is_dir() or path.suffix.lower() == ".json":
        return pack_folder(path, max_bytes=max_bytes)
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            f"{path}: the file is {size / 1048576:.1f} MB; the limit is "
            f"{max_bytes / 1048576:.1f} MB (GOCOACH_MAX_IMPORT_BYTES)"
        )
    return path.read_bytes()


@handle_errors
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Markdown roadmaps, or roadmap.sh folders (or their .json, .zip)."),
    ],
    slug: Annotated[str | None, typer.Option(help="Store under this id (one file only).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    overwrite_progress: Annotated[
        bool,
        typer.Option(
            "--overwrite-progress", help="Let checked boxes in the file replace your statuses."
        ),
    ] = False,
) -> None:
    """Import roadmaps (any Markdown roadmap; mojibake is repaired). Re-import keeps progress."""
    if slug and len(paths) > 1:
        raise fail("--slug takes one file")
    ctx = open_context()
    failed = 0
    with Bar(console=console, transient=True) as bar:
        task = bar.add_task("importing", total=len(paths))
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
                message = str(exc) if not isinstance(exc, OSError) else f"{path}: {exc.strerror}"
                errors.print(f"[bold red]error:[/] {message}", highlight=False)
            else:
                _print_report(report)
            bar.advance(task)
    if failed:
        if len(paths) > 1:
            errors.print(f"{failed} of {len(paths)} files not imported", highlight=False)
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    verb = "would import" if report.dry_run else ("imported" if report.created else "re-imported")
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    console.print(f"[bold]{verb}[/] [cyan]{report.slug}[/] — {report.title}", highlight=False)
    console.print(f"  {counts}", highlight=False)
    console.print(f"  {report.decoding}", highlight=False)
    if report.notes:
        console.print(f"  read as: {'; '.join(report.notes)}", highlight=False)
    if report.dry_run:
        _print_preview(report)
    if not report.created:
        console.print(
            f"  {len(report.added)} items added, {len(report.removed)} removed, "
            f"{len(report.rekeyed)} matched to edited items"
        )
    scores: list[float | None] = [*report.match_scores]
    scores += [None] * (len(report.rekeyed) - len(scores))
    for (old, new), score in zip(report.rekeyed, scores, strict=True):
        shown = f" (similarity {score:.2f})" if score is not None else ""
        console.print(f"  [yellow]matched[/] {old!r} → {new!r}{shown}", highlight=False)
    for title in report.orphaned:
        console.print(f"  [red]unmatched, progress kept in history:[/] {title}", highlight=False)
    for conflict in report.conflicts:
        console.print(f"  [red]kept your status:[/] {conflict}", highlight=False)
    if report.statuses_taken:
        console.print(f"  {report.statuses_taken} statuses taken from the document's checkboxes")
    for warning in report.warnings:
        console.print(f"  [red]warning:[/] {warning}", highlight=False)


PREVIEW_LINES = 60


def _print_preview(report: ImportReport) -> None:
    """The tree the import would make: headings with tracked / reference counts, first items."""
    console.print("  preview ([green]○[/] tracked, [dim]·[/] reference):")
    for row in report.preview[:PREVIEW_LINES]:
        indent = "    " + "  " * row["depth"]
        counts = f"[dim]{row['tracked']} tracked, {row['reference']} reference[/]"
        if row["kind"] == "more":
            console.print(f"{indent}[dim]… and more items:[/] {counts}", highlight=False)
        elif row["kind"] != "item":
            console.print(f"{indent}[bold]{escape(row['title'])}[/]  {counts}", highlight=False)
        else:
            mark = "[green]○[/]" if row["trackable"] else "[dim]·[/]"
            kind = row["item_kind"]
            tag = f" [dim]({kind})[/]" if kind not in (None, "topic") else ""
            status = f" [yellow]{row['status']}[/]" if row["status"] not in (None, "todo") else ""
            console.print(f"{indent}{mark} {escape(row['title'])}{tag}{status}", highlight=False)
    if len(report.preview) > PREVIEW_LINES:
        console.print(f"    [dim]… {len(report.preview) - PREVIEW_LINES} more lines[/]")


@handle_errors
def roadmaps_command() -> None:
    """List roadmaps with their progress."""
    ctx = open_context()
    table = Table("id", "title", "kind", "items", "done", "progress")
    with unit_of_work(ctx) as (session, user):
        for roadmap in list_roadmaps(session):
            total = roll_up(load_nodes(session, roadmap), statuses(session, user, roadmap)).get(
                None, RollUp()
            )
            table.add_row(
                roadmap.slug,
                roadmap.title,
                roadmap.kind,
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
    roadmap: Annotated[str, typer.Argument(help="Roadmap id (see `gocoach roadmaps`).")],
    week: Annotated[int | None, typer.Option(help="Only this week of the plan.")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Also show non-task bullets.")] = False,
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
            raise fail(f"roadmap '{roadmap}' has no week {week}")
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
    mark = STATUS_STYLE[status] if node.trackable else "[dim]·[/]"
    kind = f" [dim]({node.item_kind})[/]" if node.item_kind not in (None, "topic") else ""
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
    item: Annotated[str, typer.Argument(help="Item id (or its first 4+ characters).")],
    status: Annotated[str, typer.Argument(help=f"One of: {', '.join(STATUSES)}.")],
    note: Annotated[
        str | None, typer.Option(help="A Markdown note (replaces the old one).")
    ] = None,
    evidence: Annotated[list[str] | None, typer.Option(help="A link proving the work.")] = None,
    roadmap: Annotated[str | None, typer.Option(help="Look the item up in this roadmap.")] = None,
) -> None:
    """Set an item's status (todo, in_progress, done, skipped), with a note and evidence."""
    status = status.replace("-", "_")
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        found, node = find_item(session, item, roadmap)
        if not node.trackable:
            raise LookupError(
                f"item {node.key} ({node.title}) is reference text in '{found.slug}', not a "
                "tracked item; `gocoach show ROADMAP` lists the tracked ones"
            )
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
    console.print(f"{STATUS_STYLE[row.status]} {node.title}", highlight=False)
    console.print(f"{found.slug}: {_bar(total)}")


@handle_errors
def export_command(
    roadmap: Annotated[str, typer.Argument(help="Roadmap id.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    style: Annotated[
        str,
        typer.Option(
            help="obsidian: [x] [/] [-] [ ]; github: only [x] and [ ], in-progress and skipped "
            "marked in text."
        ),
    ] = "obsidian",
) -> None:
    """Export a roadmap as Markdown with your statuses as checkboxes ([x] done)."""
    if output is not None and not output.parent.is_dir():
        raise ValueError(f"{output.parent}: no such folder (create it first)")
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
    console.print(f"wrote {output}")


@handle_errors
def history_command(
    roadmap: Annotated[str, typer.Argument(help="Roadmap id.")],
    limit: Annotated[int, typer.Option(help="How many changes to show.")] = 20,
) -> None:
    """Show the latest changes of your progress in a roadmap."""
    ctx = open_context()
    table = Table("when", "item", "from", "to", "source")
    with unit_of_work(ctx) as (session, user):
        found = get_roadmap(session, roadmap)
        titles = {n.key: n.title for n in load_nodes(session, found)}
        for event in history(session, user, found)[:limit]:
            table.add_row(
                event.at.strftime("%Y-%m-%d %H:%M"),
                titles.get(event.node_key, f"{event.node_key} (gone)"),
                event.previous_status or "",
                event.status,
                event.source,
            )
    console.print(table)
