"""Mock interview sessions: start, answer, follow-ups, ticks, ratings, resume, finish.

A session plans its questions when it starts (weighted by frequency, level and the learner's
weak spots, no repeats). Time counts per question from when it is shown to when it is answered,
so a session left open overnight does not count the night; on resume the current question's
clock restarts. Every answer is saved as soon as it is given: nothing answered is lost.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.drills import reviews as reviews_module
from gocoach.drills.reviews import as_utc
from gocoach.interviews.checking import (
    AnswerCheck,
    SimilarityFn,
    check_answer,
    prepare_answer,
    sentences,
    unchecked,
)
from gocoach.interviews.scorecard import (
    RATINGS,
    build_scorecard,
    coverage,
    log_interview_time,
    session_answers,
)
from gocoach.interviews.selection import (
    LEVELS,
    Candidate,
    FollowUpOption,
    pick_followups,
    pick_questions,
    question_count,
    weakness_of,
)
from gocoach.store.tables import (
    FollowUpQuestion,
    InterviewAnswer,
    InterviewSession,
    Question,
    QuestionModule,
    User,
)

STALE_AFTER = timedelta(hours=12)
MAX_QUESTION_MS = 20 * 60 * 1000
ANSWER_MODES = ("typed", "spoken")
class ReviewsPort(Protocol):
    """The review/card contract of `gocoach.drills.reviews` (see docs/interviews.md)."""

    def record_rating(self, session: Session, *, user: User, ref: str, rating: int,
                      now: datetime, duration_ms: int, source: str = ...,
                      expected_version: int | None = ...) -> Any: ...

    def retrievability(self, session: Session, *, user: User, refs: list[str],
                       now: datetime) -> dict[str, float]: ...


def default_reviews() -> ReviewsPort:
    """The real spaced-repetition store, `gocoach.drills.reviews` (tests pass a double instead)."""
    module: Any = reviews_module
    return cast(ReviewsPort, module)


@dataclass(frozen=True)
class InterviewOptions:
    """What the learner chose for a session."""

    level: str = "senior"
    minutes: int = 30
    modules: tuple[str, ...] = ()
    answer_mode: str = "typed"
    interviewer: bool = False


def validate_options(options: InterviewOptions) -> None:
    """ValueError with a clear message for an unknown level, mode or a silly length."""
    if options.level not in LEVELS:
        raise ValueError(f"unknown level '{options.level}': choose middle, senior or architect")
    if options.answer_mode not in ANSWER_MODES:
        raise ValueError(f"unknown answer mode '{options.answer_mode}': typed or spoken")
    if not 5 <= options.minutes <= 180:
        raise ValueError(f"a session lasts 5 to 180 minutes, not {options.minutes}")


def _candidates(session: Session) -> list[Candidate]:
    rows = session.scalars(select(Question).where(Question.retired.is_(False)))
    return [Candidate(q.qid, q.module_number, q.level, q.freq) for q in rows]


def _missed_shares(session: Session, user: User) -> dict[str, float]:
    shares: dict[str, list[float]] = {}
    rows = session.scalars(select(InterviewAnswer).where(
        InterviewAnswer.user_id == user.id, InterviewAnswer.kind == "question"))
    for row in rows:
        covered, total = coverage(row)
        if total and (row.answered_at or row.rating):
            shares.setdefault(row.qid, []).append(1 - covered / total)
    return {qid: sum(v) / len(v) for qid, v in shares.items()}


def learner_weakness(session: Session, *, user: User, qids: list[str], now: datetime,
                     reviews: ReviewsPort | None) -> dict[str, float]:
    """Per question: low retrievability of its card and key points missed before."""
    retr = reviews.retrievability(session, user=user, refs=qids, now=now) if reviews else {}
    missed = _missed_shares(session, user)
    return {qid: weakness_of(retr.get(qid) if qid in retr else None, missed.get(qid))
            for qid in qids}


def start_interview(session: Session, *, user: User, options: InterviewOptions, now: datetime,
                    rng: random.Random, reviews: ReviewsPort | None = None) -> InterviewSession:
    """Plan the questions and open a session showing the first one."""
    validate_options(options)
    candidates = _candidates(session)
    known = {c.module for c in candidates}
    unknown = [m for m in options.modules if m not in known]
    if not candidates:
        raise ValueError("the question bank is empty: run `gocoach content load` first")
    if unknown:
        raise ValueError(f"unknown module(s) {', '.join(unknown)}: use numbers like 01, 05 "
                         f"(known: {', '.join(sorted(known))})")
    weakness = learner_weakness(session, user=user, qids=[c.qid for c in candidates], now=now,
                                reviews=reviews)
    plan = pick_questions(candidates, level=options.level, modules=options.modules,
                          count=question_count(options.minutes), weakness=weakness, rng=rng)
    if not plan:
        raise ValueError(f"no {options.level} questions in module(s) "
                         f"{', '.join(options.modules)}: choose other modules or another level")
    interview = InterviewSession(
        user_id=user.id, level=options.level, modules=list(options.modules),
        minutes=options.minutes, answer_mode=options.answer_mode,
        interviewer=options.interviewer, state="open", plan=plan, summary={},
        started_at=now, last_activity_at=now)
    session.add(interview)
    session.flush()
    _ask(session, interview, 0, now)
    return interview


def _ask(session: Session, interview: InterviewSession, position: int,
         now: datetime) -> InterviewAnswer:
    qid = interview.plan[position]
    row = InterviewAnswer(user_id=interview.user_id, session_id=interview.id, position=position,
                          kind="question", qid=qid, ref=qid, answer_text="", original_chars=0,
                          check={}, ticks=[], followups=[], skipped=False, asked_at=now,
                          duration_ms=0)
    session.add(row)
    session.flush()
    return row


def get_interview(session: Session, *, user: User, interview_id: int) -> InterviewSession:
    """The user's session by id; LookupError if there is none."""
    # an id beyond a database integer cannot exist (and would overflow the query)
    interview = session.get(InterviewSession, interview_id) if 0 < interview_id < 2**31 \
        else None
    if interview is None or interview.user_id != user.id:
        raise LookupError(f"no interview session {interview_id}")
    return interview


def current_answer(session: Session, interview: InterviewSession) -> InterviewAnswer | None:
    """The main question being asked now (not yet rated or skipped), if the session is open."""
    if interview.state != "open":
        return None
    return session.scalars(select(InterviewAnswer).where(
        InterviewAnswer.session_id == interview.id, InterviewAnswer.kind == "question",
        InterviewAnswer.rating.is_(None), InterviewAnswer.skipped.is_(False)
    ).order_by(InterviewAnswer.position.desc())).first()


def get_question(session: Session, qid: str) -> Question:
    """A question of the bank by id; LookupError if it is gone."""
    question = session.scalars(select(Question).where(Question.qid == qid)).one_or_none()
    if question is None:
        raise LookupError(f"no question '{qid}' in the question bank")
    return question


def followup_options(session: Session, qid: str) -> list[FollowUpOption]:
    """The follow-ups of a question, in the bank's order."""
    rows = session.scalars(select(FollowUpQuestion).where(
        FollowUpQuestion.qid == qid, FollowUpQuestion.retired.is_(False)
    ).order_by(FollowUpQuestion.position))
    return [FollowUpOption(r.fid, r.question, r.answer) for r in rows]


def _require_open(interview: InterviewSession) -> None:
    if interview.state != "open":
        raise ValueError(f"interview {interview.id} is {interview.state}; start a new one")


def _require_current(session: Session, interview: InterviewSession) -> InterviewAnswer:
    _require_open(interview)
    row = current_answer(session, interview)
    if row is None:
        raise ValueError(f"interview {interview.id} has no question waiting for an answer")
    return row


def _elapsed_ms(row: InterviewAnswer, now: datetime) -> int:
    return span_ms(as_utc(row.asked_at), now)


def span_ms(start: datetime, end: datetime) -> int:
    """Milliseconds from `start` to `end`, capped at MAX_QUESTION_MS (someone walked away)."""
    return min(MAX_QUESTION_MS, max(0, int((as_utc(end) - as_utc(start)).total_seconds() * 1000)))


def check_to_json(check: AnswerCheck) -> dict[str, Any]:
    """A check result as stored in the session (plain JSON)."""
    return {**asdict(check), "covered": check.covered}


def submit_answer(session: Session, *, user: User, interview: InterviewSession, text: str,
                  now: datetime, similarity: SimilarityFn | None = None,
                  notes: Sequence[str] = ()) -> InterviewAnswer:
    """Save and check the answer to the current question; choose follow-ups on what it missed.

    Raises AnswerError for an empty answer; an over-long one is cut with a note.
    """
    row = _require_current(session, interview)
    question = get_question(session, row.qid)
    prepared = prepare_answer(text)
    all_notes = [*prepared.notes, *notes]
    if prepared.checkable:
        check = check_answer(prepared.text, key_points=question.key_points,
                             mistakes=question.mistakes, similarity=similarity, notes=all_notes)
    else:
        check = unchecked(question.key_points, all_notes)
    row.answer_text, row.original_chars = prepared.text, len(text.strip())
    row.check = check_to_json(check)
    row.answered_at = now
    row.duration_ms = _elapsed_ms(row, now)
    missed = [p.text for p in check.points if not p.covered]
    row.followups = pick_followups(followup_options(session, row.qid), missed)
    interview.last_activity_at = now
    return row


def answer_followup(session: Session, *, user: User, interview: InterviewSession, fid: str,
                    text: str, now: datetime,
                    similarity: SimilarityFn | None = None) -> InterviewAnswer:
    """Save a follow-up's answer, checked against the sentences of its reference answer."""
    parent = _require_current(session, interview)
    option = _followup_asked(session, interview, parent, fid)
    prepared = prepare_answer(text)
    points = sentences(option.answer)[:4]
    check = (check_answer(prepared.text, key_points=points, similarity=similarity,
                          notes=prepared.notes)
             if prepared.checkable else unchecked(points, prepared.notes))
    asked = parent.answered_at or parent.asked_at
    row = InterviewAnswer(
        user_id=user.id, session_id=interview.id, parent_id=parent.id, position=parent.position,
        kind="followup", qid=parent.qid, ref=fid, answer_text=prepared.text,
        original_chars=len(text.strip()), check=check_to_json(check), ticks=[], followups=[],
        skipped=False, asked_at=asked, answered_at=now,
        duration_ms=span_ms(asked, now))
    session.add(row)
    interview.last_activity_at = now
    session.flush()
    return row


def _followup_asked(session: Session, interview: InterviewSession, parent: InterviewAnswer,
                    fid: str) -> FollowUpOption:
    """The follow-up of the current question, not yet answered or skipped (its reference
    answer is shown after either, so neither may be done twice)."""
    option = next((o for o in followup_options(session, parent.qid) if o.fid == fid), None)
    if option is None:
        raise LookupError(f"no follow-up '{fid}' for question '{parent.qid}'")
    if any(a.parent_id == parent.id and a.ref == fid for a in session_answers(session, interview)):
        raise ValueError(f"follow-up '{fid}' is already answered or skipped")
    return option


def skip_followup(session: Session, *, user: User, interview: InterviewSession, fid: str,
                  now: datetime) -> InterviewAnswer:
    """Skip a follow-up of the current question; from then on its reference answer may be shown.

    The skip is saved like an answer (empty, `skipped`), so the answer is not shown before the
    learner answered or skipped, and a skipped follow-up cannot be answered afterwards.
    """
    parent = _require_current(session, interview)
    _followup_asked(session, interview, parent, fid)
    asked = parent.answered_at or parent.asked_at
    row = InterviewAnswer(
        user_id=user.id, session_id=interview.id, parent_id=parent.id, position=parent.position,
        kind="followup", qid=parent.qid, ref=fid, answer_text="", original_chars=0, check={},
        ticks=[], followups=[], skipped=True, asked_at=asked, answered_at=now,
        duration_ms=span_ms(asked, now))
    session.add(row)
    interview.last_activity_at = now
    session.flush()
    return row


def set_tick(session: Session, *, user: User, interview: InterviewSession, index: int, on: bool,
             now: datetime) -> InterviewAnswer:
    """Tick (or untick) a key point of the current question as heard or said."""
    row = _require_current(session, interview)
    total = len(get_question(session, row.qid).key_points)
    if not 0 <= index < total:
        raise ValueError(f"key point {index + 1} does not exist (the question has {total})")
    ticks = set(row.ticks)
    (ticks.add if on else ticks.discard)(index)
    row.ticks = sorted(ticks)
    if not row.check:
        row.check = {"ticked": True}
    interview.last_activity_at = now
    return row


def elapsed_ms(session: Session, interview: InterviewSession, now: datetime) -> int:
    """Interview time used: answered questions' durations plus the current one's clock."""
    total = 0
    current = current_answer(session, interview)
    for row in session_answers(session, interview):
        if row.kind == "question" and row is current and row.answered_at is None:
            total += _elapsed_ms(row, now)
        elif row.kind == "question":
            total += row.duration_ms
    return total


def rate_answer(session: Session, *, user: User, interview: InterviewSession, rating: int | None,
                now: datetime, reviews: ReviewsPort | None = None) -> InterviewAnswer | None:
    """Record the learner's rating (1–4; None skips) and ask the next question.

    Returns the next question's row, or None when the plan or the time ran out (the session is
    then finished). The rating feeds the question card's spaced-repetition schedule.
    """
    row = _require_current(session, interview)
    if rating is not None and rating not in RATINGS:
        raise ValueError(f"a rating is 1 (again), 2 (hard), 3 (good) or 4 (easy), not {rating}")
    if row.answered_at is None:
        row.answered_at, row.duration_ms = now, _elapsed_ms(row, now)
    row.rating, row.skipped, row.rated_at = rating, rating is None, now
    interview.last_activity_at = now
    if rating is not None and reviews is not None:
        reviews.record_rating(session, user=user, ref=row.qid, rating=rating, now=now,
                              duration_ms=row.duration_ms, source="interview")
    session.flush()
    position = row.position + 1
    out_of_time = elapsed_ms(session, interview, now) >= interview.minutes * 60_000
    if position >= len(interview.plan) or out_of_time:
        finish_interview(session, user=user, interview=interview, now=now)
        return None
    return _ask(session, interview, position, now)


def rate_followup(session: Session, *, user: User, interview: InterviewSession, fid: str,
                  rating: int, now: datetime,
                  reviews: ReviewsPort | None = None) -> InterviewAnswer:
    """Record the learner's rating (1–4) of an answered follow-up of the current question.

    The rating feeds the follow-up's own spaced-repetition card, as a drill rating would. A
    follow-up is rated once: a second rating raises ValueError rather than count twice.
    """
    parent = _require_current(session, interview)
    if rating not in RATINGS:
        raise ValueError(f"a rating is 1 (again), 2 (hard), 3 (good) or 4 (easy), not {rating}")
    child = next((a for a in reversed(session_answers(session, interview))
                  if a.parent_id == parent.id and a.ref == fid), None)  # fmt: skip
    if child is None or child.skipped:
        raise LookupError(f"follow-up '{fid}' has no answer in this question yet")
    if child.rating is not None:
        raise ValueError(f"follow-up '{fid}' is already rated ({RATINGS[child.rating]})")
    child.rating, child.rated_at = rating, now
    interview.last_activity_at = now
    if reviews is not None:
        reviews.record_rating(session, user=user, ref=fid, rating=rating, now=now,
                              duration_ms=child.duration_ms, source="interview")  # fmt: skip
    session.flush()
    return child


def finish_interview(session: Session, *, user: User, interview: InterviewSession,
                     now: datetime) -> InterviewSession:
    """Close the session (the question being asked, if unanswered, is dropped) and score it."""
    _require_open(interview)
    current = current_answer(session, interview)
    if current is not None and current.answered_at is None:
        session.delete(current)
    elif current is not None:
        current.skipped = True
    interview.state, interview.finished_at, interview.last_activity_at = "finished", now, now
    session.flush()
    interview.summary = build_scorecard(session, interview).summary()
    log_interview_time(session, user=user, interview=interview, now=now)
    return interview


def abandon_interview(session: Session, *, user: User, interview: InterviewSession,
                      now: datetime) -> InterviewSession:
    """Close a session without a scorecard; its answers stay in the history."""
    _require_open(interview)
    interview.state, interview.finished_at, interview.last_activity_at = "abandoned", now, now
    return interview


def resume_interview(session: Session, *, user: User, interview: InterviewSession,
                     now: datetime) -> InterviewAnswer:
    """Continue an open session: the current question's clock restarts if it was unanswered."""
    row = _require_current(session, interview)
    if row.answered_at is None:
        row.asked_at = now
    interview.last_activity_at = now
    return row


def open_interviews(session: Session, *, user: User) -> list[InterviewSession]:
    """The user's open sessions, newest first."""
    return list(session.scalars(select(InterviewSession).where(
        InterviewSession.user_id == user.id, InterviewSession.state == "open"
    ).order_by(InterviewSession.started_at.desc())))


def is_stale(interview: InterviewSession, now: datetime) -> bool:
    """True for an open session untouched for STALE_AFTER (offered to resume or close)."""
    return interview.state == "open" and now - as_utc(interview.last_activity_at) >= STALE_AFTER


def count_interviews(session: Session, *, user: User) -> int:
    """How many sessions the user ever started."""
    return int(session.scalar(select(func.count()).select_from(InterviewSession).where(
        InterviewSession.user_id == user.id)) or 0)


def question_modules(session: Session) -> list[QuestionModule]:
    """The modules of the question bank, by number (for choosing a session's modules)."""
    return list(session.scalars(select(QuestionModule).order_by(QuestionModule.number)))
