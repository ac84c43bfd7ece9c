"""Deliberately broken variants of the reference solutions (tests/data/projects/<slug>/*.toml).

A variant is a few exact text replacements in the reference module and the stage that must
catch it, with a piece of that stage's message. A replacement whose `old` text is not found
exactly once fails loudly, so a variant cannot silently stop breaking anything.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

VARIANTS = Path(__file__).parent / "data" / "projects"


@dataclass(frozen=True)
class Variant:
    """One broken variant: which stage catches it, and with what message."""

    slug: str
    name: str
    stage: int
    message: str
    replacements: tuple[tuple[str, str, str], ...]


def load_variants(slug: str) -> list[Variant]:
    """Every variant of one project, sorted by name."""
    found = []
    for path in sorted((VARIANTS / slug).glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        replacements = tuple((r["file"], r["old"], r["new"]) for r in data["replace"])
        found.append(Variant(slug, path.stem, int(data["stage"]), str(data["message"]),
                             replacements))
    return found


def apply_variant(files: dict[str, bytes], variant: Variant) -> dict[str, bytes]:
    """The reference files with the variant's replacements made."""
    changed = dict(files)
    for name, old, new in variant.replacements:
        text = changed[name].decode("utf-8")
        count = text.count(old)
        assert count == 1, f"{variant.slug}/{variant.name}: {old!r} found {count} times in {name}"
        changed[name] = text.replace(old, new).encode("utf-8")
    return changed
