"""Sentences of the bank that a Go release can make wrong: versions and runtime constants.

    >>> [f.kind for f in find_facts("x.md", "Таймеры с Go 1.23 не буферизованы.")]
    ['version']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VERSION = re.compile(
    r"\b(?:go\s?1\.\d{1,2}(?:\.\d+)?|(?:с|до|since|from|until|в|in)\s+(?:Go\s+)?1\.\d{1,2}\b"
    r"|1\.\d{1,2}\+)",
    re.IGNORECASE,
)
CONSTANT = re.compile(
    r"(?<![\w.])(?:_G[a-z]\w*|_P[a-z]\w*|GO(?:GC|MAXPROCS|MEMLIMIT|DEBUG|TRACEBACK|EXPERIMENT|AMD64"
    r"|ARM64|FLAGS|TOOLCHAIN)\b|\w+=\d+\b(?=.*GODEBUG)|\d+(?:[.,]\d+)?\s?(?:KiB|MiB|KB|MB|КБ|МБ|"
    r"ms|мс|µs|мкс|ns|нс)\b)"
)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ`*(«])")


@dataclass(frozen=True)
class Fact:
    """One sentence naming a Go version or a runtime constant, and where it stands."""

    path: str
    line: int
    kind: str  # "version" or "constant"
    marks: tuple[str, ...]
    sentence: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{', '.join(self.marks)}] {self.sentence}"


def find_facts(path: str, text: str) -> list[Fact]:
    """Every sentence of a Markdown text that names a Go version or a runtime constant."""
    facts: list[Fact] = []
    in_code = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code or raw.lstrip().startswith("<!--"):
            continue
        for sentence in _sentences(raw):
            facts.extend(_fact(path, number, sentence))
    return facts


def _sentences(line: str) -> Iterator[str]:
    for part in SENTENCE_END.split(line.strip()):
        if part.strip():
            yield part.strip()


def _fact(path: str, line: int, sentence: str) -> Iterator[Fact]:
    versions = tuple(dict.fromkeys(m.group(0).strip() for m in VERSION.finditer(sentence)))
    constants = tuple(dict.fromkeys(m.group(0).strip() for m in CONSTANT.finditer(sentence)))
    if versions:
        yield Fact(path, line, "version", versions + constants, sentence)
    elif constants:
        yield Fact(path, line, "constant", constants, sentence)


def track_facts(folder: Path, *, kind: str | None = None) -> list[Fact]:
    """The facts of every module file of a track folder, in file and line order."""
    facts: list[Fact] = []
    for path in sorted(folder.glob("[0-9][0-9]-*.md")):
        text = path.read_text(encoding="utf-8")
        facts.extend(f for f in find_facts(path.name, text) if kind in (None, f.kind))
    return facts
