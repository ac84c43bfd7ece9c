"""Parse a Markdown roadmap into a ParsedRoadmap.

Headings build the tree (tiers / months / stages → weeks / phases → days / sections), list items
and table rows become items, nested bullets become an item's details, and labelled paragraphs
("**Практическое задание:** …") become assignments. Kinds and durations are read from the text.

Documents nobody here wrote come in other shapes too, and each is read for what it says:
- nested checkboxes (at any depth) are sub-items of the item they sit under;
- an *outline* — no checkbox anywhere and no week / phase / stage headings, such as a numbered
  list of topics with nested lists — tracks its list items and table rows; nested entries become
  sub-items, nested links (http) resources (a top-level link stays a topic: lesson lists link
  every lesson), and sections such as «Contents» or «License» stay reference;
- a table row is an item when one of its cells names one (the first cell, else the «Topic» /
  «Тема» column, else the first cell with words); a «Status» column gives the row's status;
- `**Практика:** Написать …` is the text, with the label as its kind;
- a document without an H1 is titled by its file name (humanised), or by its first heading when
  the file name says nothing (README.md); a document without headings keeps its items at the top.
What the parser made of a document is summed up in ParsedRoadmap.notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.durations import apply_heading_meta, parse_duration, read_hours_per_week
from gocoach.curricula.shaping import heading_kind, shape_roadmap
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
    # a heading «Features» lists a project's features; «Features of Go» lists the language's
    (re.compile(r"проект|project|^(?:функционал|features)\W*$", re.I), "project"),
    (re.compile(r"цел[ьи]|goals?\b|objectives?", re.I), "goal"),
)
WEEKLY_KINDS = ("week", "phase", "month", "stage", "tier")
# Bullet labels that say what the text after them is: `**Практика:** Написать Worker Pool`.
LABEL_KINDS = (
    (re.compile(r"^(?:практик[аи]|practice|hands[- ]on|лабораторн\w*|lab)$", re.I), "practice"),
    (
        re.compile(r"^(?:теори[яи]|theory|изучить|study|learn|концепци[яи]|concepts?)$", re.I),
        "theory",
    ),
    (
        re.compile(
            r"^(?:ресурсы?|resources?|ссылк[аи]|links?|литература|reading|чтение|читать|книг[аи]|"
            r"books?|курсы?|courses?|видео|videos?|стать[яи]|articles?)$",
            re.I,
        ),
        "resource",
    ),
    (
        re.compile(r"^(?:итог|результат|outcome|deliverable|checkpoint|milestone)$", re.I),
        "milestone",
    ),
)
LINK_ONLY = re.compile(
    r"^[^\w\[<]*(?:\[[^\]]+\]\((?P<url>[^)\s]+)[^)]*\)|<?(?P<bare>https?://[^\s>]+)>?)"
    r"(?:\s*(?:[-—–:|(]|by\b|от\b).*)?$",
    re.I | re.S,
)
TITLE_HEADER = re.compile(
    r"тема|topic|назван|name|задач|task|skill|навык|concept|subject|item|пункт|что|what|"
    r"модул|module|раздел|section|technolog|технолог",
    re.I,
)
STATUS_HEADER = re.compile(r"статус|status|прогресс|progress|done|готов|выполн|отметк|state", re.I)
STATUS_WORDS = (
    (
        re.compile(r"^(?:✅|✔️?|☑️?|✓|\[x\]|x|done|готово|выполнено|сделано|пройдено|yes|да)$", re.I),
        "done",
    ),
    (
        re.compile(
            r"^(?:🔄|⏳|🟡|◐|\[/\]|in progress|в процессе|в работе|wip|started|начато)$", re.I
        ),
        "in_progress",
    ),
    (re.compile(r"^(?:⬜|⬛|❌|☐|\[ \]|todo|to do|нет|не начато|no|-)$", re.I), "todo"),
    (re.compile(r"^(?:⏭️?|skipped|пропущено|\[-\])$", re.I), "skipped"),
)
GENERIC_STEMS = ("readme", "index", "roadmap", "main", "document", "untitled", "upload", "plan")
LIST_BOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX/~-]\]\s|^\s*\|\s*\[[ xX/~-]\]\s", re.M)
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
    outline: bool = False
    first_heading: str | None = None
    found: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        """Tally something the parser recognised, for the notes."""
        self.found[what] = self.found.get(what, 0) + n

    @property
    def current(self) -> ParsedNode:
        return self.stack[-1].node if self.stack else self.root


def parse_markdown(text: str, *, name: str) -> ParsedRoadmap:
    """Parse Markdown text into a roadmap tree; raise DocumentError when it has no headings."""
    tokens = _BLOCK_PARSER.parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    if not headings and not any(
        t.type in ("bullet_list_open", "ordered_list_open", "table_open") for t in tokens
    ):
        raise DocumentError(
            f"{name}: no Markdown headings found, and no lists or tables either — "
            "a roadmap needs '#' headings or lists of topics"
        )
    has_boxes = LIST_BOX.search(text) is not None
    structured = any(heading_kind(clean_inline(h)) for h in headings)
    state = _State(root=ParsedNode(kind="root", title=""), outline=not has_boxes and not structured)
    i = 0
    while i < len(tokens):
        i = _consume(tokens, i, state)
    title = state.title or _title_from_name(name, state)
    roadmap = ParsedRoadmap(
        title=title, kind="roadmap", root=state.root, description="\n\n".join(state.description)
    )
    _finish(roadmap, text, state)
    return roadmap


def _title_from_name(name: str, state: _State) -> str:
    """A title for a document without an H1: its file name, humanised, never a path; the first
    heading when the name says nothing (README.md)."""
    stem = PurePath(name.replace("\\", "/")).stem
    words = re.sub(r"[_\-.\s]+", " ", stem).strip()
    generic = words.lower() in GENERIC_STEMS or not re.search(r"[^\W\d_]", words)
    if state.first_heading and generic:
        state.count("title from the first heading")
        return state.first_heading
    state.count("title from the file name")
    if not words:
        return "Roadmap"
    return words[0].upper() + words[1:] if words[0].islower() else words


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
    if state.first_heading is None and title:
        state.first_heading = title
    if state.title is None and level == 1 and heading_kind(title) is None:
        state.title = title
        return
    while state.stack and state.stack[-1].level >= level:
        state.stack.pop()
    kind = heading_kind(title) if _in_structure(state) else None
    if kind is None and _follows_structure(state, level):
        state.stack.clear()
    node = ParsedNode(kind=kind or "section", title=title, line=line, line_end=line)
    node.meta["level"] = level
    apply_heading_meta(node)
    state.current.children.append(node)
    state.stack.append(_Open(node=node, level=level))


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


@dataclass
class _Entry:
    """A list item being read: its item (None when it made none) and whether text was seen."""

    depth: int
    item: ParsedNode | None = None
    seen: bool = False


def _read_list(tokens: list[Token], state: _State) -> None:
    """Top-level list items become items. Nested checkboxes (and, in an outline, every nested
    entry) become sub-items of the item above them; anything else nested is their details."""
    entries: list[_Entry] = []
    depth = 0
    for token in tokens:
        if token.type == "list_item_open":
            depth += 1
            entries.append(_Entry(depth=depth))
            continue
        if token.type == "list_item_close":
            depth -= 1
            entries.pop()
            continue
        if token.type != "inline" or not entries:
            continue
        entry = entries[-1]
        owner = next((e.item for e in reversed(entries) if e.item is not None), None)
        if entry.seen or (owner is not None and entry.depth > 1 and not _nested_item(token, state)):
            if owner is not None:
                owner.body = f"{owner.body}\n- {token.content.strip()}".strip()
            entry.seen = True
            continue
        entry.seen = True
        if owner is None:
            entry.item = _list_item(token, state)
        else:
            entry.item = _sub_item(token, owner, state)


def _first_line(inline: Token) -> tuple[str, str]:
    content = inline.content.strip()
    lines = content.splitlines()
    return (lines[0] if lines else ""), "\n".join(lines[1:])


def _nested_item(inline: Token, state: _State) -> bool:
    """A nested entry is an item of its own when it has a checkbox, or in an outline."""
    first, _ = _first_line(inline)
    return CHECKBOX.match(first) is not None or (state.outline and bool(clean_inline(first)))


def _is_link(text: str) -> bool:
    """A line that is a web link (with an optional description): a resource, not a topic."""
    match = LINK_ONLY.match(text.strip())
    if match is None:
        return False
    return match["bare"] is not None or (match["url"] or "").startswith("http")


def _sub_item(inline: Token, parent: ParsedNode, state: _State) -> ParsedNode | None:
    start, end = inline.map or [0, 1]
    first, extra = _first_line(inline)
    checkbox = CHECKBOX.match(first)
    text = first[checkbox.end() :] if checkbox else first
    kind = parent.item_kind if parent.item_kind not in (None, "module") else "topic"
    item = _new_item(clean_inline(text), start + 1, end, kind or "topic")
    item.checkbox = checkbox is not None
    item.status = CHECKBOX_STATUS[checkbox.group(1)] if checkbox else None
    item.body = extra
    _refine_item(item, text, state)
    if not checkbox and _is_link(text):
        item.item_kind = "resource"
        state.count("links kept as resources")
    else:
        state.count("checkbox sub-items" if checkbox else "sub-items")
    if not item.title:
        parent.body = f"{parent.body}\n- {inline.content.strip()}".strip()
        return None
    parent.children.append(item)
    return item


def _list_item(inline: Token, state: _State) -> ParsedNode | None:
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
    if not item.title:
        state.count("entries without words skipped")
        return None
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
        labelled_kind = _label_kind(label)
        if _is_label(label.lower(), ASSIGNMENT_LABELS + PROJECT_LABELS) and rest:
            item.item_kind = (
                "assignment" if _is_label(label.lower(), ASSIGNMENT_LABELS) else "project"
            )
            item.meta["label"] = label
            item.title = rest
        elif labelled_kind and rest:
            item.item_kind = labelled_kind
            item.meta["label"] = label
            item.title = rest
            state.count("labelled bullets")
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


def _label_kind(label: str) -> str | None:
    word = clean_inline(label).rstrip(":").strip()
    return next((kind for pattern, kind in LABEL_KINDS if pattern.match(word)), None)


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
    header = [clean_inline(c) or clean_inline(c, title=False) for c in rows[0][1]]
    for line, row in rows[1:]:
        _table_row(header, line, row, state)


def _names(cell: str) -> bool:
    """A cell names an item when it holds words, not only a number, a date or a status."""
    text = clean_inline(CHECKBOX.sub("", cell.strip()))
    return bool(re.search(r"[^\W\d_]", text)) and _status_of(text) is None


def _status_of(cell: str) -> str | None:
    text = clean_inline(cell, title=False).strip()
    return next((status for pattern, status in STATUS_WORDS if pattern.match(text)), None)


def _title_cell(header: list[str], row: list[str], status_col: int | None) -> int | None:
    """The cell that names the row's item: the first, else the topic column, else any words."""
    if row and _names(row[0]):
        return 0
    named = [i for i, cell in enumerate(row) if i != status_col and _names(cell)]
    by_header = [i for i in named if i < len(header) and TITLE_HEADER.search(header[i])]
    found = by_header or named
    return found[0] if found else None


def _table_row(header: list[str], line: int, row: list[str], state: _State) -> None:
    if not row:
        return
    status_col = next((i for i, h in enumerate(header) if i > 0 and STATUS_HEADER.search(h)), None)
    index = _title_cell(header, row, status_col)
    if index is None:
        state.count("table rows without a topic skipped")
        return
    first = row[index]
    checkbox = CHECKBOX.match(row[0])
    if checkbox:
        first = row[0][checkbox.end() :] if index == 0 else first
    item = _new_item(clean_inline(first), line, line, _section_item_kind(state))
    if not item.title:
        state.count("table rows without a topic skipped")
        return
    item.checkbox = checkbox is not None
    item.status = CHECKBOX_STATUS[checkbox.group(1)] if checkbox else None
    if status_col is not None and status_col < len(row) and not checkbox:
        status = _status_of(row[status_col])
        if status:
            item.status = status
            item.meta["status_column"] = header[status_col]
            state.count("table rows with a status")
    others = [(h, c) for i, (h, c) in enumerate(zip(header, row, strict=False)) if i != index]
    if index == 0:
        others = list(zip(header[1:], row[1:], strict=False))
    details = [f"{h}: {clean_inline(c) or clean_inline(c, title=False)}" for h, c in others if c]
    item.body = "\n".join(details)
    item.meta["table"] = True
    item.meta["columns"] = dict(zip(header, [clean_inline(c) for c in row], strict=False))
    state.current.children.append(item)
    state.count("table rows")


def _finish(roadmap: ParsedRoadmap, text: str, state: _State) -> None:
    shape_roadmap(roadmap, outline=state.outline)
    assign_keys(roadmap)
    if state.stats:
        roadmap.meta["stats"] = state.stats
    hours = read_hours_per_week(text)
    if hours:
        roadmap.meta["hours_per_week"] = hours
    if any(item.item_kind == "module" for item in roadmap.items()):
        roadmap.kind = "track"
    roadmap.notes = _notes(roadmap, state)


def _notes(roadmap: ParsedRoadmap, state: _State) -> list[str]:
    """What the parser made of the document, in a few words for the import report."""
    notes: list[str] = []
    if state.outline:
        notes.append(
            "no checkboxes and no week/phase headings: list items and table rows under the "
            "headings are tracked"
        )
    for what in (
        "checkbox sub-items",
        "sub-items",
        "links kept as resources",
        "labelled bullets",
        "table rows",
        "table rows with a status",
        "table rows without a topic skipped",
        "entries without words skipped",
    ):
        if state.found.get(what):
            notes.append(f"{state.found[what]} {what}")
    for what in ("title from the file name", "title from the first heading"):
        if state.found.get(what):
            notes.append(what)
    return notes
