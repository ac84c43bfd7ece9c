"""The scorecard of a mock interview, the history of sessions with its trend, Markdown export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.drills.reviews import as_utc
from gocoach.plans.timelog import log_time
from gocoach.store.tables import InterviewAnswer, InterviewSession, Question, QuestionModule, User

RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def session_answers(session: Session, interview: InterviewSession) -> list[InterviewAnswer]:
    """Every asked question and follow-up of a session, in order."""
    return list(session.scalars(select(InterviewAnswer).where(
        InterviewAnswer.session_id == interview.id).order_by(
        InterviewAnswer.position, InterviewAnswer.id)))


def coverage(row: InterviewAnswer) -> tuple[int, int]:
    """Key points covered and their number: the ticks when ticked, else the checker's hint."""
    points = row.check.get("points") or []
    if row.ticks or row.check.get("ticked"):
        total = len(points) if points else max(len(row.ticks), 1)
        return len(row.ticks), max(total, len(row.ticks))
    return len(row.check.get("covered") or []), len(points)


RATING_VALUE = {1: 0.0, 2: 0.4, 3: 0.75, 4: 1.0}
RATING_NAMES = RATINGS
LEVEL_TITLES = {"middle": "Middle", "senior": "Senior", "architect": "Architect"}
READY, ALMOST = 0.75, 0.5
SPARK = "▁▂▃▄▅▆▇█"


@dataclass
class FollowUpRow:
    """A follow-up answered after a question."""

    question: str
    answer: str
    covered: int
    total: int
    rating: int | None = None


@dataclass
class ScoreRow:
    """One question of the scorecard."""

    position: int
    qid: str
    title: str
    module: str
    seconds: int
    covered: int
    total: int
    rating: int | None
    skipped: bool
    answer: str
    verdict: str
    missed: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    followups: list[FollowUpRow] = field(default_factory=list)

    @property
    def readiness(self) -> float:
        """0..1: the rating (60%) and the share of key points covered (40%)."""
        share = self.covered / self.total if self.total else 0.0
        if self.rating is None:
            return 0.0 if self.skipped else share
        return 0.6 * RATING_VALUE[self.rating] + 0.4 * share


@dataclass
class ModuleReadiness:
    """Readiness of one module over the session's questions from it."""

    number: str
    title: str
    readiness: float
    questions: int


@dataclass
class Scorecard:
    """Per question time, key points, rating; per module readiness; a verdict for the level."""

    interview: InterviewSession
    rows: list[ScoreRow]
    modules: list[ModuleReadiness]
    overall: float
    verdict: str
    verdict_text: str
    seconds: int

    @property
    def weak(self) -> list[ModuleReadiness]:
        """The modules to work on: readiness below "almost"."""
        return weak_modules(self.modules)

    def summary(self) -> dict[str, Any]:
        """What the session keeps for the history (plain JSON)."""
        return {"overall": round(self.overall, 3), "verdict": self.verdict,
                "verdict_text": self.verdict_text, "questions": len(self.rows),
                "seconds": self.seconds,
                "modules": {m.number: round(m.readiness, 3) for m in self.modules}}


def _row(question: Question | None, row: InterviewAnswer,
         children: list[InterviewAnswer], followup_titles: dict[str, str]) -> ScoreRow:
    covered, total = coverage(row)
    points = row.check.get("points") or []
    ticked = bool(row.ticks) or bool(row.check.get("ticked"))
    missed = [p["text"] for p in points
              if (p["index"] not in row.ticks if ticked else not p["covered"])]
    if not points and question is not None:
        total = len(question.key_points)
        missed = [k for i, k in enumerate(question.key_points) if i not in row.ticks]
    return ScoreRow(
        position=row.position + 1, qid=row.qid, title=question.title if question else row.qid,
        module=question.module_number if question else "", seconds=row.duration_ms // 1000,
        covered=covered, total=total, rating=row.rating, skipped=row.skipped,
        answer=row.answer_text, verdict=str(row.check.get("verdict", "")), missed=missed,
        mistakes=[m["claim"] for m in row.check.get("mistakes") or []],
        followups=[FollowUpRow(followup_titles.get(c.ref, c.ref), c.answer_text,
                               *_child_coverage(c), rating=c.rating) for c in children])


def _child_coverage(row: InterviewAnswer) -> tuple[int, int]:
    return len(row.check.get("covered") or []), len(row.check.get("points") or [])


def build_scorecard(session: Session, interview: InterviewSession) -> Scorecard:
    """The scorecard of a session (finished or not) from its saved answers."""
    from gocoach.store.tables import FollowUpQuestion

    answers = session_answers(session, interview)
    qids = {a.qid for a in answers}
    questions = {q.qid: q for q in session.scalars(select(Question).where(Question.qid.in_(qids)))}
    titles = {f.fid: f.question for f in session.scalars(
        select(FollowUpQuestion).where(FollowUpQuestion.qid.in_(qids)))}
    rows = [_row(questions.get(a.qid), a, [c for c in answers if c.parent_id == a.id], titles)
            for a in answers if a.kind == "question"]
    modules = _modules(session, rows)
    overall = round(sum(r.readiness for r in rows) / len(rows), 3) if rows else 0.0
    verdict, text = _verdict(interview.level, overall, modules)
    return Scorecard(interview=interview, rows=rows, modules=modules, overall=overall,
                     verdict=verdict, verdict_text=text, seconds=sum(r.seconds for r in rows))


def _modules(session: Session, rows: list[ScoreRow]) -> list[ModuleReadiness]:
    names = {m.number: m.title for m in session.scalars(select(QuestionModule))}
    grouped: dict[str, list[ScoreRow]] = {}
    for row in rows:
        grouped.setdefault(row.module, []).append(row)
    return [ModuleReadiness(number, names.get(number, number),
                            round(sum(r.readiness for r in group) / len(group), 3), len(group))
            for number, group in sorted(grouped.items())]


def weak_modules(modules: list[ModuleReadiness]) -> list[ModuleReadiness]:
    """The modules whose readiness is below "almost"."""
    return [m for m in modules if m.readiness < ALMOST]


def _verdict(level: str, overall: float, modules: list[ModuleReadiness]) -> tuple[str, str]:
    """The verdict's code (ready, almost, not_yet) and its English sentence (CLI, Markdown)."""
    title = LEVEL_TITLES.get(level, level)
    weak = [f"{m.number} {m.title}" for m in weak_modules(modules)]
    work_on = f"; work on: {', '.join(weak)}" if weak else ""
    if overall >= READY and not weak:
        return "ready", f"ready for {title} ({overall:.0%})"
    if overall >= ALMOST:
        return "almost", f"almost ready for {title} ({overall:.0%}){work_on}"
    return "not_yet", f"not yet {title} ({overall:.0%}){work_on}"


@dataclass
class HistoryEntry:
    """A finished session in the history."""

    id: int
    started_at: datetime
    level: str
    minutes: int
    questions: int
    overall: float
    verdict: str
    interviewer: bool
    verdict_code: str = ""  # ready, almost, not_yet (`verdict` is the English sentence)


def interview_history(session: Session, *, user: User) -> list[HistoryEntry]:
    """The user's finished sessions, oldest first."""
    rows = session.scalars(select(InterviewSession).where(
        InterviewSession.user_id == user.id, InterviewSession.state == "finished"
    ).order_by(InterviewSession.started_at, InterviewSession.id))
    return [HistoryEntry(r.id, as_utc(r.started_at), r.level, r.minutes,
                         int(r.summary.get("questions", 0)), float(r.summary.get("overall", 0)),
                         str(r.summary.get("verdict_text", "")), r.interviewer,
                         str(r.summary.get("verdict", ""))) for r in rows]


@dataclass(frozen=True)
class Trend:
    """Readiness over the finished sessions: a sparkline, the last value (None: no session)
    and the change since the previous session (None: fewer than two)."""

    spark: str
    last: float | None
    change: float | None


def readiness_trend(entries: list[HistoryEntry]) -> Trend:
    """The trend of readiness over sessions, as values the faces word."""
    values = [e.overall for e in entries]
    spark = "".join(SPARK[min(len(SPARK) - 1, int(v * len(SPARK)))] for v in values)
    return Trend(spark, values[-1] if values else None,
                 values[-1] - values[-2] if len(values) > 1 else None)


def trend_line(entries: list[HistoryEntry]) -> str:
    """A one-line trend of readiness over sessions in English (the CLI, Markdown exports)."""
    trend = readiness_trend(entries)
    if trend.last is None:
        return "no finished sessions yet"
    if trend.change is None:
        return f"{trend.spark} {trend.last:.0%} (first session)"
    return f"{trend.spark} {trend.last:.0%} ({trend.change:+.0%} since the previous session)"


def log_interview_time(session: Session, *, user: User, interview: InterviewSession,
                       now: datetime) -> None:
    """Put a finished session's minutes into the time log (source "interview")."""
    used = build_scorecard(session, interview).seconds
    minutes = max(1, round(used / 60))
    log_time(session, user=user, minutes=minutes, source="interview", day=as_utc(now).date(),
             now=now, ref=f"interview:{interview.id}",
             note=f"mock interview ({LEVEL_TITLES.get(interview.level, interview.level)})")


def scorecard_markdown(card: Scorecard) -> str:
    """The scorecard as Markdown: table, modules, then every answer with its hint."""
    interview = card.interview
    lines = [f"# Mock interview — {LEVEL_TITLES.get(interview.level, interview.level)}, "
             f"{interview.minutes} min — {as_utc(interview.started_at):%Y-%m-%d %H:%M} UTC", "",
             f"**Verdict:** {card.verdict_text}", "",
             "| # | question | module | time | key points | rating |",
             "|---|---|---|---|---|---|"]
    for row in card.rows:
        rating = RATING_NAMES.get(row.rating or 0, "skipped" if row.skipped else "—")
        lines.append(f"| {row.position} | {row.title} | {row.module} | {_clock(row.seconds)} | "
                     f"{row.covered}/{row.total} | {rating} |")
    lines += ["", "## Modules", ""]
    lines += [f"- {m.number} {m.title}: {m.readiness:.0%} ({m.questions} questions)"
              for m in card.modules]
    lines += ["", "## Answers", ""]
    for row in card.rows:
        lines += [f"### {row.position}. {row.title}", ""]
        if row.answer:
            lines += ["> " + line for line in row.answer.splitlines()] + [""]
        if row.missed:
            lines += ["Missed:", *[f"- {point}" for point in row.missed], ""]
        if row.mistakes:
            lines += ["Misconceptions: " + "; ".join(f"«{m}»" for m in row.mistakes), ""]
        for follow in row.followups:
            rated = f" _(rated {RATING_NAMES[follow.rating]})_" if follow.rating else ""
            lines += [f"- **{follow.question}** {follow.answer}{rated}"]
        if row.followups:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"
