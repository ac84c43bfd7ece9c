"""The question bank as an Anki deck (.apkg, written by genanki): one note per card.

Each note has the card's front and back (HTML), its ref, and the module as a tag (e.g.
`01-goroutines-channels`), plus `question` or `followup`. A question's back ends with its example
(the bank's "Пример" section: text and Go code, highlighted by Pygments into class-based HTML
whose stylesheet ships in the note model's CSS). Note ids (guids) come from the ref, so importing
a newer export into Anki updates the notes instead of duplicating them. The file's folder must
exist already.

    >>> export_anki(session, Path("go-core.apkg")).notes
    548
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape
from pathlib import Path

import genanki
from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.questions.faces import CardFace, all_card_faces
from gocoach.questions.rendering import pygments_css, render_inline, render_markdown
from gocoach.store.tables import Question, QuestionModule, QuestionTrack

CARD_CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; }
pre { background: #f6f8fa; padding: .5em; overflow-x: auto; font-size: 14px; }
.context { color: #6b7385; font-size: 14px; } .link { font-size: 13px; }
.example { margin-top: 1em; }
"""
EXAMPLE = "Пример"


@dataclass(frozen=True)
class AnkiReport:
    """What was written."""

    deck: str
    notes: int
    questions: int
    followups: int


def stable_id(name: str) -> int:
    """A stable Anki model or deck id (Anki wants 31-bit-ish integers) from a name."""
    return (1 << 30) + int(hashlib.sha1(name.encode()).hexdigest()[:7], 16)


def _model() -> genanki.Model:
    return genanki.Model(
        stable_id("gocoach card model"), "gocoach card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Ref"}],
        templates=[{"name": "Card", "qfmt": "{{Front}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
        css=CARD_CSS + pygments_css())


def front_html(face: CardFace) -> str:
    """The question side: a follow-up also names the question it follows."""
    context = (f'<div class="context">↳ {escape(face.question_title)}</div>'
               if face.kind == "followup" else "")
    return f"{context}<div class=\"front\">{render_inline(face.front)}</div>"


def back_html(face: CardFace, base_url: str, example: str = "") -> str:
    """The answer side: short answer, key points, the example (Go highlighted), a link."""
    points = "".join(f"<li>{render_inline(p)}</li>" for p in face.key_points)
    listed = f"<p><b>Что должно прозвучать:</b></p><ol>{points}</ol>" if points else ""
    shown = (f'<div class="example"><p><b>{EXAMPLE}:</b></p>{render_markdown(example)}</div>'
             if example.strip() else "")
    link = f'<p class="link"><a href="{escape(base_url + face.url)}">{escape(face.qid)}</a></p>'
    return f"{render_markdown(face.answer)}{listed}{shown}{link}"


def question_examples(session: Session) -> dict[str, str]:
    """Question id → the Markdown of its example section (text and Go code), where it has one."""
    rows = session.execute(select(Question.qid, Question.sections)
                           .where(Question.retired.is_(False)))
    return {qid: (sections or {}).get(EXAMPLE, "") for qid, sections in rows
            if (sections or {}).get(EXAMPLE, "").strip()}


def module_tags(session: Session) -> dict[str, str]:
    """Module number → Anki tag ('01-goroutines-channels')."""
    return {m.number: m.slug if m.slug.startswith(m.number) else f"{m.number}-{m.slug}"
            for m in session.scalars(select(QuestionModule))}


def export_anki(session: Session, path: Path, *, base_url: str = "http://127.0.0.1:8000",
                track: str = "go-core") -> AnkiReport:
    """Write every live card of the bank to `path` as an Anki package."""
    title = session.scalar(select(QuestionTrack.title).where(QuestionTrack.slug == track))
    faces = all_card_faces(session)
    if title is None or not faces:
        raise LookupError(f"the question bank '{track}' is not loaded "
                          "(run `gocoach content load`)")
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such folder (create it first)")
    deck_name = f"gocoach::{title}"
    deck = genanki.Deck(stable_id(f"gocoach deck {track}"), deck_name)
    model, tags, examples = _model(), module_tags(session), question_examples(session)
    for face in faces:
        example = examples.get(face.qid, "") if face.kind == "question" else ""
        deck.add_note(genanki.Note(
            model=model, fields=[front_html(face), back_html(face, base_url, example), face.ref],
            tags=[tags.get(face.module_number, f"module-{face.module_number}"), face.kind],
            guid=genanki.guid_for("gocoach", face.ref)))
    genanki.Package(deck).write_to_file(str(path))
    questions = sum(1 for f in faces if f.kind == "question")
    return AnkiReport(deck=deck_name, notes=len(faces), questions=questions,
                      followups=len(faces) - questions)
