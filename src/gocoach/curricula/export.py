"""Export a roadmap back to Markdown: the original text with only its checkbox lines changed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gocoach.curricula.tree import STATUS_CHECKBOX
from gocoach.store.tables import Node, Progress, Roadmap

BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+]|\d+[.)])\s+(?P<box>\[[ xX/~-]\]\s+)?")
PLAIN_BOX = re.compile(r"^\[[ xX/~-]\]\s+")
TABLE_CELL = re.compile(r"^(?P<lead>\s*\|\s*)(?P<box>\[[ xX/~-]\]\s+)?")


def export_markdown(roadmap: Roadmap, nodes: Sequence[Node], progress: dict[str, Progress]) -> str:
    """Markdown with `- [x]` for done items (`[/]` in progress, `[-]` skipped, `[ ]` todo)."""
    if not roadmap.source_text:
        return _generated(roadmap, nodes, progress)
    lines = roadmap.source_text.split("\n")
    for node in nodes:
        if node.kind != "item" or not node.trackable or not node.line_start:
            continue
        row = progress.get(node.key)
        box = f"[{STATUS_CHECKBOX[row.status if row else 'todo']}] "
        index = node.line_start - 1
        if 0 <= index < len(lines) and roadmap.kind == "followups":
            lines[index] = box + PLAIN_BOX.sub("", lines[index])
        elif 0 <= index < len(lines):
            lines[index] = _with_box(lines[index], box)
    return "\n".join(lines)


def _with_box(line: str, box: str) -> str:
    bullet = BULLET.match(line)
    if bullet:
        head = f"{bullet['indent']}{bullet['marker']} "
        return head + box + line[bullet.end() :]
    cell = TABLE_CELL.match(line)
    if line.lstrip().startswith("|") and cell:
        return cell["lead"] + box + line[cell.end() :]
    if line.strip():
        stripped = line.lstrip()
        return f"{line[: len(line) - len(stripped)]}- {box}{stripped}"
    return line


def _generated(roadmap: Roadmap, nodes: Sequence[Node], progress: dict[str, Progress]) -> str:
    """A Markdown rendering of the tree, for documents that are not Markdown themselves."""
    out = [f"# {roadmap.title}", ""]
    for node in nodes:
        if node.kind == "item":
            row = progress.get(node.key)
            out.append(f"- [{STATUS_CHECKBOX[row.status if row else 'todo']}] {node.title}")
        else:
            out += ["", f"{'#' * min(node.depth + 2, 6)} {node.title}", ""]
    return "\n".join(out).strip() + "\n"
