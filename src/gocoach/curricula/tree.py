"""The parsed shape of a curriculum: a tree of structural nodes and items, before storage."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

STRUCTURAL_KINDS = frozenset({"tier", "month", "stage", "phase", "week", "day", "numbered"})
STATUSES = ("todo", "in_progress", "done", "skipped")
CHECKBOX_STATUS = {
    " ": "todo",
    "x": "done",
    "X": "done",
    "/": "in_progress",
    "~": "in_progress",
    "-": "skipped",
}
STATUS_CHECKBOX = {"todo": " ", "done": "x", "in_progress": "/", "skipped": "-"}


@dataclass
class ParsedNode:
    """A heading (kind: tier, month, week, section, ...) or an item (kind: item)."""

    kind: str
    title: str
    line: int | None = None
    line_end: int | None = None
    item_kind: str | None = None
    checkbox: bool = False
    status: str | None = None
    trackable: bool = False
    body: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    children: list[ParsedNode] = field(default_factory=list)
    key: str = ""

    @property
    def is_item(self) -> bool:
        """Items are the leaves a learner marks; headings group them."""
        return self.kind == "item"

    def walk(self) -> Iterator[ParsedNode]:
        """This node and all below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ParsedRoadmap:
    """A whole document: title, kind (roadmap, track, followups) and the tree under a root."""

    title: str
    kind: str
    root: ParsedNode
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the parser made of the document

    def nodes(self) -> Iterator[ParsedNode]:
        """Every node below the root, in document order."""
        for child in self.root.children:
            yield from child.walk()

    def items(self) -> list[ParsedNode]:
        """Every item, in document order."""
        return [n for n in self.nodes() if n.is_item]


def normalize_title(text: str) -> str:
    """Lowercase, ё→е, collapsed spaces, no end punctuation: the form keys and matching use.
    Emoji variation selectors are left out: mojibake repair cannot always bring them back."""
    text = text.lower().replace("ё", "е").replace("\ufe0f", "").replace("\ufe0e", "")
    text = re.sub(r"[\"'«»“”„`*_]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" .:;,!?—–-")


def assign_keys(roadmap: ParsedRoadmap) -> None:
    """Give every node a stable key from its path of titles (with a counter for duplicates)."""
    _assign(roadmap.root, "")


def _assign(node: ParsedNode, path: str) -> None:
    seen: dict[str, int] = {}
    for child in node.children:
        name = f"{child.kind}:{normalize_title(child.title)}"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}#{seen[name]}"
        child_path = f"{path}/{name}"
        child.key = hashlib.sha1(child_path.encode("utf-8")).hexdigest()[:10]
        _assign(child, child_path)
