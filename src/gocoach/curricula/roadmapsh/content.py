"""A roadmap.sh content file: the description of a topic and its links.

`# Title`, a description, a line such as «Visit the following resources to learn more:», then
links — `- [@article@Title](https://…)` (the kind between the @), older files
`- [Title](https://…) - what it is` or `<BadgeLink badgeText='Official' href='…'>Title</BadgeLink>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gocoach.curricula.roadmapsh.topics import clean_label

LINK_LINE = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)"
    r"(?:\s*[-—–:]?\s+(?P<note>.+?))?\s*$"  # "- [Title](url) - what it is"
)
TYPED = re.compile(r"^@(?P<kind>[\w-]+)@\s*(?P<title>.*)$", re.S)
BADGE = re.compile(r"<BadgeLink\b(?P<attrs>[^>]*)>(?P<title>.*?)</BadgeLink>", re.I | re.S)
ATTRIBUTE = re.compile(r"(\w+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\")")
GROUP_TITLE = re.compile(r"<ResourceGroupTitle>.*?</ResourceGroupTitle>", re.I)
# The line that introduces a topic's link list ("Visit the following resources to learn more:").
LINKS_INTRO = re.compile(
    r"(?:resources?|links?|learn more|following|ресурс\w*|ссылк\w*|материал\w*|подробнее)"
    r"[^\n]{0,80}:$",
    re.I,
)


@dataclass(frozen=True)
class Link:
    """A link from a content file: its text, address and roadmap.sh kind (article, video …),
    and the words after it (`- [Title](url) - what it is`)."""

    title: str
    url: str
    kind: str
    note: str = ""


def read_content(text: str) -> tuple[str, list[Link]]:
    """A content file's description (without its title heading, its lists of links and the
    line that introduces them) and its links: `- [@video@Title](https://…)` and the older
    `<BadgeLink href=…>`. Bullets that are not links stay in the description."""
    body = re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.S).strip()
    body = re.sub(r"\A# [^\n]*\n?", "", body)
    links: list[Link] = []
    blocks: list[tuple[str, bool]] = []  # a paragraph's text, and whether links followed it
    for paragraph in re.split(r"\n\s*\n", body):
        kept: list[str] = []
        found = len(links)
        for line in paragraph.split("\n"):
            if not _read_links(line, links):
                kept.append(GROUP_TITLE.sub("", BADGE.sub("", line)).rstrip())
        last = kept[-1].strip() if kept else ""
        if len(links) > found and len(last) <= 90 and last.endswith(":"):
            kept.pop()  # "Further reading:" on the line right above the links
        if len(links) > found and blocks and not kept:
            blocks[-1] = (blocks[-1][0], True)
        remaining = "\n".join(kept).strip()
        if remaining:
            blocks.append((remaining, len(links) > found))
    while True:  # intro lines ("Visit the following resources:") go with their links
        intros = [i for i, (t, before) in enumerate(blocks) if before and _introduces(t)]
        if not intros:
            break
        i = intros[0]
        if i > 0:
            blocks[i - 1] = (blocks[i - 1][0], blocks[i - 1][1] or _introduces(blocks[i - 1][0]))
        del blocks[i]
    return "\n\n".join(t for t, _ in blocks), links


def _introduces(text: str) -> bool:
    """A short line of its own that announces links; a description that happens to end
    with "visit these resources:" is longer and stays."""
    return "\n" not in text and len(text) <= 90 and LINKS_INTRO.search(text) is not None


def _read_links(line: str, links: list[Link]) -> bool:
    """Add the links a line holds; True when the line was nothing but links."""
    listed = LINK_LINE.match(line)
    if listed and listed["url"].startswith(("https://", "http://")):
        links.append(_link(listed["text"], listed["url"], listed["note"] or ""))
        return True
    for badge in BADGE.finditer(line):
        attrs = {m[1].lower(): m[2] or m[3] for m in ATTRIBUTE.finditer(badge["attrs"])}
        if attrs.get("href", "").startswith(("https://", "http://")):
            title = clean_label(badge["title"]) or attrs["href"]
            links.append(Link(title, attrs["href"], attrs.get("badgetext", "").lower() or "link"))
    rest = GROUP_TITLE.sub("", BADGE.sub("", line)).strip()
    return not rest and (BADGE.search(line) is not None or GROUP_TITLE.search(line) is not None)


def _link(text: str, url: str, note: str) -> Link:
    typed = TYPED.match(text.strip())
    title = clean_label(typed["title"] if typed else text) or url
    kind = typed["kind"].lower() if typed else "link"
    return Link(title=title, url=url, kind=kind, note=note.strip(" `"))


def front_matter(page: str) -> dict[str, str]:
    """Top-level `key: value` lines of a page's front matter (title, description)."""
    found = re.match(r"\A---\n(.*?)\n---", page, re.S)
    values: dict[str, str] = {}
    for line in found.group(1).split("\n") if found else ():
        pair = re.match(r"^(\w+):\s*(.+)$", line)
        if pair:
            value = pair.group(2).strip()
            if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            key = pair.group(1)
            values[key] = clean_label(value) if key == "title" else value.strip()
    return {k: v for k, v in values.items() if v}
