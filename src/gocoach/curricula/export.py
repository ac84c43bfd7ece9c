"""Export a roadmap back to Markdown: the original text with only its checkbox lines changed.

Two styles:
- "obsidian" (the default): `[x]` done, `[/]` in progress, `[-]` skipped, `[ ]` todo. Obsidian
  and gocoach's own import read all four; CommonMark task-list renderers (GitHub, markdown-it's
  tasklists plugin) show `[/]` and `[-]` as plain text.
- "github": only `[ ]` and `[x]`, each on a list item (`- `); in-progress and skipped items get
  `[ ]` and a trailing marker (` *(in progress)*`, ` *(skipped)*`). Meant for reading: importing
  it back reads those two as todo, and the marker becomes part of the item's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gocoach.curricula.tree import STATUS_CHECKBOX
from gocoach.store.tables import Node, Progress, Roadmap

BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+]|\d+[.)])\s+(?P<box>\[[ xX/~-]\]\s+)?")
PLAIN_BOX = re.compile(r"^\[[ xX/~-]\]\s+")
TABLE_CELL = re.compile(r"^(?P<lead>\s*\|\s*)(?P<box>\[[ xX/~-]\]\s+)?")
CELL_END = re.compile(r"(?<!\\)\|")
STYLES = ("obsidian", "github")
GITHUB_MARKERS = {"in_progress": " *(in progress)*", "skipped": " *(skipped)*"}


def export_markdown(roadmap: Roadmap, nodes: Sequence[Node], progress: dict[str, Progress],
                    *, style: str = "obsidian") -> str:
    """Markdown with `- [x]` for done items (`[/]` in progress, `[-]` skipped, `[ ]` todo).

    `style="github"` writes only `[ ]` and `[x]`, with a trailing marker for in-progress and
    skipped items; a ValueError names the styles for any other value.
    """
    if style not in STYLES:
        raise ValueError(f"unknown export style '{style}' (use {' or '.join(STYLES)})")
    if not roadmap.source_text or roadmap.meta.get("source_format") == "roadmap.sh":
        return _generated(roadmap, nodes, progress, style)  # roadmap.sh: the source is JSON
    lines = roadmap.source_text.split("\n")
    for node in nodes:
        if node.kind != "item" or not node.trackable or not node.line_start:
            continue
        row = progress.get(node.key)
        box, marker = _box(row.status if row else "todo", style)
        index = node.line_start - 1
        if 0 <= index < len(lines) and roadmap.kind == "followups":
            bullet = "- " if style == "github" else ""  # a list item, so renderers see a task
            lines[index] = bullet + box + _ended(PLAIN_BOX.sub("", lines[index]), marker)
        elif 0 <= index < len(lines):
            lines[index] = _with_box(lines[index], box, marker)
    return "\n".join(lines)


def _box(status: str, style: str) -> tuple[str, str]:
    """The checkbox (with its space) and the trailing marker of a status in a style."""
    if style == "github" and status in GITHUB_MARKERS:
        return "[ ] ", GITHUB_MARKERS[status]
    return f"[{STATUS_CHECKBOX[status]}] ", ""


def _with_box(line: str, box: str, marker: str = "") -> str:
    bullet = BULLET.match(line)
    if bullet:
        head = f"{bullet['indent']}{bullet['marker']} "
        return head + box + _ended(line[bullet.end() :], marker)
    cell = TABLE_CELL.match(line)
    if line.lstrip().startswith("|") and cell:
        rest = line[cell.end() :]
        end = CELL_END.search(rest) if marker else None
        if end:  # the marker ends the first cell, so the row keeps its columns
            rest = rest[: end.start()].rstrip() + marker + " " + rest[end.start() :]
        return cell["lead"] + box + (rest if end else _ended(rest, marker))
    if line.strip():
        stripped = line.lstrip()
        return f"{line[: len(line) - len(stripped)]}- {box}{_ended(stripped, marker)}"
    return line


def _ended(text: str, marker: str) -> str:
    """`text` with the marker at its end (the text unchanged when there is no marker)."""
    return text.rstrip() + marker if marker else text


def _generated(roadmap: Roadmap, nodes: Sequence[Node], progress: dict[str, Progress],
               style: str) -> str:
    """A Markdown rendering of the tree, for documents that are not Markdown themselves:
    sub-items indented under their item, reference items (links) without a box."""
    out = [f"# {roadmap.title}", ""]
    nesting: dict[str, int] = {}
    for node in nodes:
        if node.kind == "item":
            nesting[node.key] = nesting[node.parent_key] + 1 if node.parent_key in nesting else 0
            indent = "  " * nesting[node.key]
            if not node.trackable:
                url = node.meta.get("url") if isinstance(node.meta, dict) else None
                out.append(f"{indent}- [{node.title}]({url})" if url else f"{indent}- {node.title}")
                continue
            row = progress.get(node.key)
            box, marker = _box(row.status if row else "todo", style)
            out.append(f"{indent}- {box}{node.title}{marker}")
        else:
            out += ["", f"{'#' * min(node.depth + 2, 6)} {node.title}", ""]
    return "\n".join(out).strip() + "\n"
