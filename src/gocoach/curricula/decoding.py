"""Turn the bytes of an imported document into clean text.

Handles BOMs (UTF-8, UTF-16), legacy Cyrillic (cp1251) and mojibake: UTF-8 that was decoded as
Mac Roman, cp1252 or cp1251 and saved again. Repair works run by run (maximal runs of non-ASCII
characters of the wrong code page), so a file where a few bytes were lost is still repaired
everywhere else; sequences that cannot be restored are dropped and reported by line.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

MOJIBAKE_ENCODINGS = ("mac_roman", "cp1252", "cp1251")

# Leftovers that mean the text is still mojibake (checked after repair and by tests).
MOJIBAKE_PATTERN = re.compile(
    "Ã[\u0080-\u00ff]|â€|â€™|Ð[\u0080-\u00bf¾½°µ¸»]|Ñ[\u0080-\u008f]|ðŸ|\uf8ff"
    "|–[ºµ∞ª±∑Æ©]|—[Ä-ü]|‚Äî|Р[°µѕё]|С[‚ЂЃ]"
)


class DocumentError(ValueError):
    """A document that cannot be imported; the message says what is wrong and where."""


@dataclass(frozen=True)
class Repair:
    """One repaired or dropped run: 1-based line, what was there, what it became."""

    line: int
    before: str
    after: str
    dropped: int


@dataclass(frozen=True)
class DecodedText:
    """Text ready to parse, with how it was obtained."""

    text: str
    encoding: str
    mojibake: str | None = None
    repairs: tuple[Repair, ...] = field(default_factory=tuple)

    @property
    def repaired_chars(self) -> int:
        """Characters produced by repairing mojibake runs."""
        return sum(len(r.after) for r in self.repairs)

    @property
    def dropped_chars(self) -> int:
        """Mojibake characters that could not be restored and were dropped."""
        return sum(r.dropped for r in self.repairs)

    def summary(self) -> str:
        """One line for the import report."""
        if not self.mojibake:
            return f"encoding {self.encoding}, no mojibake"
        lines = sorted({r.line for r in self.repairs if r.dropped})
        where = f" (dropped on lines {', '.join(map(str, lines[:20]))})" if lines else ""
        return (
            f"encoding {self.encoding}, mojibake via {self.mojibake}: "
            f"{self.repaired_chars} characters repaired, {self.dropped_chars} dropped{where}"
        )


def decode_document(data: bytes, *, name: str) -> DecodedText:
    """Decode a document's bytes and repair mojibake; raise DocumentError for unusable input."""
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    text, encoding = _decode_bytes(data, name=name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fixed, mojibake, repairs = repair_mojibake(text)
    return DecodedText(text=fixed, encoding=encoding, mojibake=mojibake, repairs=repairs)


def _decode_bytes(data: bytes, *, name: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name), "utf-16"
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: this is a binary file, not a text document")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    if _control_share(text) > 0.02:
        raise DocumentError(f"{name}: this is a binary file, not a text document")
    return text, "cp1251"


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(f"{name}:{line}: invalid {encoding} text ({exc.reason})") from exc


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)


def _run_pattern(encoding: str) -> re.Pattern[str]:
    chars = bytes(range(0x80, 0x100)).decode(encoding, errors="ignore")
    return re.compile("[" + re.escape(chars) + "]+")


_RUNS = {enc: _run_pattern(enc) for enc in MOJIBAKE_ENCODINGS}


def repair_mojibake(text: str) -> tuple[str, str | None, tuple[Repair, ...]]:
    """Repair UTF-8-as-legacy mojibake; returns (text, the code page or None, repairs)."""
    encoding = _guess_mojibake(text)
    if encoding is None:
        return text, None, ()
    pattern = _RUNS[encoding]
    repairs: list[Repair] = []
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        run = match.group()
        fixed, dropped = _repair_run(run, encoding)
        if fixed != run:
            line = text.count("\n", 0, match.start()) + 1
            repairs.append(Repair(line=line, before=run, after=fixed, dropped=dropped))
        out.append(fixed)
    out.append(text[pos:])
    return "".join(out), encoding, tuple(repairs)


def _guess_mojibake(text: str) -> str | None:
    best: tuple[float, int, str] | None = None
    for encoding, pattern in _RUNS.items():
        runs = [m.group() for m in pattern.finditer(text) if len(m.group()) >= 2]
        if not runs:
            continue
        good = sum(1 for run in runs if _decodes(run, encoding))
        share = good / len(runs)
        if good and share >= 0.6 and (best is None or (share, good) > best[:2]):
            best = (share, good, encoding)
    return best[2] if best else None


def _decodes(run: str, encoding: str) -> bool:
    try:
        run.encode(encoding).decode("utf-8")
    except UnicodeError:
        return False
    return True


def _repair_run(run: str, encoding: str) -> tuple[str, int]:
    """Decode a run's bytes as UTF-8; broken multi-byte pieces are dropped, lone chars kept."""
    raw = run.encode(encoding)
    out: list[str] = []
    dropped = 0
    i = 0
    while i < len(raw):
        size = _sequence_length(raw, i)
        if size:
            out.append(raw[i : i + size].decode("utf-8"))
            i += size
            continue
        j = i + 1
        while j < len(raw) and not _sequence_length(raw, j):
            j += 1
        bad = raw[i:j].decode(encoding)
        if len(bad) == 1 and len(run) == 1:
            out.append(bad)  # a single legacy character is more likely genuine than mojibake
        else:
            dropped += len(bad)
        i = j
    return "".join(out), dropped


def _sequence_length(raw: bytes, i: int) -> int:
    """Length of a valid UTF-8 sequence starting at raw[i], or 0."""
    for size in (2, 3, 4):
        try:
            raw[i : i + size].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return size
    return 0


def find_mojibake(text: str) -> list[str]:
    """Snippets of text that still look like mojibake (empty when clean)."""
    return [text[max(m.start() - 10, 0) : m.end() + 10] for m in MOJIBAKE_PATTERN.finditer(text)]
