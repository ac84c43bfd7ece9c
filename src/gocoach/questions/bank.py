"""Load a checked track into the database; user data stays attached to question ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from gocoach.curricula.tree import normalize_title
from gocoach.questions.format import Problem
from gocoach.questions.format import Question as ParsedQuestion
from gocoach.questions.stems import stem_text
from gocoach.questions.track import Track, read_track
from gocoach.store.tables import FollowUpQuestion, Question, QuestionModule, QuestionTrack


class ContentError(ValueError):
    """Content with format problems: nothing is loaded, the old content stays."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems[:50])
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problems in the question bank:\n{lines}{more}")


@dataclass
class LoadReport:
    """What a load changed."""

    track: str
    modules: int = 0
    questions: int = 0
    followups: int = 0
    added: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: bool = False


def followup_id(qid: str, question: str) -> str:
    """A follow-up's stable id: its question's id and a hash of its wording."""
    digest = hashlib.sha1(normalize_title(question).encode("utf-8")).hexdigest()[:8]
    return f"{qid}/{digest}"


def track_digest(path: Path) -> str:
    """A hash of every Markdown file of a track folder: unchanged content is not reloaded."""
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.md")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_track(session: Session, path: Path, *, now: datetime, force: bool = True) -> LoadReport:
    """Check the track at `path` and load it; raise ContentError (loading nothing) on problems."""
    digest = track_digest(path)
    row = session.scalars(
        select(QuestionTrack).where(QuestionTrack.slug == path.name)
    ).one_or_none()
    if row is not None and not force and row.stats.get("sha256") == digest:
        return LoadReport(track=path.name, unchanged=True)
    track = read_track(path)
    if track.problems:
        raise ContentError(track.problems)
    if row is None:
        row = QuestionTrack(slug=track.slug, loaded_at=now)
        session.add(row)
    row.title, row.focus, row.loaded_at = track.title, track.focus, now
    row.stats = {**track.stats, "questions": len(track.questions()), "sha256": digest}
    session.flush()
    report = LoadReport(track=track.slug)
    _load_modules(session, row, track, report)
    _load_questions(session, row, track, report, now)
    _rebuild_search(session)
    return report


def _load_modules(session: Session, row: QuestionTrack, track: Track, report: LoadReport) -> None:
    session.execute(delete(QuestionModule).where(QuestionModule.track_id == row.id))
    for position, module in enumerate(track.modules):
        parsed = module.parsed
        session.add(
            QuestionModule(
                track_id=row.id,
                number=module.number,
                slug=module.slug,
                title=parsed.title if parsed else module.slug,
                group_name=module.group,
                description=module.description,
                intro=parsed.intro if parsed else "",
                position=position,
            )
        )
        report.modules += 1 if parsed else 0


def _load_questions(
    session: Session, row: QuestionTrack, track: Track, report: LoadReport, now: datetime
) -> None:
    existing = {
        q.qid: q for q in session.scalars(select(Question).where(Question.track_id == row.id))
    }
    seen: set[str] = set()
    for position, (module, parsed) in enumerate(track.questions()):
        seen.add(parsed.qid)
        question = existing.get(parsed.qid)
        if question is None:
            question = Question(qid=parsed.qid, track_id=row.id)
            session.add(question)
            report.added.append(parsed.qid)
        _fill_question(question, parsed, module.number, position, str(module.file), now)
        report.followups += _load_followups(session, parsed)
        report.questions += 1
    for qid, question in existing.items():
        if qid not in seen and not question.retired:
            question.retired = True
            report.retired.append(qid)
    session.execute(
        update(FollowUpQuestion).where(FollowUpQuestion.qid.not_in(seen)).values(retired=True)
    )


def _fill_question(
    question: Question, parsed: ParsedQuestion, module: str, position: int, file: str, now: datetime
) -> None:
    question.module_number, question.position = module, position
    question.title, question.level, question.freq = parsed.title, parsed.level, parsed.freq
    question.tags, question.sections = parsed.tags, parsed.sections
    question.key_points, question.mistakes = parsed.key_points, parsed.mistakes
    question.source_file, question.source_line = file, parsed.line
    question.search_stems = stem_text(" ".join([parsed.title, *parsed.sections.values()]))
    question.retired, question.updated_at = False, now


def _load_followups(session: Session, parsed: ParsedQuestion) -> int:
    existing = {
        f.fid: f
        for f in session.scalars(select(FollowUpQuestion).where(FollowUpQuestion.qid == parsed.qid))
    }
    keep = set()
    for position, item in enumerate(parsed.followups):
        fid = followup_id(parsed.qid, item.question)
        keep.add(fid)
        row = existing.get(fid)
        if row is None:
            row = FollowUpQuestion(fid=fid, qid=parsed.qid)
            session.add(row)
        row.position, row.question, row.answer = position, item.question, item.answer
        row.search_stems = stem_text(f"{item.question} {item.answer}")
        row.retired = False
    for fid, row in existing.items():
        if fid not in keep:
            row.retired = True
    return len(keep)


def _rebuild_search(session: Session) -> None:
    """Refill the SQLite FTS5 index from the stems (PostgreSQL searches the stem columns)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.flush()
    session.execute(text("DELETE FROM question_search"))
    session.execute(
        text(
            "INSERT INTO question_search (ref, kind, title, body) "
            "SELECT qid, 'question', title, search_stems FROM questions WHERE NOT retired"
        )
    )
    session.execute(
        text(
            "INSERT INTO question_search (ref, kind, title, body) "
            "SELECT fid, 'followup', question, search_stems FROM question_followups "
            "WHERE NOT retired"
        )
    )


def load_shipped_tracks(session: Session, tracks: Path, *, now: datetime) -> list[LoadReport]:
    """Load every track folder that changed since the last load (used at start-up)."""
    if not tracks.is_dir():
        return []
    return [
        load_track(session, folder, now=now, force=False)
        for folder in sorted(p for p in tracks.iterdir() if (p / "index.md").is_file())
    ]
