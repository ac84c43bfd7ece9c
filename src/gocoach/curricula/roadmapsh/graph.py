"""The current roadmap.sh format: a React Flow graph, `{"nodes": [...], "edges": [...]}`.

Nodes of type `topic` and `subtopic` are what one learns; title, label, paragraph, button,
section, vertical … are drawing. `content/<slug>@<node id>.md` describes a node. A subtopic goes:
- under the topic an edge joins it to (either way; the nearest topic when several);
- else into the group it is drawn in: a `section` box around it, named by the label or
  paragraph inside the box, or a paragraph or label an edge runs from to it («AI / ML
  Fundamentals» → «Supervised Learning»; an edge from a subtopic to a heading is the path
  going on, not membership). A named group becomes a heading (a section, not
  tracked); an unnamed box goes under the topic nearest to it, when one is close;
- else, drawn in a column right under or over a placed subtopic, it joins that one's parent;
- else it stays at the top, in reading order.
Topics never become children, so cycles and dangling edges change nothing.
"""

from __future__ import annotations

import math
import posixpath
import re
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from typing import Any

from gocoach.curricula.roadmapsh.topics import (
    Reading,
    Topic,
    clean_label,
    mapping_of,
    sort_topics,
    to_number,
)

LEARNING = ("topic", "subtopic")
HEADINGS = ("paragraph", "label")
CONTENT_ID = re.compile(r"@([^/@]+)\.md$", re.I)
NEAR_TOPIC = 400.0  # an unnamed box this close to a topic (centre to centre) belongs to it
COLUMN_X, COLUMN_Y = 15.0, 80.0  # one column: centres this far apart across, and down


@dataclass(frozen=True)
class _Shape:
    """A drawn node: its id, type, text and rectangle."""

    ident: str
    kind: str
    title: str
    left: float
    top: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.left + self.width and self.top <= y <= self.top + self.height


def read_graph(graph: dict[str, Any]) -> Reading:
    """Topics with their subtopics, named groups, and the graph's title."""
    reading = Reading()
    learning: dict[str, Topic] = {}
    shapes: list[_Shape] = []
    for node in graph["nodes"]:
        if not isinstance(node, dict):
            reading.skip("entries that are not nodes")
            continue
        shape = _shape(node)
        if shape.kind not in LEARNING:
            shapes.append(shape)
        elif not shape.ident.strip() or not shape.title:
            reading.skip("topics without an id or a text label")
        elif shape.ident in learning:
            reading.skip("topics with a repeated id")
        else:
            x, y = shape.centre
            learning[shape.ident] = Topic(shape.ident, shape.title, shape.kind, x, y)
    edges = graph.get("edges")
    parents = _joined(edges, learning, {k: t for k, t in learning.items() if t.kind == "topic"})
    for topic in learning.values():
        parent = parents.get(topic.ident) if topic.kind == "subtopic" else None
        if parent:
            learning[parent].children.append(topic)
    loose = [t for t in learning.values() if t.kind == "topic" or t.ident not in parents]
    reading.topics = _grouped(loose, shapes, edges, reading)
    sort_topics(reading.topics)
    titles = sorted((s.top, s.left, s.title) for s in shapes if s.kind == "title" and s.title)
    reading.title = titles[0][2] if titles else None
    return reading


def _shape(node: dict[str, Any]) -> _Shape:
    """A node's rectangle: position and size (`width`, else `measured`), 0 where not a number."""
    position, measured = mapping_of(node.get("position")), mapping_of(node.get("measured"))
    ident = node.get("id")
    return _Shape(
        ident=ident if isinstance(ident, str) else "",
        kind=str(node.get("type")),
        title=clean_label(mapping_of(node.get("data")).get("label")),
        left=to_number(position.get("x")),
        top=to_number(position.get("y")),
        width=to_number(node.get("width")) or to_number(measured.get("width")),
        height=to_number(node.get("height")) or to_number(measured.get("height")),
    )


def _joined(
    edges: Any, learning: dict[str, Topic], anchors: dict[str, Any], *, outgoing: bool = False
) -> dict[str, str]:
    """For each subtopic an edge joins to one of `anchors`: that anchor (the nearest when
    several). Only subtopic–anchor edges count, so cycles change nothing; with `outgoing`, only
    edges from the anchor (an edge from a subtopic to a heading is the path leaving a column).
    """
    linked: dict[str, set[str]] = {}
    for edge in edges if isinstance(edges, list) else ():
        if not isinstance(edge, dict):
            continue
        source, target = edge.get("source"), edge.get("target")
        pairs = ((target, source),) if outgoing else ((source, target), (target, source))
        for one, other in pairs:
            if not (isinstance(one, str) and isinstance(other, str) and other in anchors):
                continue
            sub = learning.get(one)
            if sub is not None and sub.kind == "subtopic":
                linked.setdefault(one, set()).add(other)
    return {
        sub: min(found, key=lambda a: (_distance(learning[sub], anchors[a]), a))
        for sub, found in linked.items()
    }


def _distance(a: Topic, b: Topic | _Shape) -> float:
    x, y = (b.x, b.y) if isinstance(b, Topic) else b.centre
    return math.hypot(a.x - x, a.y - y)


def _grouped(loose: list[Topic], shapes: list[_Shape], edges: Any, reading: Reading) -> list[Topic]:
    """The top of the tree: topics, named groups of subtopics, and subtopics in no group."""
    topics = [t for t in loose if t.kind == "topic"]
    subtopics = {t.ident: t for t in loose if t.kind == "subtopic"}
    boxes = sorted(
        (s for s in shapes if s.kind == "section" and s.width and s.height),
        key=lambda s: s.width * s.height,
    )
    headings = {s.ident: s for s in shapes if s.kind in HEADINGS and s.title and s.ident}
    by_edge = _joined(edges, subtopics, headings, outgoing=True)
    groups: dict[str, list[Topic]] = {}
    top: list[Topic] = list(topics)
    for sub in subtopics.values():
        box = next((b for b in boxes if b.holds(sub.x, sub.y)), None)
        where = box.ident if box else by_edge.get(sub.ident)
        if where is None:
            top.append(sub)
        else:
            groups.setdefault(where, []).append(sub)
    for where, members in groups.items():
        box = next((b for b in boxes if b.ident == where), None)
        name = headings.get(where) if box is None else _named_by(box, headings.values())
        if name is not None:
            x, y = name.centre
            top.append(Topic(where, name.title, "group", x, y, children=members))
            reading.grouped += len(members)
            continue
        owner = min(topics, key=lambda t: _distance(t, box), default=None) if box else None
        if owner is not None and box is not None and _distance(owner, box) <= NEAR_TOPIC:
            owner.children.extend(members)
            reading.boxed += len(members)
        else:
            top.extend(members)
    return _stacked(top, reading)


def _stacked(top: list[Topic], reading: Reading) -> list[Topic]:
    """A subtopic in no group, drawn in a column right above or below a placed one, joins
    that one's topic or group (roadmap.sh often joins only the first of a column). Columns are
    walked from the placed subtopics outwards, top first, through an index by column and height,
    so a hostile graph of thousands of nodes stays fast."""
    home = {c.ident: t for t in top if t.kind != "subtopic" for c in t.children}
    columns: dict[int, list[tuple[float, str, Topic]]] = {}
    for sub in (t for t in top if t.kind == "subtopic"):
        columns.setdefault(int(sub.x // COLUMN_X), []).append((sub.y, sub.ident, sub))
    for entries in columns.values():
        entries.sort(key=lambda e: (e[0], e[1]))
    queue = deque(
        sorted(
            (c for t in top if t.kind != "subtopic" for c in t.children),
            key=lambda c: (c.y, c.x, c.ident),
        )
    )
    while queue:
        placed = queue.popleft()
        column = int(placed.x // COLUMN_X)
        for index in (column - 1, column, column + 1):
            entries = columns.get(index, [])
            low = bisect_left(entries, placed.y - COLUMN_Y, key=lambda e: e[0])
            position = low
            while position < len(entries) and entries[position][0] <= placed.y + COLUMN_Y:
                _, ident, sub = entries[position]
                if abs(sub.x - placed.x) > COLUMN_X:
                    position += 1
                    continue
                del entries[position]  # placed: out of the index, never scanned again
                home[ident] = home[placed.ident]
                home[ident].children.append(sub)
                reading.stacked += 1
                queue.append(sub)
    return [t for t in top if t.ident not in home]


def _named_by(box: _Shape, headings: Any) -> _Shape | None:
    """The label or paragraph drawn inside a box (the topmost), which names it."""
    inside = [h for h in headings if box.holds(*h.centre)]
    return min(inside, key=lambda h: (h.top, h.left), default=None)


def match_by_id(topics: list[Topic], content: dict[str, str]) -> None:
    """`content/<slug>@<node id>.md` describes the node with that id."""
    by_id: dict[str, str] = {}
    for rel in sorted(content):
        found = CONTENT_ID.search(posixpath.basename(rel))
        if found:
            by_id.setdefault(found.group(1), rel)
    for top in topics:
        for topic in top.walk():
            topic.content = by_id.get(topic.ident)
