"""`gocoach export-anki`: open the written .apkg (a zip with an SQLite collection), check notes."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from conftest import NOW
from gocoach.cli.main import app
from gocoach.drills.anki import export_anki
from gocoach.store.tables import User
from question_fixtures import load_small_track

FIELD_SEPARATOR = "\x1f"


def collection(apkg: Path, tmp_path: Path) -> Path:
    """The package's SQLite collection, extracted."""
    with zipfile.ZipFile(apkg) as archive:
        name = next(n for n in archive.namelist() if n.startswith("collection.anki2"))
        archive.extract(name, tmp_path)
    return tmp_path / name


def read_notes(apkg: Path, tmp_path: Path) -> list[tuple[list[str], str]]:
    """(fields, tags) of every note in the package's collection."""
    with sqlite3.connect(collection(apkg, tmp_path)) as db:
        rows = db.execute("SELECT flds, tags FROM notes ORDER BY id").fetchall()
    return [(fields.split(FIELD_SEPARATOR), tags.strip()) for fields, tags in rows]


def model_css(apkg: Path, tmp_path: Path) -> str:
    """The CSS of the package's note model (Anki keeps models as JSON in the `col` row)."""
    with sqlite3.connect(collection(apkg, tmp_path)) as db:
        (models,) = db.execute("SELECT models FROM col").fetchone()
    return "".join(m["css"] for m in json.loads(models).values())


def test_every_card_is_a_note_tagged_with_its_module(session: Session, user: User,
                                                     tmp_path: Path) -> None:
    load_small_track(session, tmp_path / "track", NOW)
    (tmp_path / "out").mkdir()
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


def test_a_question_card_carries_its_go_example_highlighted(session: Session, user: User,
                                                            tmp_path: Path) -> None:
    load_small_track(session, tmp_path / "track", NOW)
    export_anki(session, tmp_path / "go-core.apkg")
    by_ref = {fields[2]: fields for fields, _tags in read_notes(tmp_path / "go-core.apkg",
                                                                tmp_path)}
    back = by_ref["chan-buffered"][1]
    assert "<b>Пример:</b>" in back
    assert '<pre class="highlight"><code class="language-go">' in back
    assert '<span class="kn">package</span>' in back
    assert ('<span class="nx">Println</span><span class="p">(</span>'
            '<span class="s">"ok"</span>') in back
    assert back.index("Первый ключевой пункт") < back.index("Пример") < back.index(
        "/questions/chan-buffered")
    followup = next(f for ref, f in by_ref.items() if ref.startswith("chan-buffered/"))
    assert "Пример" not in followup[1]  # a follow-up's back is its own answer
    css = model_css(tmp_path / "go-core.apkg", tmp_path)
    assert ".highlight .kn" in css and ".highlight .s" in css  # the colours ship with the deck


def test_export_refuses_a_missing_folder(session: Session, user: User, tmp_path: Path) -> None:
    load_small_track(session, tmp_path / "track", NOW)
    with pytest.raises(ValueError, match="no such folder"):
        export_anki(session, tmp_path / "missing" / "x.apkg")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(("name", "message"), [
    ("missing/x.apkg", "missing: no such folder (create it first)"),
    ("deck.zip", "the Anki file must end with .apkg"),
])
def test_export_command_bad_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                  message: str) -> None:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["export-anki", str(tmp_path / name)])
    assert result.exit_code == 1 and message in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert not (tmp_path / "missing").exists()
