"""What the two readers make of a roadmap.sh graph before it becomes items: topics in a tree,
and the value helpers both readers use on data nobody here checked."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_TITLE = 200
MAX_DEPTH = 8  # nesting of legacy groups and of `a:b:c` control names
MAX_NODES = 5000  # nodes of a graph, controls of a mockup: roadmap.sh's largest have ~1,000


@dataclass
class Topic:
    """A topic or subtopic as read from the graph, before it becomes an item."""

    ident: str  # the node id, or the legacy slug path ("go-basics/variables")
    title: str
    kind: str  # topic, subtopic, or group (a heading drawn on the graph)
    x: float
    y: float
    order: float = math.inf  # the legacy number
    path: tuple[str, ...] = ()
    children: list[Topic] = field(default_factory=list)
    content: str | None = None  # the content file, by its path under content/

    def walk(self) -> Iterator[Topic]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Reading:
    """What reading the graph found: topics, a title and what was left out."""

    topics: list[Topic] = field(default_factory=list)
    title: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    repeated: int = 0  # legacy groups sharing a name
    grouped: int = 0  # subtopics put under a heading drawn on the graph
    boxed: int = 0  # subtopics put under the topic beside their unnamed box
    stacked: int = 0  # subtopics put with the one above or below them in a column

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def sort_topics(topics: list[Topic]) -> None:
    topics.sort(key=lambda t: (t.order, t.y, t.x, t.ident))
    for topic in topics:
        sort_topics(topic.children)


def mapping_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def to_number(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def clean_label(value: Any) -> str:
    """A label as a title: text only, one line, without control characters, not too long."""
    if not isinstance(value, str):
        return ""
    text = re.sub(r"[\x00-\x1f\x7f\s]+", " ", value).strip()
    if not re.search(r"\w", text):
        return ""
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"
