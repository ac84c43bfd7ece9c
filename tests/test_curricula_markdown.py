"""The importer reads the user's five documents into the expected trees."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import seed_bytes
from gocoach.curricula.decoding import DocumentError, find_mojibake
from gocoach.curricula.roadmaps import read_document
from gocoach.curricula.tree import ParsedRoadmap

LIMIT = 5 * 1024 * 1024


def parse(prefix: str) -> ParsedRoadmap:
    return read_document(seed_bytes(prefix), name=f"{prefix}.md", max_bytes=LIMIT)[1]


def kinds(roadmap: ParsedRoadmap) -> Counter[str]:
    return Counter(n.kind for n in roadmap.nodes())


def test_senior_3_months() -> None:
    roadmap = parse("002")
    assert roadmap.title == "3-месячный Roadmap до уровня Senior Golang Developer"
    assert kinds(roadmap)["month"] == 3
    weeks = [n for n in roadmap.nodes() if n.kind == "week"]
    assert [w.meta["week_from"] for w in weeks] == list(range(1, 13))
    boxes = [n for n in roadmap.items() if n.checkbox]
    assert len(boxes) == 102
    split = Counter(n.item_kind for n in boxes)
    assert split == {"theory": 50, "practice": 36, "project": 16}
    week4 = weeks[3]
    project = [n for n in week4.walk() if n.is_item]
    assert {n.item_kind for n in project} == {"project"}
    assert "Очередь задач (in-memory или Redis)" in [n.title for n in project]
    final = [n.title for n in weeks[11].walk() if n.is_item]
    assert "REST/gRPC ingestion endpoint" in final and len(final) == 10


def test_backend_16_weeks() -> None:
    roadmap = parse("003")
    stages = [n for n in roadmap.nodes() if n.kind == "stage"]
    assert [(s.meta["week_from"], s.meta["week_to"]) for s in stages] == [
        (1, 3),
        (4, 7),
        (8, 12),
        (13, 16),
    ]
    assert kinds(roadmap)["week"] == 16
    items = roadmap.items()
    assert sum(1 for n in items if n.checkbox) == 183
    assignments = [n for n in items if n.item_kind == "assignment"]
    assert len(assignments) == 15
    assert assignments[0].title == "Написать CLI калькулятор с основными операциями"
    milestones = [n for n in items if n.item_kind == "milestone"]
    assert [m.meta["week"] for m in milestones] == [3, 7, 12, 16]
    assert sum(1 for n in items if n.item_kind == "criterion") == 15
    report = [n.title for n in items if n.item_kind == "report"]
    assert report[0] == "Изученные темы" and len(report) == 5
    assert roadmap.meta["hours_per_week"] == {"min": 15, "max": 20}
    days = [n for n in roadmap.nodes() if n.kind == "day"]
    assert (days[0].meta["day_from"], days[0].meta["day_to"]) == (1, 2)
    assert any(n.item_kind == "resource" for n in items)


def test_mastery_12_phases() -> None:
    roadmap = parse("004")
    tiers = [n for n in roadmap.root.children if n.kind == "tier"]
    assert len(tiers) == 4
    assert [t.meta.get("duration_text") for t in tiers] == [
        "8-12 weeks",
        "6-8 weeks",
        "8-10 weeks",
        "Ongoing",
    ]
    phases = [n for n in roadmap.nodes() if n.kind == "phase"]
    assert [int(p.meta["number"]) for p in phases] == list(range(13))
    assert [len([p for p in t.children if p.kind == "phase"]) for t in tiers] == [4, 3, 4, 2]
    sections = [
        n for n in roadmap.nodes() if n.kind == "numbered" and n.meta["number"].count(".") == 1
    ]
    assert len(sections) == 107
    assert phases[0].meta["objective"].startswith("Establish the development environment")
    first = next(n for n in sections[0].children if n.is_item)
    assert first.title == "Origin Story" and first.trackable and not first.checkbox
    assert first.body.startswith("Google's 2007 creation")


def test_track_index() -> None:
    roadmap = parse("000")
    assert roadmap.kind == "track"
    modules = [n for n in roadmap.items() if n.item_kind == "module"]
    assert [m.title for m in modules][:3] == [
        "00-language-overview",
        "01-goroutines-channels",
        "02-memory-slices-maps",
    ]
    assert [m.meta["number"] for m in modules] == [f"{i:02d}" for i in range(14)]
    assert modules[1].body.startswith("буферизация, select")
    groups = [n.title for n in roadmap.nodes() if n.kind == "group"]
    assert groups == [
        "Основы (чаще всего спрашивают)",
        "Продвинутые темы",
        "Инфраструктура и сети",
        "Архитектура (senior/architect level)",
    ]
    assert roadmap.meta["stats"] == {
        "Модулей": "14",
        "Вопросов": "~130",
        "Уровень": "Middle → Senior → Architect",
    }


def test_follow_up_list() -> None:
    roadmap = parse("001")
    assert roadmap.kind == "followups"
    counts = kinds(roadmap)
    assert counts["topic"] == 12 and counts["group"] == 23
    followups = roadmap.items()
    assert len(followups) == 73
    general = next(n for n in roadmap.nodes() if n.kind == "general")
    assert len(general.children) == 4
    assert general.children[0].title == (
        "Расскажите о самом сложном баге, который вы исправляли в Go"
    )
    first_group = next(n for n in roadmap.nodes() if n.kind == "group")
    assert first_group.meta == {"question": 1, "topic": "goroutine"}


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_title_holds_mojibake_and_keys_are_unique(prefix: str) -> None:
    roadmap = parse(prefix)
    assert all(find_mojibake(n.title) == [] for n in roadmap.nodes())
    keys = [n.key for n in roadmap.nodes()]
    assert len(keys) == len(set(keys))


def test_keys_are_stable_across_parses() -> None:
    assert [n.key for n in parse("003").nodes()] == [n.key for n in parse("003").nodes()]


def test_any_markdown_roadmap_with_tables_and_plain_bullets() -> None:
    text = """# Мой план

## Stage 1: Basics (Weeks 1-2)

### Week 1

- **Goroutines:** what they are
  - stacks start small
- [x] Channels

| Topic | Notes |
|---|---|
| select | random choice |

**Assignment:** build a pipeline
"""
    roadmap = read_document(text.encode(), name="plan.md", max_bytes=LIMIT)[1]
    stage = roadmap.root.children[0]
    assert stage.kind == "stage" and stage.meta["week_from"] == 1
    week = stage.children[0]
    titles = [(n.title, n.item_kind, n.status) for n in week.children]
    assert titles == [
        ("Goroutines", "topic", None),
        ("Channels", "topic", "done"),
        ("select", "topic", None),
        ("build a pipeline", "assignment", None),
    ]
    assert "stacks start small" in week.children[0].body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some words\nno headings here\n", "no Markdown headings"),
        (b"# Title\n\nonly a paragraph\n", "no list items"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"),
    ],
)
def test_bad_documents(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        read_document(data, name="bad.md", max_bytes=LIMIT)


def test_oversized_document_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"big\.md: the file is 6\.0 MB; the limit is 5\.0 MB"):
        read_document(b"# x\n" + b"- a\n" * (6 * 1024 * 1024 // 4), name="big.md", max_bytes=LIMIT)
