"""Import curricula into the database: parse, diff against the stored version, keep progress."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from gocoach.curricula.decoding import DecodedText, DocumentError, decode_document, find_mojibake
from gocoach.curricula.followups import looks_like_followups, parse_followups
from gocoach.curricula.markdown import parse_markdown
from gocoach.curricula.progress import set_status
from gocoach.curricula.roadmapsh import is_roadmapsh, read_roadmapsh
from gocoach.curricula.tree import ParsedNode, ParsedRoadmap, normalize_title
from gocoach.store.tables import ImportRun, Node, Progress, ProgressEvent, Roadmap, User

MATCH_THRESHOLD = 0.8


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    slug: str
    title: str
    kind: str
    created: bool
    dry_run: bool
    decoding: str
    repaired_chars: int
    dropped_chars: int
    repair_lines: list[int]
    counts: dict[str, int]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rekeyed: list[tuple[str, str]] = field(default_factory=list)
    match_scores: list[float] = field(default_factory=list)  # one per rekeyed pair
    orphaned: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    statuses_taken: int = 0
    unchanged_source: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored with the import run."""
        return {k: v for k, v in self.__dict__.items()}


def read_document(data: bytes, *, name: str, max_bytes: int) -> tuple[DecodedText, ParsedRoadmap]:
    """Decode and parse a document; DocumentError names the file (and line) on bad input.
    A roadmap.sh roadmap (.zip, .json or a packed folder) is read by roadmapsh, in its limits."""
    if is_roadmapsh(data, name=name):
        return read_roadmapsh(data, name=name, max_bytes=max_bytes)
    if len(data) > max_bytes:
        raise DocumentError(
            f"{name}: the file is {len(data) / 1048576:.1f} MB; the limit is "
            f"{max_bytes / 1048576:.1f} MB (GOCOACH_MAX_IMPORT_BYTES)"
        )
    decoded = decode_document(data, name=name)
    if looks_like_followups(decoded.text):
        parsed = parse_followups(decoded.text, name=name)
    else:
        parsed = parse_markdown(decoded.text, name=name)
    if not parsed.items():
        raise DocumentError(f"{name}: no list items, checkboxes or tables found under the headings")
    return decoded, parsed


def slug_for(name: str) -> str:
    """A roadmap slug from a file name: 'My Plan.md' → 'my-plan'."""
    stem = Path(name).stem.lower()
    slug = re.sub(r"[^\w]+", "-", stem, flags=re.UNICODE).strip("-")
    return slug[:100] or "roadmap"


def import_document(
    session: Session,
    *,
    data: bytes,
    name: str,
    user: User,
    now: datetime,
    max_bytes: int,
    slug: str | None = None,
    dry_run: bool = False,
    overwrite_progress: bool = False,
    bundled: bool = False,
    position: int = 0,
) -> ImportReport:
    """Import (or re-import) one document as a roadmap, in the caller's transaction."""
    decoded, parsed = read_document(data, name=name, max_bytes=max_bytes)
    slug = slug or slug_for(name)
    # A roadmap.sh source is compared as its bundle, the same whether it came as folder or zip.
    roadmapsh = parsed.meta.get("source_format") == "roadmap.sh"
    sha = hashlib.sha256(decoded.text.encode("utf-8") if roadmapsh else data).hexdigest()
    roadmap = session.scalars(select(Roadmap).where(Roadmap.slug == slug)).one_or_none()
    report = _new_report(slug, parsed, decoded, created=roadmap is None, dry_run=dry_run)
    old_nodes = _stored_nodes(session, roadmap) if roadmap else {}
    new_nodes = {n.key: n for n in parsed.nodes()}
    report.unchanged_source = roadmap is not None and roadmap.source_sha256 == sha
    moves = _diff(session, roadmap, old_nodes, new_nodes, report)
    if dry_run:
        _statuses_from_document(session, roadmap, parsed, user, now, overwrite_progress, report)
        return report
    if roadmap is None:
        roadmap = Roadmap(slug=slug, imported_at=now)
        session.add(roadmap)
    _fill_roadmap(roadmap, parsed, decoded, name, sha, bundled, position, now)
    session.flush()
    _replace_nodes(session, roadmap, parsed)
    _apply_moves(session, roadmap, moves, report, now)
    _statuses_from_document(session, roadmap, parsed, user, now, overwrite_progress, report)
    session.add(
        ImportRun(
            roadmap_id=roadmap.id,
            user_id=user.id,
            source_name=name,
            source_sha256=sha,
            report=report.as_dict(),
            at=now,
        )
    )
    return report


def _new_report(
    slug: str, parsed: ParsedRoadmap, decoded: DecodedText, *, created: bool, dry_run: bool
) -> ImportReport:
    counts: dict[str, int] = {}
    for node in parsed.nodes():
        counts[node.kind] = counts.get(node.kind, 0) + 1
    items = parsed.items()
    counts["checkbox_items"] = sum(1 for n in items if n.checkbox)
    counts["trackable_items"] = sum(1 for n in items if n.trackable)
    leftovers = [n.title for n in parsed.nodes() if find_mojibake(n.title)]
    return ImportReport(
        slug=slug,
        title=parsed.title,
        kind=parsed.kind,
        created=created,
        dry_run=dry_run,
        decoding=decoded.summary(),
        repaired_chars=decoded.repaired_chars,
        dropped_chars=decoded.dropped_chars,
        repair_lines=sorted({r.line for r in decoded.repairs}),
        counts=counts,
        warnings=[f"title still looks garbled: {t}" for t in leftovers],
        notes=list(parsed.notes),
        preview=_preview_of(parsed),
    )


def _preview_of(parsed: ParsedRoadmap) -> list[dict[str, Any]]:
    if parsed.meta.get("source_format") == "roadmap.sh":
        # no headings, a topic per item and links by the hundred: every topic, no links
        return preview_rows(parsed, top_items=100, reference=False)
    return preview_rows(parsed)


def preview_rows(
    parsed: ParsedRoadmap,
    *,
    items_per_section: int = 5,
    top_items: int | None = None,
    reference: bool = True,
) -> list[dict[str, Any]]:
    """The tree an import would make: each heading with its tracked and reference item counts
    (everything below it), and its first few items (sub-items indented under them); `top_items`
    items at the top level, where a roadmap without headings (roadmap.sh) keeps its topics;
    with `reference=False` reference items are only counted, not listed."""
    rows: list[dict[str, Any]] = []
    _preview(parsed.root, 0, rows, items_per_section, top_items, reference)
    return rows


def _preview(
    node: ParsedNode,
    depth: int,
    rows: list[dict[str, Any]],
    limit: int,
    top: int | None = None,
    reference: bool = True,
) -> None:
    shown = 0
    cap = top if top is not None else limit
    hidden_tracked = hidden_reference = 0
    for child in node.children:
        below = [n for n in child.walk() if n.is_item]
        tracked = sum(1 for n in below if n.trackable)
        if child.is_item and (shown >= cap or not (reference or child.trackable)):
            hidden_tracked += tracked
            hidden_reference += len(below) - tracked
            continue
        rows.append(
            {
                "depth": depth,
                "kind": child.kind,
                "item_kind": child.item_kind,
                "title": child.title,
                "trackable": child.trackable,
                "status": child.status,
                "tracked": tracked,
                "reference": len(below) - tracked,
            }
        )
        shown += child.is_item
        _preview(child, depth + 1, rows, limit, reference=reference)
    if hidden_tracked or (hidden_reference and reference):
        rows.append(
            {
                "depth": depth,
                "kind": "more",
                "item_kind": None,
                "title": "",
                "trackable": False,
                "status": None,
                "tracked": hidden_tracked,
                "reference": hidden_reference,
            }
        )


def _stored_nodes(session: Session, roadmap: Roadmap) -> dict[str, Node]:
    rows = session.scalars(select(Node).where(Node.roadmap_id == roadmap.id))
    return {n.key: n for n in rows}


def _diff(
    session: Session,
    roadmap: Roadmap | None,
    old: dict[str, Node],
    new: dict[str, ParsedNode],
    report: ImportReport,
) -> dict[str, str]:
    """Fill added/removed and match items with progress whose key disappeared; old → new key."""
    report.added = [new[k].title for k in new if k not in old and new[k].is_item]
    report.removed = [old[k].title for k in old if k not in new and old[k].kind == "item"]
    if roadmap is None:
        return {}
    with_progress = set(
        session.scalars(select(Progress.node_key).where(Progress.roadmap_id == roadmap.id)).all()
    )
    candidates = [new[k] for k in new if k not in old and new[k].is_item]
    moves: dict[str, str] = {}
    for key in sorted(with_progress - set(new)):
        title = old[key].title if key in old else key
        match, score = _best_match(title, candidates)
        if match is None:
            report.orphaned.append(title)
            continue
        moves[key] = match.key
        candidates.remove(match)
        report.rekeyed.append((title, match.title))
        report.match_scores.append(round(score, 2))
    return moves


def title_similarity(old: str, new: str) -> float:
    """How surely `new` is an edit of `old`, 0–1: the better of the character ratio and token
    containment. Adding (or removing) words keeps every word of the shorter title: 'Изучить
    Mocks' → 'Изучить Mocks и gomock' scores 0.8 + 0.2 × 2/4 = 0.9."""
    a, b = normalize_title(old), normalize_title(new)
    ratio = SequenceMatcher(None, a, b).ratio()
    words_a, words_b = _words(a), _words(b)
    small, large = sorted((words_a, words_b), key=len)
    if len(small) >= 2 and small <= large:
        ratio = max(ratio, 0.8 + 0.2 * len(small) / len(large))
    return ratio


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


def _best_match(title: str, candidates: list[ParsedNode]) -> tuple[ParsedNode | None, float]:
    """The one candidate that clearly corresponds: similar enough and clearly the best."""
    scored = sorted(
        ((title_similarity(title, c.title), i) for i, c in enumerate(candidates)), reverse=True
    )
    if not scored or scored[0][0] < MATCH_THRESHOLD:
        return None, 0.0
    if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.05:
        return None, 0.0
    return candidates[scored[0][1]], scored[0][0]


def _fill_roadmap(
    roadmap: Roadmap,
    parsed: ParsedRoadmap,
    decoded: DecodedText,
    name: str,
    sha: str,
    bundled: bool,
    position: int,
    now: datetime,
) -> None:
    roadmap.title = parsed.title
    roadmap.kind = parsed.kind
    roadmap.description = parsed.description
    roadmap.source_name = Path(name).name
    roadmap.source_sha256 = sha
    roadmap.source_text = decoded.text
    roadmap.meta = parsed.meta
    roadmap.bundled = bundled
    roadmap.position = position
    roadmap.imported_at = now


def _replace_nodes(session: Session, roadmap: Roadmap, parsed: ParsedRoadmap) -> None:
    session.execute(delete(Node).where(Node.roadmap_id == roadmap.id))
    rows: list[dict[str, Any]] = []
    _node_rows(parsed.root, None, 0, roadmap.id, rows)
    if rows:
        session.execute(insert(Node), rows)


def _node_rows(
    node: ParsedNode,
    parent_key: str | None,
    depth: int,
    roadmap_id: int,
    rows: list[dict[str, Any]],
) -> None:
    for child in node.children:
        rows.append(
            {
                "roadmap_id": roadmap_id,
                "key": child.key,
                "parent_key": parent_key,
                "position": len(rows),
                "depth": depth,
                "kind": child.kind,
                "item_kind": child.item_kind,
                "title": child.title,
                "body": child.body,
                "line_start": child.line,
                "line_end": child.line_end,
                "checkbox": child.checkbox,
                "trackable": child.trackable,
                "meta": child.meta,
            }
        )
        _node_rows(child, child.key, depth + 1, roadmap_id, rows)


def _apply_moves(
    session: Session, roadmap: Roadmap, moves: dict[str, str], report: ImportReport, now: datetime
) -> None:
    rows = session.scalars(select(Progress).where(Progress.roadmap_id == roadmap.id)).all()
    live = set(session.scalars(select(Node.key).where(Node.roadmap_id == roadmap.id)).all())
    for row in rows:
        if row.node_key in moves:
            old_key, row.node_key = row.node_key, moves[row.node_key]
            row.orphaned = False
            session.add(
                ProgressEvent(
                    user_id=row.user_id,
                    roadmap_id=roadmap.id,
                    node_key=row.node_key,
                    previous_status=row.status,
                    status=row.status,
                    source="import",
                    at=now,
                    detail={"rekeyed_from": old_key},
                )
            )
        else:
            row.orphaned = row.node_key not in live


def _statuses_from_document(
    session: Session,
    roadmap: Roadmap | None,
    parsed: ParsedRoadmap,
    user: User,
    now: datetime,
    overwrite: bool,
    report: ImportReport,
) -> None:
    """Checked boxes in the document become the user's status, never silently over theirs."""
    existing: dict[str, Progress] = {}
    if roadmap is not None:
        rows = session.scalars(
            select(Progress).where(Progress.roadmap_id == roadmap.id, Progress.user_id == user.id)
        )
        existing = {p.node_key: p for p in rows}
    for item in parsed.items():
        if not item.status or (item.status == "todo" and item.key not in existing):
            continue
        current = existing.get(item.key)
        if current is not None and current.status == item.status:
            continue
        if current is not None and current.status != "todo" and not overwrite:
            report.conflicts.append(
                f"{item.title}: document says {item.status}, your progress says {current.status}"
            )
            continue
        report.statuses_taken += 1
        if roadmap is not None and not report.dry_run:
            set_status(
                session,
                user=user,
                roadmap=roadmap,
                key=item.key,
                status=item.status,
                now=now,
                source="import",
            )


def list_roadmaps(session: Session) -> list[Roadmap]:
    """All roadmaps in display order."""
    return list(session.scalars(select(Roadmap).order_by(Roadmap.position, Roadmap.id)))


def get_roadmap(session: Session, slug: str) -> Roadmap:
    """A roadmap by slug, or a LookupError that lists the known slugs."""
    roadmap = session.scalars(select(Roadmap).where(Roadmap.slug == slug)).one_or_none()
    if roadmap is None:
        known = ", ".join(r.slug for r in list_roadmaps(session)) or "none yet"
        raise LookupError(f"no roadmap '{slug}' (known: {known})")
    return roadmap


def load_nodes(session: Session, roadmap: Roadmap) -> list[Node]:
    """A roadmap's nodes in document order."""
    return list(
        session.scalars(select(Node).where(Node.roadmap_id == roadmap.id).order_by(Node.position))
    )
