"""Item progress: statuses, notes, evidence, history and roll-ups per node and roadmap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.curricula.tree import STATUSES
from gocoach.store.tables import Node, Progress, ProgressEvent, Roadmap, User


@dataclass(frozen=True)
class RollUp:
    """Counts under a node; skipped items count on neither side of the percentage."""

    done: int = 0
    in_progress: int = 0
    todo: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """Items that count: everything but skipped."""
        return self.done + self.in_progress + self.todo

    @property
    def percent(self) -> int:
        """Share of counted items that are done, 0–100."""
        return round(100 * self.done / self.total) if self.total else 0

    def plus(self, status: str) -> RollUp:
        """This roll-up with one more item of `status`."""
        values = {s: getattr(self, s) for s in STATUSES}
        values[status] += 1
        return RollUp(**values)

    def add(self, other: RollUp) -> RollUp:
        """The sum of two roll-ups."""
        return RollUp(*(getattr(self, s) + getattr(other, s) for s in STATUSES))


def statuses(session: Session, user: User, roadmap: Roadmap) -> dict[str, Progress]:
    """The user's progress rows of a roadmap, by node key."""
    rows = session.scalars(
        select(Progress).where(Progress.user_id == user.id, Progress.roadmap_id == roadmap.id)
    )
    return {p.node_key: p for p in rows}


def roll_up(nodes: Sequence[Node], progress: dict[str, Progress]) -> dict[str | None, RollUp]:
    """Roll-ups for every node key (and None for the whole roadmap), from trackable items."""
    counts: dict[str | None, list[int]] = {}
    parents = {n.key: n.parent_key for n in nodes}
    index = {status: i for i, status in enumerate(STATUSES)}
    for node in nodes:
        if not node.trackable:
            continue
        row = progress.get(node.key)
        slot = index[row.status if row else "todo"]
        key: str | None = node.key
        while True:
            counts.setdefault(key, [0, 0, 0, 0])[slot] += 1
            if key is None:
                break
            key = parents.get(key)
    return {key: RollUp(**dict(zip(STATUSES, c, strict=True))) for key, c in counts.items()}


def set_status(
    session: Session,
    *,
    user: User,
    roadmap: Roadmap,
    key: str,
    now: datetime,
    status: str | None = None,
    note: str | None = None,
    evidence: Sequence[str] = (),
    source: str = "cli",
) -> Progress:
    """Change an item's status, note or evidence and record it in the history."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status '{status}'; use one of: {', '.join(STATUSES)}")
    node = session.scalars(
        select(Node).where(Node.roadmap_id == roadmap.id, Node.key == key)
    ).one_or_none()
    if node is None or node.kind != "item":
        raise LookupError(f"no item '{key}' in roadmap '{roadmap.slug}'")
    row = session.scalars(
        select(Progress).where(
            Progress.user_id == user.id, Progress.roadmap_id == roadmap.id, Progress.node_key == key
        )
    ).one_or_none()
    if row is None:
        row = Progress(
            user_id=user.id,
            roadmap_id=roadmap.id,
            node_key=key,
            status="todo",
            note="",
            evidence=[],
            updated_at=now,
        )
        session.add(row)
    previous = row.status
    row.status = status or row.status
    if note is not None:
        row.note = note
    if evidence:
        row.evidence = [*row.evidence, *(e for e in evidence if e not in row.evidence)]
    row.updated_at = now
    session.add(
        ProgressEvent(
            user_id=user.id,
            roadmap_id=roadmap.id,
            node_key=key,
            previous_status=previous,
            status=row.status,
            note=row.note if note is not None else "",
            source=source,
            at=now,
            detail={"evidence": list(evidence)} if evidence else {},
        )
    )
    session.flush()
    return row


def history(
    session: Session, user: User, roadmap: Roadmap, key: str | None = None
) -> list[ProgressEvent]:
    """The user's changes in a roadmap (or of one item), newest first."""
    query = select(ProgressEvent).where(
        ProgressEvent.user_id == user.id, ProgressEvent.roadmap_id == roadmap.id
    )
    if key is not None:
        query = query.where(ProgressEvent.node_key == key)
    return list(session.scalars(query.order_by(ProgressEvent.at.desc(), ProgressEvent.id.desc())))


def find_item(session: Session, ref: str, roadmap_slug: str | None = None) -> tuple[Roadmap, Node]:
    """An item by key or unique key prefix (≥ 4 characters), optionally within one roadmap."""
    if len(ref) < 4:
        raise LookupError("an item id needs at least 4 characters (see `gocoach show ROADMAP`)")
    if len(ref) > 40:  # keys have 16 characters; a long text is no key (nor a LIKE pattern)
        raise LookupError(f"no item with id '{ref[:40]}…'")
    query = (
        select(Node, Roadmap)
        .join(Roadmap, Node.roadmap_id == Roadmap.id)
        .where(Node.key.startswith(ref.lower(), autoescape=True), Node.kind == "item")
    )
    if roadmap_slug:
        query = query.where(Roadmap.slug == roadmap_slug)
    found = session.execute(query.limit(5)).all()
    if not found:
        raise LookupError(f"no item with id '{ref}'")
    if len(found) > 1:
        where = ", ".join(f"{r.slug}:{n.key}" for n, r in found)
        raise LookupError(f"item id '{ref}' is ambiguous ({where}); give more characters")
    node, roadmap = found[0]
    return roadmap, node


def curricula_version(session: Session) -> tuple[object, ...]:
    """A value that changes whenever roadmaps are imported, re-imported or removed.

    One cheap query; features that match every item's title (exercise links, question links)
    keep their result per process under this value instead of re-reading 40k titles a page.
    """
    roadmaps = session.execute(
        select(func.count(Roadmap.id), func.max(Roadmap.id), func.max(Roadmap.imported_at))
    ).one()
    last_node = session.scalar(select(func.max(Node.id)))
    return (str(session.get_bind().engine.url), *roadmaps, last_node)
