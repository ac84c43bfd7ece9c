"""Turn the bytes of an imported document into clean text.

Handles BOMs (UTF-8, UTF-16), UTF-16 without a BOM, legacy Cyrillic (cp1251) and mojibake:
UTF-8 that was decoded as Mac Roman, cp1252 or cp1251 and saved again. Repair works run by run
(maximal runs of non-ASCII characters of the wrong code page), so a file where a few bytes were
lost is still repaired everywhere else. The code page is chosen by what decoding gains (characters
that collapse into UTF-8 sequences) against what it breaks, so short files and emoji count too.
A Cyrillic letter whose second byte was one cp1252 cannot hold (с, я, э, А, Н …) is guessed from
its neighbours and reported as guessed; other sequences that cannot be restored are dropped and
reported by line.
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
    guessed: int = 0


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

    @property
    def guessed_chars(self) -> int:
        """Repaired characters one of whose bytes was lost, restored from their neighbours."""
        return sum(r.guessed for r in self.repairs)

    def summary(self) -> str:
        """One line for the import report: the encoding and which repair was applied."""
        if not self.mojibake:
            return f"encoding {self.encoding}, no mojibake"
        lines = sorted({r.line for r in self.repairs if r.dropped})
        where = f" (dropped on lines {', '.join(map(str, lines[:20]))})" if lines else ""
        guessed = f", {self.guessed_chars} guessed" if self.guessed_chars else ""
        return (
            f"encoding {self.encoding}, mojibake via {self.mojibake}: "
            f"{self.repaired_chars} characters repaired{guessed}, "
            f"{self.dropped_chars} dropped{where}"
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
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _strict(data, utf16, name), utf16
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


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the zero bytes sit on one side of mostly-text pairs."""
    head = data[:8192]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    pairs = len(head) // 2
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= pairs * 0.3 and others <= pairs * 0.02:
            try:
                text = head.decode(encoding)
            except UnicodeDecodeError:
                text = head[:-2].decode(encoding, errors="replace")
            if _control_share(text) < 0.02:
                return encoding
    return None


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)


# Bytes a code page has no character for: a UTF-8 sequence that contained one lost it (or got
# U+FFFD, or, with Windows' "best fit" decoders, the C1 control of the same number).
LOST_BYTES = {"cp1252": (0x81, 0x8D, 0x8F, 0x90, 0x9D), "cp1251": (0x98,), "mac_roman": ()}
LOST = "\ufffd"
LOST_MARK = 0xFF  # never valid in UTF-8: stands for a lost byte while a run is repaired
VOWELS = "аеёиоуыэюя"


def _run_pattern(encoding: str) -> re.Pattern[str]:
    chars = bytes(range(0x80, 0x100)).decode(encoding, errors="ignore")
    chars += "".join(chr(b) for b in LOST_BYTES[encoding]) + LOST
    return re.compile("[" + re.escape(chars) + "]+")


_RUNS = {enc: _run_pattern(enc) for enc in MOJIBAKE_ENCODINGS}


def _run_bytes(run: str, encoding: str) -> bytes:
    """A run's bytes in the code page; C1 controls are their own byte, U+FFFD a lost byte."""
    out = bytearray()
    for ch in run:
        if ch == LOST:
            out.append(LOST_MARK)
        elif ord(ch) in LOST_BYTES[encoding]:
            out.append(ord(ch))
        else:
            out += ch.encode(encoding)
    return bytes(out)


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
        after = text[match.end() : match.end() + 2]
        fixed, dropped, guessed = _repair_run(run, encoding, before="".join(out)[-2:], after=after)
        if fixed != run:
            line = text.count("\n", 0, match.start()) + 1
            repairs.append(
                Repair(line=line, before=run, after=fixed, dropped=dropped, guessed=guessed)
            )
        out.append(fixed)
    out.append(text[pos:])
    return "".join(out), encoding, tuple(repairs)


def _guess_mojibake(text: str) -> str | None:
    """The code page whose repair gains the most: characters that collapse into UTF-8
    sequences, minus characters that would be broken. Short files and emoji count as much as
    long ones; a share of runs is not asked for."""
    best: tuple[int, int, str] | None = None
    for encoding, pattern in _RUNS.items():
        gain = loss = sequences = 0
        for match in pattern.finditer(text):
            run = match.group()
            if len(run) < 2:
                continue
            good_bytes, seqs, bad = _score_run(_run_bytes(run, encoding))
            gain += good_bytes - seqs
            sequences += seqs
            loss += bad
        if sequences and gain > loss and (best is None or (gain - loss, gain) > best[:2]):
            best = (gain - loss, gain, encoding)
    return best[2] if best else None


def _score_run(raw: bytes) -> tuple[int, int, int]:
    """(bytes inside valid UTF-8 sequences, how many sequences, bytes outside any)."""
    good = seqs = bad = 0
    i = 0
    while i < len(raw):
        size = _sequence_length(raw, i)
        if size:
            good += size
            seqs += 1
            i += size
        else:
            bad += 1 if raw[i] != LOST_MARK else 0
            i += 1
    return good, seqs, bad


def _repair_run(
    run: str, encoding: str, *, before: str = "", after: str = ""
) -> tuple[str, int, int]:
    """Decode a run's bytes as UTF-8 → (text, dropped, guessed). A lead byte whose
    continuation was lost is guessed where the letter is clear from its neighbours; other broken
    pieces are dropped, and a lone legacy character is kept."""
    raw = _run_bytes(run, encoding)
    out: list[str] = []
    dropped = guessed = 0
    i = 0
    while i < len(raw):
        size = _sequence_length(raw, i)
        if size:
            out.append(raw[i : i + size].decode("utf-8"))
            i += size
            continue
        letter, used = _guess_lost(raw, i, encoding, before + "".join(out), after)
        if letter:
            out.append(letter)
            guessed += 1
            i += used
            continue
        j = i + 1
        while j < len(raw) and not _sequence_length(raw, j) and not _lead_of_lost(raw, j, encoding):
            j += 1
        bad = "".join(
            LOST if b == LOST_MARK else bytes([b]).decode(encoding, errors="replace")
            for b in raw[i:j]
        )
        if len(bad) == 1 and len(run) == 1 and bad != LOST:
            out.append(bad)  # a single legacy character is more likely genuine than mojibake
        else:
            dropped += len(bad)
        i = j
    return "".join(out), dropped, guessed


def _lead_of_lost(raw: bytes, i: int, encoding: str) -> bool:
    return encoding in ("cp1252", "cp1251") and raw[i] in (0xD0, 0xD1)


def _guess_lost(
    raw: bytes, i: int, encoding: str, before: str, after: str
) -> tuple[str | None, int]:
    """A Cyrillic letter (lead byte D0/D1) whose second byte the code page lost."""
    if not _lead_of_lost(raw, i, encoding):
        return None, 0
    used = 2 if i + 1 < len(raw) and raw[i + 1] == LOST_MARK else 1
    rest = raw[i + used :]
    following = (rest.decode("utf-8", errors="replace").replace("\ufffd", "?") + after)[:3]
    candidates = [bytes([raw[i], b]).decode("utf-8") for b in LOST_BYTES[encoding]]
    return _choose_letter(candidates, before[-2:], following), used


def _choose_letter(candidates: list[str], previous: str, following: str) -> str:
    """The likeliest of the letters a lost byte allows, from the letters around it."""
    if len(candidates) == 1:
        return candidates[0]
    if "Н" in candidates:  # capitals: Н before a vowel (Неделя, Набор), else А (Анализ, API)
        return "Н" if following[:1].lower() in VOWELS else "А"
    prev = previous[-1:].lower()
    word_end = not (following[:1].isalpha() or following[:1] == "?")
    before_prev = previous[-2:-1].lower()
    if word_end and (prev in "алнья" or (prev == "и" and before_prev in "цнртгдмлбз")):
        return "я"  # неделя, статья, функция, новая, история (but сервис, синтаксис)
    if not prev.isalpha() and re.match(r"то(?:[тгм]|$|[^\w])", following.lower()):
        return "э"  # это, этот, этого
    return "с"


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
