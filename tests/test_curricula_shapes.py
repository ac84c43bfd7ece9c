"""Documents in the shapes public roadmaps take (written for these tests): numbered topics with
nested lists, nested checkboxes, a Russian plan with a progress table, H1-less and heading-less
documents, and the same documents as cp1252 and Mac Roman mojibake."""

from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path

import pytest

from gocoach.curricula.decoding import DocumentError, decode_document, find_mojibake
from gocoach.curricula.roadmaps import preview_rows, read_document
from gocoach.curricula.tree import ParsedNode, ParsedRoadmap

LIMIT = 5 * 1024 * 1024
DATA = Path(__file__).parent / "data" / "roadmaps"
C1 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


def parse(data: bytes | str, name: str = "plan.md") -> ParsedRoadmap:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return read_document(raw, name=name, max_bytes=LIMIT)[1]


def doc(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def tree(node: ParsedNode, depth: int = 0) -> list[str]:
    """An outline of the tree: '#' headings, '○' tracked items, '·' reference items."""
    lines = []
    for child in node.children:
        mark = "#" if not child.is_item else ("○" if child.trackable else "·")
        kind = f" ({child.item_kind})" if child.is_item and child.item_kind != "topic" else ""
        status = f" [{child.status}]" if child.status else ""
        lines.append(f"{'  ' * depth}{mark} {child.title}{kind}{status}")
        lines += tree(child, depth + 1)
    return lines


def counts(roadmap: ParsedRoadmap) -> tuple[int, int, int]:
    items = roadmap.items()
    return len(items), sum(n.trackable for n in items), sum(n.checkbox for n in items)


def test_numbered_topics_with_nested_lists() -> None:
    roadmap = parse(doc("numbered-topics.md"), "numbered-topics.md")
    assert roadmap.title == "Backend in Go: a self-study path"
    outline = tree(roadmap.root)
    assert outline[:13] == [
        "# Contents",
        "  · Topics",
        "  · License",
        "# Topics",
        "  ○ Language basics",
        "    · A Tour of Go (resource)",
        "    ○ Types, slices and maps",
        "    ○ Errors as values",
        "  ○ Concurrency",
        "    ○ Goroutines and the scheduler",
        "    ○ Channels and select",
        "    · Share memory by communicating (resource)",
        "  ○ HTTP services",
    ]
    assert outline[-5:] == [
        "# Going further",
        "  ○ Profiling with pprof",
        "  ○ Effective Go",
        "# License",
        "  · MIT, see the LICENSE file",
    ]
    assert counts(roadmap) == (22, 16, 0)
    assert roadmap.notes[1:] == ["9 sub-items", "3 links kept as resources"]


def test_nested_checkboxes_at_any_depth_keep_every_box_and_tick() -> None:
    text = doc("nested-checkboxes.md")
    roadmap = parse(text)
    boxes = text.count("[ ]") + text.count("[x]") + text.count("[/]")
    assert boxes == 12
    assert counts(roadmap) == (12, 12, 12)
    assert Counter(n.status for n in roadmap.items()) == {"todo": 6, "done": 5, "in_progress": 1}
    assert tree(roadmap.root)[:6] == [
        "# Core language",
        "  ○ Types [todo]",
        "    ○ Structs and embedding [done]",
        "    ○ Interfaces [todo]",
        "      ○ Empty interface and type switches [done]",
        "      ○ Nil interface values [todo]",
    ]
    scheduler = roadmap.items()[-1]
    assert scheduler.title == "Scheduler" and "read the design doc first" in scheduler.body
    assert roadmap.notes == ["8 checkbox sub-items"]


def test_russian_plan_with_numbered_list_bullets_and_progress_table() -> None:
    roadmap = parse(doc("progress-table-ru.md"), "progress-table-ru.md")
    assert roadmap.title == "Progress table ru"  # no H1: the file name, never a path
    assert all(n.title for n in roadmap.nodes())
    outline = tree(roadmap.root)
    assert outline == [
        "# 1️⃣ Темы",
        "  ○ Синтаксис и типы данных",
        "  ○ Функции и методы",
        "    ○ Замыкания",
        "    ○ Методы с указателем",
        "  ○ Написать Worker Pool на каналах (practice)",
        "  ○ Работа с ошибками: это важно",
        "  ○ Изучить Mocks",
        "# 2️⃣ Литература",
        "  · Документация Go (resource)",
        "  · «Язык программирования Go» (resource)",
        "# Прогресс",
        "  ○ Синтаксис и типы данных [done]",
        "  ○ Функции и методы [in_progress]",
        "  ○ Интерфейсы [todo]",
        "  ○ Горутины и каналы [todo]",
    ]
    practice = next(n for n in roadmap.items() if n.item_kind == "practice")
    assert practice.meta["label"] == "Практика"
    assert "table rows without a topic skipped" in " ".join(roadmap.notes)
    assert "1 entries without words skipped" in roadmap.notes


def test_title_from_file_name_or_first_heading_never_a_path() -> None:
    no_h1 = parse(doc("no-h1.md"), "/home/me/notes/go_study-plan.md")
    assert no_h1.title == "Go study plan"
    assert [n.title for n in no_h1.root.children] == ["Fundamentals", "Standard library"]
    readme = parse(doc("README.md"), "some/dir/README.md")
    assert readme.title == "Go developer roadmap"
    assert counts(readme) == (2, 2, 0)


def test_heading_less_document_keeps_its_items_at_the_top() -> None:
    roadmap = parse("1. Goroutines\n2. Channels\n   - Buffered channels\n", "C:\\docs\\todo-go.md")
    assert roadmap.title == "Todo go"
    assert tree(roadmap.root) == ["○ Goroutines", "○ Channels", "  ○ Buffered channels"]
    with pytest.raises(DocumentError, match=r"bad\.md: no Markdown headings"):
        parse("just words\n", "bad.md")


def test_bold_term_bullets_outside_labels_stay_terms() -> None:
    roadmap = parse("# P\n\n## Week 1\n\n- **Origin Story**: how Go began\n- **Практика:** pool\n")
    assert [(n.title, n.item_kind) for n in roadmap.items()] == [
        ("Origin Story", "topic"),
        ("pool", "practice"),
    ]


def test_preview_counts_tracked_and_reference_per_section() -> None:
    rows = preview_rows(parse(doc("numbered-topics.md")), items_per_section=2)
    headings = [(r["title"], r["tracked"], r["reference"]) for r in rows if r["kind"] == "section"]
    assert headings == [
        ("Contents", 0, 2),
        ("Topics", 14, 3),
        ("Going further", 2, 0),
        ("License", 0, 1),
    ]
    more = [r for r in rows if r["kind"] == "more"]
    assert [(r["tracked"], r["reference"]) for r in more] == [(1, 0), (0, 1), (8, 1)]


def mojibake_cp1252(text: str, errors: str) -> bytes:
    """UTF-8 read as cp1252 and saved again; errors='ignore'/'replace' lose the five bytes
    cp1252 has no character for, 'c1' keeps them as C1 controls (Windows' best fit)."""
    raw = text.encode("utf-8")
    if errors == "c1":
        garbled = "".join(chr(b) if b in C1 else bytes([b]).decode("cp1252") for b in raw)
    else:
        garbled = raw.decode("cp1252", errors=errors)
    return garbled.encode("utf-8")


DOCS = ["numbered-topics.md", "nested-checkboxes.md", "progress-table-ru.md", "no-h1.md"]


@pytest.mark.parametrize("name", DOCS)
@pytest.mark.parametrize("form", ["mac_roman", "c1"])
def test_lossless_mojibake_gives_the_same_tree(name: str, form: str) -> None:
    text = doc(name)
    if form == "mac_roman":
        data = text.encode("utf-8").decode("mac_roman").encode("utf-8")
    else:
        data = mojibake_cp1252(text, "c1")
    decoded = decode_document(data, name=name)
    assert decoded.text == text
    clean = parse(text, name)
    garbled = parse(data, name)
    assert [n.key for n in garbled.nodes()] == [n.key for n in clean.nodes()]
    if any(ord(c) > 127 for c in text):
        assert decoded.mojibake == ("mac_roman" if form == "mac_roman" else "cp1252")
        assert "mojibake via" in decoded.summary()


@pytest.mark.parametrize("errors", ["ignore", "replace"])
def test_short_cp1252_mojibake_with_lost_bytes_is_detected_and_repaired(errors: str) -> None:
    text = doc("progress-table-ru.md")
    decoded = decode_document(mojibake_cp1252(text, errors), name="plan.md")
    assert decoded.mojibake == "cp1252"
    assert find_mojibake(decoded.text) == []
    assert decoded.guessed_chars > 10  # letters whose second byte was lost
    assert decoded.dropped_chars == (4 if errors == "ignore" else 6)  # the keycaps' U+FE0F
    assert "guessed" in decoded.summary() and "dropped on lines 5, 16" in decoded.summary()
    clean = [n.title for n in parse(text).items()]
    repaired = [n.title for n in parse(mojibake_cp1252(text, errors)).items()]
    assert len(repaired) == len(clean)
    same = sum(a == b for a, b in zip(clean, repaired, strict=True))
    assert same >= len(clean) - 1  # a guessed letter can be wrong (с/я/э share a lost byte)
    assert "1⃣ Темы" in decoded.text  # the keycap survives without its variation selector


def test_keycap_emoji_alone_is_mojibake_worth_repairing() -> None:
    text = "# 1️⃣ Basics\n\n- 2️⃣ Channels\n"
    assert decode_document(mojibake_cp1252(text, "c1"), name="e.md").text == text


def test_genuine_accents_are_still_left_alone() -> None:
    text = "# Café\n\n- crème brûlée — 5 €\n- naïve façade\n"
    assert decode_document(text.encode("utf-8"), name="menu.md").mojibake is None


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text(encoding: str) -> None:
    text = doc("nested-checkboxes.md")
    decoded = decode_document(text.encode(encoding), name="plan.md")
    assert decoded.text == text and decoded.encoding == encoding
    assert codecs.BOM_UTF16_LE not in text.encode(encoding)[:2]
