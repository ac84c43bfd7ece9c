"""`gocoach export-anki`: open the written .apkg (a zip with an SQLite collection), check notes."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.drills.anki import export_anki
from gocoach.store.tables import User
from question_fixtures import load_small_track

FIELD_SEPARATOR = "\x1f"


def read_notes(apkg: Path, tmp_path: Path) -> list[tuple[list[str], str]]:
    """(fields, tags) of every note in the package's collection."""
    with zipfile.ZipFile(apkg) as archive:
        name = next(n for n in archive.namelist() if n.startswith("collection.anki2"))
        archive.extract(name, tmp_path)
    with sqlite3.connect(tmp_path / name) as db:
        rows = db.execute("SELECT flds, tags FROM notes ORDER BY id").fetchall()
    return [(fields.split(FIELD_SEPARATOR), tags.strip()) for fields, tags in rows]


def test_every_card_is_a_note_tagged_with_its_module(session: Session, user: User,
                                                     tmp_path: Path) -> None:
    load_small_track(session, tmp_path / "track", NOW)
    report = export_anki(session, tmp_path / "out" / "go-core.apkg")
    assert (report.notes, report.questions, report.followups) == (9, 3, 6)
    notes = read_notes(tmp_path / "out" / "go-core.apkg", tmp_path)
    assert len(notes) == 9
    by_ref = {fields[2]: (fields, tags) for fields, tags in notes}
    fields, tags = by_ref["chan-buffered"]
    assert "Чем буферизованный канал отличается" in fields[0]
    assert "Небуферизованный канал передаёт значение синхронно" in fields[1]
    assert "<li>Первый ключевой пункт.</li>" in fields[1]
    assert "/questions/chan-buffered" in fields[1]
    assert set(tags.split()) == {"01-goroutines-channels", "question"}
    followup = next(v for k, v in by_ref.items() if k.startswith("err-context/"))
    assert set(followup[1].split()) == {"03-errors-context", "followup"}
    assert "↳ Как работает отмена через context?" in followup[0][0]


def test_export_is_refused_without_a_loaded_bank(session: Session, user: User,
                                                 tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="gocoach content load"):
        export_anki(session, tmp_path / "x.apkg")
    assert not (tmp_path / "x.apkg").exists()
