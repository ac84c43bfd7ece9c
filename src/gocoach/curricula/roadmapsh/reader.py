"""Read a roadmap.sh roadmap — a zip archive, a bundle or a bare JSON graph — into the tree the
Markdown importer makes: topics as tracked items in reading order, subtopics as tracked
sub-items, a content file's text as the item's details and its links as reference items of kind
resource. Keys come from node ids (or the legacy slugs), so a topic renamed on roadmap.sh keeps
its progress.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from gocoach.curricula.decoding import DecodedText, DocumentError
from gocoach.curricula.roadmapsh.bundle import (
    BUNDLE_FORMAT,
    ZIP_MAGIC,
    Bundle,
    bundle_from_json,
    bundle_from_zip,
)
from gocoach.curricula.roadmapsh.content import front_matter, read_content
from gocoach.curricula.roadmapsh.graph import match_by_id, read_graph
from gocoach.curricula.roadmapsh.mockup import match_by_path, read_mockup
from gocoach.curricula.roadmapsh.topics import MAX_NODES, Reading, Topic
from gocoach.curricula.tree import ParsedNode, ParsedRoadmap


def is_roadmapsh(data: bytes, *, name: str) -> bool:
    """Whether a document is for this reader: a zip archive, a .json file, or a bundle."""
    if data.startswith(ZIP_MAGIC) or name.lower().endswith((".zip", ".json")):
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and any(
        marker in data for marker in (b'"nodes"', b'"mockup"', BUNDLE_FORMAT.encode())
    )


def read_roadmapsh(data: bytes, *, name: str, max_bytes: int) -> tuple[DecodedText, ParsedRoadmap]:
    """Parse a roadmap.sh roadmap: a zip archive, a bundle or a bare JSON graph.

    `read_roadmapsh(pack_folder(Path("golang"), max_bytes=limit), name="golang",
    max_bytes=limit)` reads a cloned roadmap folder; the text returned is the bundle.
    """
    if data.startswith(ZIP_MAGIC):
        bundle = bundle_from_zip(data, name=name, max_bytes=max_bytes)
    else:
        bundle = bundle_from_json(data, name=name, max_bytes=max_bytes)
    parsed = parse_bundle(bundle, name=name)
    return DecodedText(text=bundle.to_bytes().decode("utf-8"), encoding="utf-8"), parsed


def parse_bundle(bundle: Bundle, *, name: str) -> ParsedRoadmap:
    """The roadmap tree of a bundle; DocumentError when it is not a roadmap.sh graph."""
    graph = bundle.roadmap
    size = _size(graph)
    if size > MAX_NODES:
        raise DocumentError(f"{name}: {size} nodes in the roadmap; the limit is {MAX_NODES}")
    if isinstance(graph, dict) and isinstance(graph.get("nodes"), list):
        reading, shape = read_graph(graph), "graph"
        match_by_id(reading.topics, bundle.content)
    elif isinstance(graph, dict) and isinstance(graph.get("mockup"), dict):
        reading, shape = read_mockup(graph["mockup"], name=name), "legacy mockup"
        match_by_path(reading.topics, bundle.content)
    else:
        raise DocumentError(
            f'{name}: not a roadmap.sh roadmap — expected a JSON object with "nodes" and '
            '"edges" (or a legacy "mockup")'
        )
    topics = [t for top in reading.topics for t in top.walk() if t.kind != "group"]
    if not topics:
        raise DocumentError(
            f"{name}: no topics or subtopics with a label in the roadmap.sh {shape}"
        )
    front = front_matter(bundle.page)
    title = reading.title or front.get("title") or _title_from_name(bundle.name or name)
    root = ParsedNode(kind="root", title="")
    links = 0
    for topic in reading.topics:
        item, found = _item(topic, bundle.content)
        root.children.append(item)
        links += found
    parsed = ParsedRoadmap(
        title=title, kind="roadmap", root=root, description=front.get("description", "")
    )
    parsed.meta.update(source_format="roadmap.sh", roadmapsh_shape=shape)
    parsed.notes = _notes(
        bundle, reading, shape, topics, links, named=reading.title is not None or "title" in front
    )
    return parsed


def _size(graph: object) -> int:
    """How many nodes (or top-level mockup controls) a graph has."""
    if not isinstance(graph, dict):
        return 0
    if isinstance(graph.get("nodes"), list):
        return len(graph["nodes"])
    controls = (
        graph.get("mockup", {}).get("controls") if isinstance(graph.get("mockup"), dict) else None
    )
    listed = controls.get("control") if isinstance(controls, dict) else None
    return len(listed) if isinstance(listed, list) else 0


def _item(topic: Topic, content: dict[str, str]) -> tuple[ParsedNode, int]:
    """A topic as a tracked item: its description, subtopics and links (reference); a group
    drawn on the graph as a heading over its subtopics."""
    if topic.kind == "group":
        heading = ParsedNode(
            kind="section", title=topic.title, key=_key(f"roadmap.sh:group:{topic.ident}")
        )
        heading.meta["roadmapsh_id"] = topic.ident
        found = 0
        for child in topic.children:
            sub, below = _item(child, content)
            heading.children.append(sub)
            found += below
        return heading, found
    text = content.get(topic.content) if topic.content else None
    description, links = read_content(text) if text else ("", [])
    item = ParsedNode(
        kind="item",
        title=topic.title,
        item_kind="topic",
        trackable=True,
        body=description,
        meta={"roadmapsh_id": topic.ident, "roadmapsh_type": topic.kind},
        key=_key(f"roadmap.sh:{topic.ident}"),
    )
    if topic.content:
        item.meta["content_file"] = f"content/{topic.content}"
    found = len(links)
    for child in topic.children:
        sub, below = _item(child, content)
        item.children.append(sub)
        found += below
    for n, link in enumerate(links):
        item.children.append(
            ParsedNode(
                kind="item",
                title=link.title,
                item_kind="resource",
                body=f"{link.url}\n{link.note}" if link.note else link.url,
                meta={"url": link.url, "resource_type": link.kind},
                key=_key(f"{item.key}/resource:{n}:{link.url}"),
            )
        )
    return item, found


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _title_from_name(name: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem
    words = re.sub(r"[_\-.\s]+", " ", stem).strip()
    return (words[0].upper() + words[1:]) if words else "roadmap.sh roadmap"


def _notes(
    bundle: Bundle,
    reading: Reading,
    shape: str,
    topics: list[Topic],
    links: int,
    *,
    named: bool,
) -> list[str]:
    """What was made of the roadmap, for the import report."""
    subtopics = sum(1 for t in topics if t.kind == "subtopic")
    notes = [
        f"roadmap.sh {shape}: {len(topics) - subtopics} topics, {subtopics} subtopics, "
        f"{links} links kept as resources"
    ]
    groups = sum(1 for t in reading.topics if t.kind == "group")
    if groups:
        notes.append(
            f"{reading.grouped} subtopics under {groups} headings drawn on the roadmap "
            "(a box with a label, or a paragraph joined to them)"
        )
    if reading.boxed:
        notes.append(f"{reading.boxed} subtopics in an unnamed box put under the topic beside it")
    if reading.stacked:
        notes.append(
            f"{reading.stacked} subtopics put with the subtopic above or below them in a column"
        )
    loose = [t for t in reading.topics if t.kind == "subtopic"]
    if loose:
        notes.append(f"{len(loose)} subtopics in no group, kept at the top in reading order")
    if not bundle.has_content:
        notes.append("no content/ folder came with the JSON: items have no descriptions")
    else:
        missing = [t.title for t in topics if t.content is None]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            notes.append(f"{len(missing)} items without a content file (no description): {shown}")
        used = {t.content for t in topics}
        unused = sum(1 for rel in bundle.content if rel not in used)
        if unused:
            notes.append(f"{unused} content files describe no node on the graph")
    notes += [f"{n} {why} skipped" for why, n in reading.skipped.items()]
    if reading.repeated:
        notes.append(f"{reading.repeated} topics share a name with another (told apart by order)")
    notes += bundle.notes
    if not named:
        notes.append("title from the file name")
    return notes
