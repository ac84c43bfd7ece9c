"""Parse a Markdown roadmap into a ParsedRoadmap.

Headings build the tree (tiers / months / stages → weeks / phases → days / sections), list items
and table rows become items, nested bullets become an item's details, and labelled paragraphs
("**Практическое задание:** …") become assignments. Kinds and durations are read from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.durations import apply_heading_meta, parse_duration, read_hours_per_week
from gocoach.curricula.tree import (
    CHECKBOX_STATUS,
    STRUCTURAL_KINDS,
    ParsedNode,
    ParsedRoadmap,
    assign_keys,
)

CHECKBOX = re.compile(r"^\[([ xX/~-])\]\s+")
LABELLED = re.compile(r"^\*\*(?P<label>[^*]{2,60}?)(?::\*\*|\*\*\s*:)\s*(?P<rest>.*)$", re.S)
MODULE_LINK = re.compile(
    r"^\[(?P<slug>\d{2}-[\w-]+)\]\((?P<file>[^)]+\.md)\)\s*(?:[—–-]\s*)?(?P<desc>.*)$"
)
MILESTONE_LINE = re.compile(r"^(?:Неделя|Week)\s+(?P<week>\d+)\s*[:—–-]\s*(?P<title>.+)$", re.I)

ASSIGNMENT_LABELS = (
    "практическое задание",
    "задание",
    "assignment",
    "practical assignment",
    "exercise",
    "упражнение",
)
PROJECT_LABELS = (
    "итоговый проект",
    "финальный проект",
    "мини-проект",
    "проект",
    "project",
    "final project",
    "capstone",
)
OBJECTIVE_LABELS = ("objective", "цель", "goal", "задача")

SECTION_KINDS = (
    (re.compile(r"milestone|вех|контрольн", re.I), "milestone"),
    (re.compile(r"критери|criteria|success", re.I), "criterion"),
    (re.compile(r"формат отч|отч[её]т|report", re.I), "report"),
    (re.compile(r"ресурс|литератур|resources|books|courses|платформ|reading", re.I), "resource"),
    (re.compile(r"теори|theory", re.I), "theory"),
    (re.compile(r"практик|practice", re.I), "practice"),
    (re.compile(r"проект|project|функционал|features", re.I), "project"),
    (re.compile(r"цел[ьи]|goals?\b|objectives?", re.I), "goal"),
)
HEADING_KINDS = (
    (re.compile(r"\btier\b|\bуровень\b", re.I), "tier"),
    (re.compile(r"^(?:месяц|month)\s+\d+", re.I), "month"),
    (re.compile(r"^(?:этап|stage)\s+\d+", re.I), "stage"),
    (re.compile(r"^(?:phase|фаза)\s+\d+", re.I), "phase"),
    (re.compile(r"^(?:неделя|недели|week)\s+\d+", re.I), "week"),
    (re.compile(r"^(?:день|дни|days?)\s+\d+", re.I), "day"),
    (re.compile(r"^\d+(?:\.\d+)+\.?\s"), "numbered"),
)
WEEKLY_KINDS = ("week", "phase", "month", "stage", "tier")
# Only block structure is needed (inline tokens keep their raw .content), so inline parsing,
# the slowest stage, is switched off.
_BLOCK_PARSER = MarkdownIt("commonmark").enable("table").disable("inline")


@dataclass
class _Open:
    node: ParsedNode
    level: int


@dataclass
class _State:
    root: ParsedNode
    stack: list[_Open] = field(default_factory=list)
    title: str | None = None
    description: list[str] = field(default_factory=list)
    stats: dict[str, str] = field(default_factory=dict)

    @property
    def current(self) -> ParsedNode:
        return self.stack[-1].node if self.stack else self.root


def parse_markdown(text: str, *, name: str) -> ParsedRoadmap:
    """Parse Markdown text into a roadmap tree; raise DocumentError when it has no headings."""
    tokens = _BLOCK_PARSER.parse(text)
    if not any(t.type == "heading_open" for t in tokens):
        raise DocumentError(f"{name}: no Markdown headings found — a roadmap needs '#' headings")
    state = _State(root=ParsedNode(kind="root", title=""))
    i = 0
    while i < len(tokens):
        i = _consume(tokens, i, state)
    title = state.title or name
    roadmap = ParsedRoadmap(
        title=title, kind="roadmap", root=state.root, description="\n\n".join(state.description)
    )
    _finish(roadmap, text, state)
    return roadmap


def _consume(tokens: list[Token], i: int, state: _State) -> int:
    token = tokens[i]
    if token.type == "heading_open":
        _open_heading(tokens, i, state)
        return _skip_to(tokens, i, "heading_close")
    if token.type in ("bullet_list_open", "ordered_list_open"):
        end = _matching_close(tokens, i)
        _read_list(tokens[i + 1 : end], state)
        return end + 1
    if token.type == "paragraph_open":
        _read_paragraph(tokens[i + 1], state)
        return _skip_to(tokens, i, "paragraph_close")
    if token.type == "table_open":
        end = _matching_close(tokens, i)
        _read_table(tokens[i : end + 1], state)
        return end + 1
    if token.type == "blockquote_open":
        end = _matching_close(tokens, i)
        for inner in tokens[i:end]:
            if inner.type == "inline" and not state.stack:
                state.description.append(clean_inline(inner.content))
        return end + 1
    return i + 1


def _skip_to(tokens: list[Token], i: int, close: str) -> int:
    while tokens[i].type != close:
        i += 1
    return i + 1


def _matching_close(tokens: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def clean_inline(text: str, *, title: bool = True) -> str:
    """Inline Markdown to plain text: no emphasis, links as text; titles lose leading emoji."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    if title:
        text = re.sub(r"^[^\w`\"'«(\[~]+", "", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def _open_heading(tokens: list[Token], i: int, state: _State) -> None:
    level = int(tokens[i].tag[1])
    title = clean_inline(tokens[i + 1].content)
    line = (tokens[i].map or [0])[0] + 1
    if state.title is None and level == 1 and _heading_kind(title) is None:
        state.title = title
        return
    while state.stack and state.stack[-1].level >= level:
        state.stack.pop()
    kind = _heading_kind(title) if _in_structure(state) else None
    if kind is None and _follows_structure(state, level):
        state.stack.clear()
    node = ParsedNode(kind=kind or "section", title=title, line=line, line_end=line)
    node.meta["level"] = level
    apply_heading_meta(node)
    state.current.children.append(node)
    state.stack.append(_Open(node=node, level=level))


def _heading_kind(title: str) -> str | None:
    for pattern, kind in HEADING_KINDS:
        if pattern.search(title):
            return kind
    return None


def _in_structure(state: _State) -> bool:
    """Structural kinds only apply where every enclosing heading is structural."""
    return all(o.node.kind in STRUCTURAL_KINDS for o in state.stack)


def _follows_structure(state: _State, level: int) -> bool:
    """A plain heading right after structural siblings at its level leaves the structure."""
    siblings = state.current.children
    return (
        bool(state.stack)
        and bool(siblings)
        and siblings[-1].kind in STRUCTURAL_KINDS
        and (siblings[-1].meta.get("level") == level)
    )


def _section_item_kind(state: _State) -> str:
    """The kind named by the enclosing plain headings (earlier in SECTION_KINDS wins)."""
    titles: list[str] = []
    for opened in reversed(state.stack):
        if opened.node.kind in ("week", "day", "month", "stage", "phase", "tier", "numbered"):
            break
        titles.append(opened.node.title)
    for pattern, kind in SECTION_KINDS:
        if any(pattern.search(title) for title in titles):
            return kind
    return "topic"


def _weekly_parent(state: _State) -> ParsedNode:
    for opened in reversed(state.stack):
        if opened.node.kind in WEEKLY_KINDS:
            return opened.node
    return state.current


def _read_paragraph(inline: Token, state: _State) -> None:
    content = inline.content.strip()
    line = (inline.map or [0])[0] + 1
    labelled = LABELLED.match(content)
    if labelled:
        label = labelled["label"].strip().lower()
        rest = labelled["rest"].strip()
        if _is_label(label, ASSIGNMENT_LABELS + PROJECT_LABELS) and rest:
            kind = "assignment" if _is_label(label, ASSIGNMENT_LABELS) else "project"
            item = _new_item(clean_inline(rest), line, (inline.map or [0, 1])[1], kind)
            item.meta["label"] = labelled["label"].strip()
            item.trackable = True
            _weekly_parent(state).children.append(item)
            return
        if _is_label(label, OBJECTIVE_LABELS) and state.stack:
            state.current.meta["objective"] = clean_inline(rest)
    if not state.stack:
        if state.title is not None:
            state.description.append(clean_inline(content))
        return
    node = state.current
    node.body = f"{node.body}\n\n{content}".strip()


def _is_label(label: str, labels: tuple[str, ...]) -> bool:
    return label.rstrip(":").strip() in labels


def _new_item(title: str, line: int, line_end: int, item_kind: str) -> ParsedNode:
    return ParsedNode(kind="item", title=title, line=line, line_end=line_end, item_kind=item_kind)


def _read_list(tokens: list[Token], state: _State) -> None:
    """Top-level list items become items; anything nested becomes their details."""
    depth = 0
    item: ParsedNode | None = None
    for token in tokens:
        if token.type == "list_item_open":
            depth += 1
            if depth == 1:
                item = None
            continue
        if token.type == "list_item_close":
            depth -= 1
            continue
        if token.type != "inline":
            continue
        if depth == 1 and item is None:
            item = _list_item(token, state)
        elif item is not None:
            item.body = f"{item.body}\n- {token.content.strip()}".strip()


def _list_item(inline: Token, state: _State) -> ParsedNode:
    start, end = inline.map or [0, 1]
    content = inline.content.strip().splitlines()[0] if inline.content.strip() else ""
    extra = "\n".join(inline.content.strip().splitlines()[1:])
    checkbox = CHECKBOX.match(content)
    text = content[checkbox.end() :] if checkbox else content
    item = _new_item(clean_inline(text), start + 1, end, _section_item_kind(state))
    item.checkbox = checkbox is not None
    item.status = CHECKBOX_STATUS[checkbox.group(1)] if checkbox else None
    item.body = extra
    parent = state.current
    _refine_item(item, text, state)
    if item.item_kind in ("assignment", "project") and "label" in item.meta:
        parent = _weekly_parent(state)
    parent.children.append(item)
    return item


def _refine_item(item: ParsedNode, text: str, state: _State) -> None:
    module = MODULE_LINK.match(text.strip())
    if module:
        item.item_kind = "module"
        item.title = module["slug"]
        item.body = clean_inline(module["desc"])
        item.meta.update(slug=module["slug"], file=module["file"], number=module["slug"][:2])
        return
    labelled = LABELLED.match(text.strip())
    if labelled:
        label = labelled["label"].strip()
        rest = clean_inline(labelled["rest"], title=False)
        if _is_label(label.lower(), ASSIGNMENT_LABELS + PROJECT_LABELS) and rest:
            item.item_kind = (
                "assignment" if _is_label(label.lower(), ASSIGNMENT_LABELS) else "project"
            )
            item.meta["label"] = label
            item.title = rest
        else:
            item.title = clean_inline(label)
            item.body = f"{rest}\n{item.body}".strip()
            if state.current.title.lower().startswith(("статистика", "statistics")):
                state.stats[item.title] = rest
    milestone = MILESTONE_LINE.match(item.title)
    if item.item_kind == "milestone" and milestone:
        item.meta["week"] = int(milestone["week"])
    duration = parse_duration(f"{item.title} {item.body}")
    if duration:
        item.meta["duration"] = duration


def _read_table(tokens: list[Token], state: _State) -> None:
    rows: list[tuple[int, list[str]]] = []
    cells: list[str] = []
    row_line = 0
    for token in tokens:
        if token.type == "tr_open":
            cells, row_line = [], (token.map or [0])[0] + 1
        elif token.type == "inline":
            cells.append(token.content.strip())
        elif token.type == "tr_close":
            rows.append((row_line, cells))
    if len(rows) < 2:
        return
    header = [clean_inline(c) for c in rows[0][1]]
    for line, row in rows[1:]:
        _table_row(header, line, row, state)


def _table_row(header: list[str], line: int, row: list[str], state: _State) -> None:
    if not row:
        return
    first = row[0]
    checkbox = CHECKBOX.match(first)
    if checkbox:
        first = first[checkbox.end() :]
    item = _new_item(clean_inline(first), line, line, _section_item_kind(state))
    item.checkbox = checkbox is not None
    item.status = CHECKBOX_STATUS[checkbox.group(1)] if checkbox else None
    details = [f"{h}: {clean_inline(c)}" for h, c in zip(header[1:], row[1:], strict=False) if c]
    item.body = "\n".join(details)
    item.meta["table"] = True
    item.meta["columns"] = dict(zip(header, [clean_inline(c) for c in row], strict=False))
    state.current.children.append(item)


def _finish(roadmap: ParsedRoadmap, text: str, state: _State) -> None:
    has_checkboxes = any(item.checkbox for item in roadmap.items())
    _regroup_declared_tiers(roadmap)
    for node in roadmap.root.children:
        _mark_trackable(node, inside=False, has_checkboxes=has_checkboxes)
    _apply_duration_tables(roadmap)
    _mark_groups(roadmap)
    assign_keys(roadmap)
    if state.stats:
        roadmap.meta["stats"] = state.stats
    hours = read_hours_per_week(text)
    if hours:
        roadmap.meta["hours_per_week"] = hours
    if any(item.item_kind == "module" for item in roadmap.items()):
        roadmap.kind = "track"


def _mark_trackable(node: ParsedNode, *, inside: bool, has_checkboxes: bool) -> None:
    inside = inside or node.kind in STRUCTURAL_KINDS
    if node.is_item and not node.trackable:
        if node.item_kind in ("report",):
            node.trackable = False
        elif node.checkbox or node.item_kind in ("milestone", "module"):
            node.trackable = True
        else:
            node.trackable = inside and not has_checkboxes
    for child in node.children:
        _mark_trackable(child, inside=inside, has_checkboxes=has_checkboxes)


def _regroup_declared_tiers(roadmap: ParsedRoadmap) -> None:
    """Tiers declared in an index ("Expert Tier (Phases 11-12)") but never given a heading of
    their own take their phases from whichever tier heading they ended up under."""
    tiers = [n for n in roadmap.root.children if n.kind == "tier"]
    declared = [
        n
        for n in roadmap.nodes()
        if n.kind == "section" and "phase_from" in n.meta and _heading_kind(n.title) == "tier"
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


def _apply_duration_tables(roadmap: ParsedRoadmap) -> None:
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


def _mark_groups(roadmap: ParsedRoadmap) -> None:
    for node in roadmap.nodes():
        items = [c for c in node.children if c.is_item]
        if items and all(c.item_kind == "module" for c in items):
            node.kind = "group"
