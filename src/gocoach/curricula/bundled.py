"""The five curricula shipped with gocoach (the user's documents, byte for byte)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.curricula.roadmaps import ImportReport, import_document
from gocoach.store.tables import Roadmap, User

SEEDS = Path(str(resources.files("gocoach.curricula") / "seeds"))


@dataclass(frozen=True)
class BundledDocument:
    """One shipped document: its bytes, the slug it is stored under and a readable name."""

    slug: str
    name: str
    path: Path


def bundled_documents() -> list[BundledDocument]:
    """The shipped documents in display order."""
    manifest = json.loads((SEEDS / "manifest.json").read_text(encoding="utf-8"))
    return [
        BundledDocument(slug=e["slug"], name=e["name"], path=SEEDS / e["file"]) for e in manifest
    ]


def load_bundled(
    session: Session, *, user: User, now: datetime, max_bytes: int
) -> list[ImportReport]:
    """Import shipped documents that are missing or changed; unchanged ones cost one query."""
    stored = {r.slug: r.source_sha256 for r in session.scalars(select(Roadmap))}
    reports = []
    for position, doc in enumerate(bundled_documents()):
        data = doc.path.read_bytes()
        if stored.get(doc.slug) == hashlib.sha256(data).hexdigest():
            continue
        reports.append(
            import_document(
                session,
                data=data,
                name=doc.name,
                slug=doc.slug,
                user=user,
                now=now,
                max_bytes=max(max_bytes, len(data)),
                bundled=True,
                position=position,
            )
        )
    return reports
