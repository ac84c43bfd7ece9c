"""After parsing: which items are tracked, tiers only an index declared, durations from tables.

These passes run over the whole parsed tree once the Markdown has been read, because each needs
the entire document (whether it has checkboxes anywhere, which tiers its index declares).
"""

from __future__ import annotations

import re

from gocoach.curricula.durations import parse_duration
from gocoach.curricula.tree import STRUCTURAL_KINDS, ParsedNode, ParsedRoadmap

HEADING_KINDS = (
    (re.compile(r"\btier\b|\bуровень\b", re.I), "tier"),
    (re.compile(r"^(?:месяц|month)\s+\d+", re.I), "month"),
    (re.compile(r"^(?:этап|stage)\s+\d+", re.I), "stage"),
    (re.compile(r"^(?:phase|фаза)\s+\d+", re.I), "phase"),
    (re.compile(r"^(?:неделя|недели|week)\s+\d+", re.I), "week"),
    (re.compile(r"^(?:день|дни|days?)\s+\d+", re.I), "day"),
    (re.compile(r"^\d+(?:\.\d+)+\.?\s"), "numbered"),
)
# Sections that hold no topics in a document without checkboxes.
REFERENCE_SECTION = re.compile(
    r"содержани|оглавлени|\bcontents\b|\btoc\b|licen[cs]e|лицензи|contribut|благодар|acknowledg|"
    r"credits|\bauthors?\b|\bавтор|sponsor|спонсор|донат|donat|star history|contact|контакт|"
    r"changelog|\bfaq\b|badges?",
    re.I,
)

def heading_kind(title: str) -> str | None:
    """The structural kind a heading's words declare (tier, month, stage, phase, week, day)."""
    for pattern, kind in HEADING_KINDS:
        if pattern.search(title):
            return kind
    return None


def shape_roadmap(roadmap: ParsedRoadmap, *, outline: bool) -> None:
    """Decide what is tracked, regroup declared tiers, apply duration tables, mark groups."""
    has_checkboxes = any(item.checkbox for item in roadmap.items())
    regroup_declared_tiers(roadmap)
    headless = not any(not n.is_item for n in roadmap.root.children)
    for node in roadmap.root.children:
        if outline:
            mark_outline(node, reference=False, top=not headless)
        else:
            mark_trackable(node, inside=False, has_checkboxes=has_checkboxes)
    apply_duration_tables(roadmap)
    mark_groups(roadmap)


def mark_outline(node: ParsedNode, *, reference: bool, top: bool) -> None:
    """In an outline every item is tracked, except resources, reports, items of sections such
    as «Contents» or «License», and bullets above the first heading of a document with them."""
    if not node.is_item:
        reference = reference or bool(REFERENCE_SECTION.search(node.title))
    elif not node.trackable:
        node.trackable = (
            node.checkbox
            or node.item_kind == "module"
            or (node.item_kind not in ("report", "resource") and not reference and not top)
        )
    for child in node.children:
        mark_outline(child, reference=reference, top=top and node.is_item)


def mark_trackable(node: ParsedNode, *, inside: bool, has_checkboxes: bool) -> None:
    """In a structured document, items under week/phase headings are tracked; where the
    document has checkboxes, only the boxes (and milestones, modules) are."""
    inside = inside or node.kind in STRUCTURAL_KINDS
    if node.is_item and not node.trackable:
        if node.item_kind in ("report",):
            node.trackable = False
        elif node.checkbox or node.item_kind in ("milestone", "module"):
            node.trackable = True
        else:
            node.trackable = inside and not has_checkboxes
    for child in node.children:
        mark_trackable(child, inside=inside, has_checkboxes=has_checkboxes)


def regroup_declared_tiers(roadmap: ParsedRoadmap) -> None:
    """Tiers declared in an index ("Expert Tier (Phases 11-12)") but never given a heading of
    their own take their phases from whichever tier heading they ended up under."""
    tiers = [n for n in roadmap.root.children if n.kind == "tier"]
    declared = [
        n
        for n in roadmap.nodes()
        if n.kind == "section" and "phase_from" in n.meta and heading_kind(n.title) == "tier"
    ]
    for decl in declared:
        lo, hi = decl.meta["phase_from"], decl.meta["phase_to"]
        if any((t.meta.get("phase_from"), t.meta.get("phase_to")) == (lo, hi) for t in tiers):
            continue
        moved = [
            (tier, phase)
            for tier in tiers
            for phase in tier.children
            if phase.kind == "phase" and lo <= int(phase.meta.get("number", -1)) <= hi
        ]
        if not moved:
            continue
        new = ParsedNode(
            kind="tier",
            title=decl.title,
            line=decl.line,
            line_end=decl.line,
            meta={"phase_from": lo, "phase_to": hi, "declared_only": True},
        )
        for tier, phase in moved:
            tier.children.remove(phase)
            new.children.append(phase)
        roadmap.root.children.insert(roadmap.root.children.index(moved[-1][0]) + 1, new)
        tiers.append(new)


def apply_duration_tables(roadmap: ParsedRoadmap) -> None:
    """A table with a duration column gives durations to the headings its rows name."""
    structural = [n for n in roadmap.nodes() if n.kind in STRUCTURAL_KINDS]
    for item in roadmap.items():
        columns = item.meta.get("columns") or {}
        duration_col = next(
            (c for c in columns if re.search(r"duration|длительн|продолжит|срок", c, re.I)), None
        )
        if not duration_col or not item.title:
            continue
        duration = parse_duration(columns[duration_col])
        word = item.title.split()[0].lower()
        for node in structural:
            if node.kind in ("tier", "stage", "month", "phase") and word in node.title.lower():
                node.meta["duration_text"] = columns[duration_col]
                if duration:
                    node.meta["duration"] = duration


def mark_groups(roadmap: ParsedRoadmap) -> None:
    """A heading whose items are all track modules is a group of modules."""
    for node in roadmap.nodes():
        items = [c for c in node.children if c.is_item]
        if items and all(c.item_kind == "module" for c in items):
            node.kind = "group"
