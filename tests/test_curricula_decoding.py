"""Decoding and mojibake repair on the user's raw documents and on synthetic input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from conftest import seed_bytes
from gocoach.curricula.bundled import SEEDS
from gocoach.curricula.decoding import DocumentError, decode_document, find_mojibake

SHARED_RAW = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "raw"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_decode_without_mojibake(prefix: str) -> None:
    decoded = decode_document(seed_bytes(prefix), name=prefix)
    assert find_mojibake(decoded.text) == []
    assert "Go" in decoded.text


def test_mac_roman_seeds_are_repaired_whole() -> None:
    for prefix in ("002", "003"):
        decoded = decode_document(seed_bytes(prefix), name=prefix)
        assert decoded.mojibake == "mac_roman"
        assert decoded.dropped_chars == 0
        assert decoded.repaired_chars > 1000
    assert decode_document(seed_bytes("002"), name="002").text.startswith(
        "# 🚀 3-месячный Roadmap до уровня Senior Golang Developer"
    )


def test_cp1252_seed_drops_only_broken_emoji_and_reports_lines() -> None:
    decoded = decode_document(seed_bytes("004"), name="004")
    assert decoded.mojibake == "cp1252"
    assert 0 < decoded.dropped_chars < 40
    dropped_lines = sorted({r.line for r in decoded.repairs if r.dropped})
    assert dropped_lines == [28, 769, 1292, 1297, 1454, 1530]
    assert "## ⚡ Phase 5: Concurrency & The Scheduler" in decoded.text
    assert "`'日'`" in decoded.text  # a CJK rune literal survives the round trip
    assert "dropped on lines 28, 769" in decoded.summary()


def test_utf8_seeds_are_left_alone() -> None:
    for prefix in ("000", "001"):
        decoded = decode_document(seed_bytes(prefix), name=prefix)
        assert decoded.mojibake is None
        assert decoded.text == seed_bytes(prefix).decode("utf-8")


def test_bundled_seeds_are_the_users_files_byte_for_byte() -> None:
    if not SHARED_RAW.is_dir():
        pytest.skip(f"the user's originals are not beside the project ({SHARED_RAW})")
    for original in SHARED_RAW.iterdir():
        assert (SEEDS / original.name).read_bytes() == original.read_bytes()


TEXT = "# План\n\n- [ ] Горутины — каналы\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("cp1251"), "cp1251"),
    ],
)
def test_encodings(data: bytes, encoding: str) -> None:
    decoded = decode_document(data, name="plan.md")
    assert decoded.text == TEXT
    assert decoded.encoding == encoding


@pytest.mark.parametrize("code_page", ["cp1252", "mac_roman", "cp1251"])
def test_synthetic_mojibake_is_repaired(code_page: str) -> None:
    garbled = TEXT.encode("utf-8").decode(code_page, errors="strict").encode("utf-8")
    decoded = decode_document(garbled, name="plan.md")
    assert decoded.text == TEXT
    assert decoded.mojibake == code_page


def test_genuine_latin_text_is_not_touched() -> None:
    text = "# Café menu\n\n- [ ] crème brûlée — 5 €\n"
    assert decode_document(text.encode("utf-8"), name="menu.md").text == text


def test_binary_and_empty_files_are_refused_by_name() -> None:
    with pytest.raises(DocumentError, match=r"x\.bin: this is a binary file"):
        decode_document(b"\x7fELF\x00\x01\x02" * 100, name="x.bin")
    with pytest.raises(DocumentError, match=r"e\.md: the file is empty"):
        decode_document(b"  \n", name="e.md")
