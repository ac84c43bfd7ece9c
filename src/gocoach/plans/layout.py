"""Lay a roadmap's items on weeks: the document's own weeks, or its blocks spread by duration.

A roadmap with week headings ("Неделя 3", "Недели 1-3") keeps them. A roadmap of tiers and
phases gets each block's stated duration (the middle of "8-12 weeks"); blocks without one get
weeks in proportion to their item counts, at the pace of the blocks that state a duration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gocoach.store.tables import Node

UNSCHEDULED_KINDS = frozenset({"milestone", "criterion"})
DEFAULT_ITEMS_PER_WEEK = 10
WEEKS_PER_MONTH = 4


@dataclass(frozen=True)
class Slot:
    """An item and the week of the roadmap's own schedule it belongs to (1-based)."""

    key: str
    doc_week: int


@dataclass(frozen=True)
class Layout:
    """A roadmap laid on weeks: 'weeks' (the document's) or 'durations' (spread)."""

    mode: str
    slots: tuple[Slot, ...]

    @property
    def weeks(self) -> int:
        """How many weeks the roadmap takes."""
        return max((s.doc_week for s in self.slots), default=0)


def is_schedulable(node: Node) -> bool:
    """Items a learner works through week by week (milestones and final criteria are checks)."""
    return node.kind == "item" and node.trackable and node.item_kind not in UNSCHEDULED_KINDS


def lay_out(nodes: Sequence[Node]) -> Layout:
    """Give every schedulable item a week of the roadmap's own schedule."""
    items = [n for n in nodes if is_schedulable(n)]
    ranges = week_ranges(nodes)
    parents = {n.key: n.parent_key for n in nodes}
    if any(_ranged_ancestor(n, parents, ranges) for n in items):
        return Layout("weeks", tuple(_normalize(_week_slots(items, parents, ranges))))
    return Layout("durations", tuple(_normalize(_duration_slots(nodes, items))))


def week_ranges(nodes: Sequence[Node]) -> dict[str, tuple[int, int]]:
    """Absolute week ranges of headings; numbering that restarts (per month) continues on."""
    parents = {n.key: n.parent_key for n in nodes}
    ranges: dict[str, tuple[int, int]] = {}
    bases: dict[str, int] = {}
    base = last = 0
    for node in nodes:
        if node.kind == "item" or "week_from" not in node.meta:
            continue
        lo = int(node.meta["week_from"])
        hi = int(node.meta.get("week_to") or lo)
        ancestor = _ranged_ancestor(node, parents, ranges)
        if ancestor is not None:
            offset = bases[ancestor]
        else:
            if lo + base <= last:
                base = last - lo + 1
            offset = base
        bases[node.key] = offset
        ranges[node.key] = (lo + offset, hi + offset)
        last = max(last, hi + offset)
    return ranges


def _ranged_ancestor(node: Node, parents: dict[str, str | None],
                     ranges: dict[str, tuple[int, int]]) -> str | None:
    key = parents.get(node.key)
    while key is not None:
        if key in ranges:
            return key
        key = parents.get(key)
    return None


def _week_slots(items: list[Node], parents: dict[str, str | None],
                ranges: dict[str, tuple[int, int]]) -> list[Slot]:
    """Items under a week heading take its week; under a range, they spread over it in order."""
    groups: dict[str, list[Node]] = {}
    loose: list[Node] = []
    for item in items:
        ancestor = _ranged_ancestor(item, parents, ranges)
        if ancestor is None:
            loose.append(item)
        else:
            groups.setdefault(ancestor, []).append(item)
    weeks: dict[str, int] = {}
    for key, members in groups.items():
        lo, hi = ranges[key]
        for i, item in enumerate(members):
            weeks[item.key] = lo + i * (hi - lo + 1) // len(members)
    if loose:
        used = max(weeks.values())
        pace = max(1.0, len(weeks) / max(1, used - min(weeks.values()) + 1))
        for i, week in enumerate(spread(len(loose), math.ceil(len(loose) / pace))):
            weeks[loose[i].key] = used + week
    return [Slot(item.key, weeks[item.key]) for item in items]


def spread(count: int, weeks: int) -> list[int]:
    """Weeks (1-based) for `count` items spread evenly and in order over `weeks` weeks."""
    weeks = max(1, weeks)
    return [1 + i * weeks // count for i in range(count)]


def stated_weeks(node: Node) -> int | None:
    """A heading's stated duration in weeks (middle of a range), if it states one."""
    duration = node.meta.get("duration") if node.kind != "item" else None
    if not duration:
        return None
    middle = (float(duration["min"]) + float(duration["max"])) / 2
    unit = duration.get("unit")
    if unit == "week":
        return max(1, math.floor(middle + 0.5))
    if unit == "month":
        return max(1, math.floor(middle * WEEKS_PER_MONTH + 0.5))
    if unit == "day":
        return max(1, math.ceil(middle / 7))
    return None


def share(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` weeks in proportion to `weights`, at least one week each, summing to total."""
    if not weights:
        return []
    if total <= len(weights):
        return [1] * len(weights)
    whole = sum(weights) or len(weights)
    quotas = [total * (w or 1) / whole for w in weights]
    parts = [max(1, math.floor(q)) for q in quotas]
    while sum(parts) > total:
        shrinkable = [i for i in range(len(parts)) if parts[i] > 1]
        parts[max(shrinkable, key=lambda i: parts[i] - quotas[i])] -= 1
    while sum(parts) < total:
        parts[max(range(len(parts)), key=lambda i: quotas[i] - parts[i])] += 1
    return parts


class _Spreader:
    """Recursive allocation of weeks to blocks by stated duration and item counts."""

    def __init__(self, nodes: Sequence[Node], items: list[Node]) -> None:
        self.children: dict[str | None, list[Node]] = {}
        for node in nodes:
            self.children.setdefault(node.parent_key, []).append(node)
        self.counts: dict[str | None, int] = {}
        self.items_under: dict[str | None, list[Node]] = {}
        parents = {n.key: n.parent_key for n in nodes}
        for item in items:
            key: str | None = item.key
            while True:
                self.counts[key] = self.counts.get(key, 0) + 1
                self.items_under.setdefault(key, []).append(item)
                if key is None:
                    break
                key = parents.get(key)
        self.by_key = {n.key: n for n in nodes}
        self.stated_desc: dict[str | None, bool] = {}
        self.pace = self._pace(nodes)

    def _pace(self, nodes: Sequence[Node]) -> float:
        items = weeks = 0
        for node in nodes:
            if stated_weeks(node) and self.counts.get(node.key) and not self._stated_above(node):
                items += self.counts[node.key]
                weeks += stated_weeks(node) or 0
        return items / weeks if weeks else DEFAULT_ITEMS_PER_WEEK

    def _stated_above(self, node: Node) -> bool:
        key = node.parent_key
        while key is not None:
            if stated_weeks(self.by_key[key]):
                return True
            key = self.by_key[key].parent_key
        return False

    def blocks(self, key: str | None) -> list[Node]:
        """Child headings and items that hold something to schedule."""
        return [c for c in self.children.get(key, []) if self.counts.get(c.key)]

    def has_stated_inside(self, key: str | None) -> bool:
        """True when some heading below `key` states a duration."""
        if key not in self.stated_desc:
            self.stated_desc[key] = any(
                stated_weeks(c) is not None or self.has_stated_inside(c.key)
                for c in self.blocks(key) if c.kind != "item")
        return self.stated_desc[key]

    def natural(self, node: Node | None) -> int:
        """Weeks a block takes on its own: stated, summed from inside, or from the pace."""
        key = node.key if node is not None else None
        stated = stated_weeks(node) if node is not None else None
        if stated is not None:
            return stated
        if self.has_stated_inside(key):
            return sum(self.natural(c) for c in self.blocks(key))
        return max(1, math.ceil(self.counts.get(key, 0) / self.pace))

    def allocate(self, key: str | None, weeks: int, first: int, out: dict[str, int]) -> None:
        """Give the items under `key` weeks first .. first + weeks - 1."""
        if not self.has_stated_inside(key):
            items = self.items_under.get(key, [])
            for item, week in zip(items, spread(len(items), weeks), strict=True):
                out[item.key] = first + week - 1
            return
        blocks = self.blocks(key)
        fixed = {b.key: self.natural(b) for b in blocks
                 if b.kind != "item" and (stated_weeks(b) or self.has_stated_inside(b.key))}
        free = [b for b in blocks if b.key not in fixed and b.kind != "item"]
        rest = weeks - sum(fixed.values())
        if rest >= len(free):
            sizes = dict(zip((b.key for b in free),
                             share(rest, [self.counts[b.key] for b in free]), strict=True))
        else:
            sizes = {b.key: self.natural(b) for b in free}
        for block in blocks:
            if block.kind == "item":  # a loose item between blocks goes with the next block
                out[block.key] = first
                continue
            size = fixed.get(block.key) or sizes[block.key]
            self.allocate(block.key, size, first, out)
            first += size


def _duration_slots(nodes: Sequence[Node], items: list[Node]) -> list[Slot]:
    if not items:
        return []
    spreader = _Spreader(nodes, items)
    weeks: dict[str, int] = {}
    spreader.allocate(None, spreader.natural(None), 1, weeks)
    return [Slot(item.key, weeks[item.key]) for item in items]


def _normalize(slots: list[Slot]) -> list[Slot]:
    """Start at week 1 even when the document's first week is numbered later."""
    if not slots:
        return slots
    first = min(s.doc_week for s in slots)
    return [Slot(s.key, s.doc_week - first + 1) for s in slots]
