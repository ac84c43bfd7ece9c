"""The legacy roadmap.sh format: a Balsamiq mockup, `{"mockup": {"controls": {"control": [...]}}}`.

A `__group__` control named `100-go-basics` is a topic, `101-go-basics:variables` a subtopic (the
number orders it among its siblings), `a:b:c` a sub-sub-item; its Label children give the text.
`content/100-go-basics/index.md` and `content/100-go-basics/101-variables.md` describe them.
Arrows, canvases, `ext_link:` groups and small labels are drawing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.roadmapsh.topics import (
    MAX_DEPTH,
    Reading,
    Topic,
    clean_label,
    sort_topics,
    to_number,
)
from gocoach.curricula.tree import normalize_title

NUMBERED = re.compile(r"^(\d+)-(.+)$")
SLUG = re.compile(r"^[\w.-]+$")


def read_mockup(mockup: dict[str, Any], *, name: str) -> Reading:
    controls = mockup.get("controls")
    listed = controls.get("control") if isinstance(controls, dict) else None
    if not isinstance(listed, list):
        raise DocumentError(f'{name}: a roadmap.sh mockup without "controls": {{"control": [...]}}')
    reading = Reading()
    found: list[Topic] = []
    headings: list[tuple[float, float, float, str]] = []
    for control, x, y, top in _controls(listed):
        if control.get("typeID") == "Label" and top:
            properties = control.get("properties") or {}
            text = clean_label(properties.get("text")) if isinstance(properties, dict) else ""
            if text and to_number(properties.get("size")) >= 24:
                headings.append((y, x, -to_number(properties.get("size")), text))
            continue
        topic = _mockup_topic(control, x, y, reading)
        if topic is not None:
            found.append(topic)
    by_path: dict[tuple[str, ...], Topic] = {}
    seen: dict[tuple[str, ...], int] = {}
    for topic in sorted(found, key=lambda t: (len(t.path), t.order, t.y, t.x)):
        seen[topic.path] = seen.get(topic.path, 0) + 1
        if seen[topic.path] > 1:  # two groups with one name: the later ones get a suffix
            topic.ident = f"{topic.ident}#{seen[topic.path]}"
            reading.repeated += 1
        by_path.setdefault(topic.path, topic)
    for topic in found:
        parent = next(
            (
                by_path[topic.path[:n]]
                for n in range(len(topic.path) - 1, 0, -1)
                if topic.path[:n] in by_path
            ),
            None,
        )
        (parent.children if parent else reading.topics).append(topic)
    sort_topics(reading.topics)
    reading.title = min(headings)[3] if headings else None
    return reading


def _controls(listed: list[Any]) -> Iterator[tuple[dict[str, Any], float, float, bool]]:
    """Every control with its page position; groups without a name are opened (a link box
    may hold named groups), to a fixed depth."""
    stack: list[tuple[Any, float, float, int]] = [(c, 0.0, 0.0, 0) for c in reversed(listed)]
    while stack:
        control, dx, dy, depth = stack.pop()
        if not isinstance(control, dict):
            continue
        x, y = dx + to_number(control.get("x")), dy + to_number(control.get("y"))
        yield control, x, y, depth == 0
        properties = control.get("properties")
        named = isinstance(properties, dict) and "controlName" in properties
        if control.get("typeID") == "__group__" and not named and depth < MAX_DEPTH:
            stack.extend((c, x, y, depth + 1) for c in reversed(_children(control)))


def _children(control: dict[str, Any]) -> list[Any]:
    children = control.get("children")
    controls = children.get("controls") if isinstance(children, dict) else None
    listed = controls.get("control") if isinstance(controls, dict) else None
    return listed if isinstance(listed, list) else []


def _mockup_topic(control: dict[str, Any], x: float, y: float, reading: Reading) -> Topic | None:
    """A named group (`100-go-basics`, `101-go-basics:variables`) as a topic, else None."""
    if control.get("typeID") != "__group__":
        return None
    properties = control.get("properties")
    name = properties.get("controlName") if isinstance(properties, dict) else None
    if not isinstance(name, str) or name.startswith("ext_link:"):
        return None
    parts = [p.strip() for p in name.split(":")]
    slugs = [NUMBERED.sub(r"\2", p) for p in parts]
    if len(parts) > MAX_DEPTH or not all(SLUG.match(s) for s in slugs):
        reading.skip("groups with a name that is not a topic slug")
        return None
    title = _group_title(_children(control))
    if not title:
        reading.skip("topics without an id or a text label")
        return None
    number = NUMBERED.match(parts[0])
    return Topic(
        ident="/".join(slugs),
        title=title,
        kind="topic" if len(parts) == 1 else "subtopic",
        x=x,
        y=y,
        order=float(number.group(1)) if number else math.inf,
        path=tuple(slugs),
    )


def _group_title(children: list[Any]) -> str:
    """A group's text: its top line of labels, and the next line when it continues it
    ("Marshalling & Unmarshalling" / "JSON"), not the chips below a heading."""
    labels: list[tuple[float, float, float, str]] = []
    for child in children:
        if not isinstance(child, dict) or child.get("typeID") != "Label":
            continue
        properties = child.get("properties")
        text = clean_label(properties.get("text")) if isinstance(properties, dict) else ""
        if text:
            height = to_number(child.get("measuredH")) or 24.0
            labels.append((to_number(child.get("y")), to_number(child.get("x")), height, text))
    labels.sort()
    lines: list[tuple[float, float, list[str]]] = []
    for y, _x, height, text in labels:
        if lines and abs(y - lines[-1][0]) < 4:
            lines[-1][2].append(text)
        else:
            lines.append((y, height, [text]))
    title: list[str] = []
    for i, (y, _height, words) in enumerate(lines):
        previous_y, previous_height = (lines[i - 1][0], lines[i - 1][1]) if i else (y, 0.0)
        if i and y - previous_y > 1.5 * previous_height:
            break
        title.extend(words)
    return clean_label(" ".join(title))


@dataclass(frozen=True)
class _Entry:
    """A content file of the legacy layout: the slugs of its path and its number."""

    rel: str
    slugs: tuple[str, ...]
    number: float
    index: bool


def match_by_path(topics: list[Topic], content: dict[str, str]) -> None:
    """`content/100-go-basics/index.md` describes `100-go-basics`, `…/101-variables.md` the
    subtopic numbered 101. Exact matches first, then by slug, then by number: a typo in the
    name (`mutext`) still finds its file (when the names are alike or the file's heading is the
    topic's), and no file describes two topics."""
    by_path: dict[tuple[str, ...], list[_Entry]] = {}
    by_number: dict[tuple[tuple[str, ...], float], list[_Entry]] = {}
    for entry in _entries(content):
        by_path.setdefault(entry.slugs, []).append(entry)
        by_number.setdefault((entry.slugs[:-1], entry.number), []).append(entry)
    free = set(content)
    everything = [t for top in topics for t in top.walk()]
    for attempt in ("exact", "slug", "number"):
        for topic in everything:
            if topic.content is not None:
                continue
            if attempt == "number":
                found = [
                    e
                    for e in by_number.get((topic.path[:-1], topic.order), [])
                    if e.rel in free and _alike(topic, e, content[e.rel])
                ]
                found = found if len(found) == 1 and topic.order != math.inf else []
            else:
                found = [
                    e
                    for e in by_path.get(topic.path, [])
                    if e.rel in free and (attempt == "slug" or e.number == topic.order)
                ]
            if found:
                chosen = min(found, key=lambda e: (not e.index, e.rel))
                topic.content = chosen.rel
                free.discard(chosen.rel)


def _alike(topic: Topic, entry: _Entry, text: str) -> bool:
    """A file found by number alone must still be about the topic: a near slug (a typo,
    `mutext`) or its own heading naming the topic — not a file left from a replaced topic."""
    if SequenceMatcher(None, topic.path[-1], entry.slugs[-1]).ratio() >= 0.75:
        return True
    heading = re.match(r"\s*# (.+)", text)
    return heading is not None and normalize_title(heading.group(1)) == normalize_title(topic.title)


def _entries(content: dict[str, str]) -> Iterator[_Entry]:
    for rel in sorted(content):
        parts = rel.split("/")
        leaf = parts[-1][:-3] if parts[-1].lower().endswith(".md") else ""
        index = leaf.lower() in ("index", "readme")
        names = parts[:-1] if index else [*parts[:-1], leaf]
        if not names or not names[-1]:
            continue
        number = NUMBERED.match(names[-1])
        yield _Entry(
            rel=rel,
            slugs=tuple(NUMBERED.sub(r"\2", n) for n in names),
            number=float(number.group(1)) if number else math.inf,
            index=index,
        )


# --- items ----------------------------------------------------------------------------------
