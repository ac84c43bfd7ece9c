"""Parse the plain-text follow-up list: topics, groups «К вопросу N (тема):», questions."""

from __future__ import annotations

import re

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.tree import CHECKBOX_STATUS, ParsedNode, ParsedRoadmap, assign_keys

GROUP = re.compile(r"^(?:К вопросу|To question)\s+(?P<n>\d+)\s*\((?P<topic>[^)]+)\)\s*:?\s*$", re.I)
GENERAL = re.compile(r"^(?:Общие уточняющие|General follow-ups?)\b.*:?\s*$", re.I)
CHECKBOX = re.compile(r"^\[([ xX/~-])\]\s+")
QUOTES = "\"'«»“”„"


def looks_like_followups(text: str) -> bool:
    """A plain-text follow-up list has «К вопросу N (…)» lines and no Markdown headings."""
    lines = text.splitlines()
    return sum(1 for line in lines if GROUP.match(line.strip())) >= 2 and not any(
        line.startswith("#") for line in lines
    )


def parse_followups(text: str, *, name: str) -> ParsedRoadmap:
    """Topics hold groups, groups hold follow-ups; the general ones form a group of their own."""
    lines = [(n + 1, raw.strip()) for n, raw in enumerate(text.splitlines())]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise DocumentError(f"{name}: the file is empty")
    title = lines[0][1]
    root = ParsedNode(kind="root", title="")
    topic: ParsedNode | None = None
    group: ParsedNode | None = None
    for index, (number, line) in enumerate(lines[1:], start=1):
        group_match = GROUP.match(line)
        if group_match:
            group = ParsedNode(kind="group", title=line.rstrip(":"), line=number, line_end=number)
            group.meta.update(question=int(group_match["n"]), topic=group_match["topic"].strip())
            (topic or root).children.append(group)
        elif GENERAL.match(line):
            group = ParsedNode(kind="general", title=line.rstrip(":"), line=number, line_end=number)
            root.children.append(group)
            topic = None
        elif _is_topic(lines, index):
            topic = ParsedNode(kind="topic", title=line, line=number, line_end=number)
            root.children.append(topic)
            group = None
        elif group is not None:
            group.children.append(_followup(line, number))
        else:
            raise DocumentError(f"{name}:{number}: a question outside any «К вопросу N» group")
    roadmap = ParsedRoadmap(title=title, kind="followups", root=root)
    assign_keys(roadmap)
    return roadmap


def _followup(line: str, number: int) -> ParsedNode:
    box = CHECKBOX.match(line)
    text = line[box.end() :] if box else line
    item = ParsedNode(
        kind="item",
        title=text.strip().strip(QUOTES).strip(),
        line=number,
        line_end=number,
        item_kind="followup",
        trackable=True,
    )
    item.status = CHECKBOX_STATUS[box.group(1)] if box else None
    return item


def _is_topic(lines: list[tuple[int, str]], index: int) -> bool:
    line = CHECKBOX.sub("", lines[index][1])
    following = lines[index + 1][1] if index + 1 < len(lines) else ""
    return "?" not in line and line[0] not in QUOTES and bool(GROUP.match(following))
