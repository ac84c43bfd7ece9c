"""Pages for mock interviews: start, the session, interviewer and candidate screens, scorecard,
history with trend, Markdown export."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from gocoach.interviews.checking import AnswerError
from gocoach.interviews.contests import (
    ContestClaim,
    answer_details,
    contest_answer,
    find_answer,
    list_contests,
    open_contest,
)
from gocoach.interviews.embeddings import model_note, similarity_function
from gocoach.interviews.scorecard import (
    RATINGS,
    build_scorecard,
    interview_history,
    readiness_trend,
    scorecard_markdown,
    session_answers,
)
from gocoach.interviews.selection import LEVELS
from gocoach.interviews.sessions import (
    InterviewOptions,
    abandon_interview,
    answer_followup,
    current_answer,
    default_reviews,
    elapsed_ms,
    finish_interview,
    followup_options,
    get_interview,
    get_question,
    is_stale,
    open_interviews,
    question_modules,
    rate_answer,
    rate_followup,
    resume_interview,
    set_tick,
    skip_followup,
    span_ms,
    start_interview,
    submit_answer,
)
from gocoach.questions.rendering import render_inline, render_markdown
from gocoach.startup import utc_now
from gocoach.store.tables import InterviewAnswer, InterviewSession, User
from gocoach.web.deps import CurrentUser, Page, PageDep, SessionDep

router = APIRouter()
LENGTHS = (15, 30, 45, 60)


def get_now(request: Request) -> datetime:
    """The current time; tests put a fixed clock in `app.state.clock`."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utc_now()


NowDep = Annotated[datetime, Depends(get_now)]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/interviews")
def list_interviews(session: SessionDep, user: CurrentUser, page: PageDep,
                    now: NowDep) -> Response:
    """The start form, open sessions (resume or close) and the history with its trend."""
    modules = question_modules(session)
    history = interview_history(session, user=user)
    waiting = [(i, is_stale(i, now)) for i in open_interviews(session, user=user)]
    return page.render("interviews.html", modules=modules, levels=LEVELS, lengths=LENGTHS,
                       history=list(reversed(history)), trend=readiness_trend(history),
                       waiting=waiting)


@router.post("/interviews")
def create_interview(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep,
    level: Annotated[str, Form()] = "senior", minutes: Annotated[int, Form()] = 30,
    modules: Annotated[list[str] | None, Form()] = None,
    answer_mode: Annotated[str, Form()] = "typed",
    interviewer: Annotated[bool, Form()] = False,
) -> Response:
    """Start a session and open its first question."""
    options = InterviewOptions(level=level, minutes=minutes, modules=tuple(modules or ()),
                               answer_mode=answer_mode, interviewer=interviewer)
    interview = start_interview(session, user=user, options=options, now=now,
                                rng=random.Random(getattr(request.app.state, "random_seed", None)),
                                reviews=default_reviews())
    return _redirect(f"/interviews/{interview.id}")


@router.get("/interviews/contests")
def list_answer_contests(session: SessionDep, user: CurrentUser, page: PageDep) -> Response:
    """The verdicts the learner contested, newest first."""
    contests = list_contests(session, user=user)
    claims = {c.id: ContestClaim.from_json(c.claim).to_json() for c in contests}
    return page.render("interview_contests.html", contests=contests, claims=claims)


def _question_context(session: Session, interview: InterviewSession, now: datetime
                      ) -> dict[str, Any]:
    row = current_answer(session, interview)
    if row is None:
        return {"row": None, "md": render_inline}
    question = get_question(session, row.qid)
    options = {o.fid: o for o in followup_options(session, row.qid)}
    answered = {a.ref: a for a in session_answers(session, interview) if a.parent_id == row.id}
    limit_ms = interview.minutes * 60_000
    details = answer_details(session, row) if row.answered_at is not None else None
    contest = open_contest(session, answer=row) if details is not None else None
    return {
        "details": details, "contest": contest, "contest_error": None,
        "row": row, "question": question, "title": render_inline(question.title),
        "short": render_markdown(question.sections.get("Короткий ответ", "")),
        "mistakes_html": render_markdown(question.sections.get("Типичные ошибки", "")),
        "followups": [options[f] for f in row.followups if f in options],
        "all_followups": list(options.values()), "followup_answers": answered,
        "ratings": RATINGS,
        "elapsed_q": span_ms(row.asked_at, now),
        "left_ms": limit_ms - elapsed_ms(session, interview, now),
        "number": row.position + 1, "count": len(interview.plan), "md": render_inline,
    }


@router.get("/interviews/{interview_id}")
def read_interview(interview_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
                   now: NowDep) -> Response:
    """The session: the current question with its timer, or the feedback and rating."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    if interview.state != "open":
        return _redirect(f"/interviews/{interview_id}/scorecard")
    context = _question_context(session, interview, now)
    template = "interview_interviewer.html" if interview.interviewer else "interview.html"
    return page.render(template, interview=interview, stale=is_stale(interview, now),
                       error=None, draft="", **context)


@router.post("/interviews/{interview_id}/answer")
def create_answer(interview_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
                  now: NowDep, text: Annotated[str, Form()] = "") -> Response:
    """Save and check a typed answer; an empty one comes back with the reason."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    note = model_note()
    try:
        submit_answer(session, user=user, interview=interview, text=text, now=now,
                      similarity=similarity_function(), notes=[note] if note else [])
    except AnswerError as exc:
        context = _question_context(session, interview, now)
        return page.render("interview.html", status_code=400, interview=interview,
                           stale=False, error=page.words.error(exc), draft=text,
                           **context)
    return _redirect(f"/interviews/{interview_id}#feedback")


@router.post("/interviews/{interview_id}/followups/{qid}/{digest}")
def create_followup_answer(interview_id: int, qid: str, digest: str, session: SessionDep,
                           user: CurrentUser, now: NowDep,
                           text: Annotated[str, Form()] = "") -> Response:
    """Save a follow-up's answer (checked against its reference answer)."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    answer_followup(session, user=user, interview=interview, fid=f"{qid}/{digest}", text=text,
                    now=now, similarity=similarity_function())
    return _redirect(f"/interviews/{interview_id}#f-{digest}")


@router.post("/interviews/{interview_id}/followups/{qid}/{digest}/skip")
def create_followup_skip(interview_id: int, qid: str, digest: str, session: SessionDep,
                         user: CurrentUser, now: NowDep) -> Response:
    """Skip a follow-up: its reference answer is shown from now on (never before)."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    skip_followup(session, user=user, interview=interview, fid=f"{qid}/{digest}", now=now)
    return _redirect(f"/interviews/{interview_id}#f-{digest}")


@router.post("/interviews/{interview_id}/followups/{qid}/{digest}/rating")
def create_followup_rating(interview_id: int, qid: str, digest: str, session: SessionDep,
                           user: CurrentUser, now: NowDep,
                           rating: Annotated[str, Form()] = "") -> Response:
    """Rate an answered follow-up (1–4); the rating feeds its spaced-repetition card."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    if not rating.strip().isdigit():
        raise ValueError("a rating is 1 (again), 2 (hard), 3 (good) or 4 (easy)")
    rate_followup(session, user=user, interview=interview, fid=f"{qid}/{digest}",
                  rating=int(rating), now=now, reviews=default_reviews())
    return _redirect(f"/interviews/{interview_id}#f-{digest}")


@router.post("/interviews/{interview_id}/tick")
def update_tick(interview_id: int, index: int, session: SessionDep, user: CurrentUser,
                page: PageDep, now: NowDep, on: Annotated[bool, Form()] = False) -> Response:
    """Tick a key point heard (interviewer) or said (spoken answer); returns the checklist."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    set_tick(session, user=user, interview=interview, index=index, on=on, now=now)
    return page.render("_interview_ticks.html", interview=interview,
                       **_question_context(session, interview, now))


@router.post("/interviews/{interview_id}/rate")
def create_rating(interview_id: int, session: SessionDep, user: CurrentUser, now: NowDep,
                  rating: Annotated[str, Form()] = "") -> Response:
    """Rate the question (empty skips it) and go to the next one or to the scorecard."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    value = int(rating) if rating.strip().isdigit() else None
    following = rate_answer(session, user=user, interview=interview, rating=value, now=now,
                            reviews=default_reviews())
    if following is None:
        return _redirect(f"/interviews/{interview_id}/scorecard")
    return _redirect(f"/interviews/{interview_id}")


@router.post("/interviews/{interview_id}/finish")
def update_finish(interview_id: int, session: SessionDep, user: CurrentUser,
                  now: NowDep) -> Response:
    """Finish now: the scorecard covers the questions answered so far."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    finish_interview(session, user=user, interview=interview, now=now)
    return _redirect(f"/interviews/{interview_id}/scorecard")


@router.post("/interviews/{interview_id}/close")
def update_close(interview_id: int, session: SessionDep, user: CurrentUser,
                 now: NowDep) -> Response:
    """Close a session without a scorecard (its answers are kept)."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    abandon_interview(session, user=user, interview=interview, now=now)
    return _redirect("/interviews")


@router.post("/interviews/{interview_id}/resume")
def update_resume(interview_id: int, session: SessionDep, user: CurrentUser,
                  now: NowDep) -> Response:
    """Continue a session left open: the current question's clock restarts."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    resume_interview(session, user=user, interview=interview, now=now)
    return _redirect(f"/interviews/{interview_id}")


@router.get("/interviews/{interview_id}/candidate")
def read_candidate(interview_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
                   now: NowDep) -> Response:
    """The candidate's screen: only the current question (it follows the interviewer)."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    return page.render("interview_candidate.html", interview=interview,
                       **_question_context(session, interview, now))


@router.get("/interviews/{interview_id}/candidate/current")
def read_candidate_current(interview_id: int, session: SessionDep, user: CurrentUser,
                           page: PageDep, now: NowDep) -> Response:
    """The candidate's question as a fragment (polled every 2 s)."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    return page.render("_interview_candidate.html", interview=interview,
                       **_question_context(session, interview, now))


def _interview_answer(session: Session, user: User, interview_id: int,
                      answer_id: int) -> tuple[InterviewSession, InterviewAnswer]:
    interview = get_interview(session, user=user, interview_id=interview_id)
    answer = find_answer(session, user=user, answer_id=answer_id)
    if answer.session_id != interview.id or answer.kind != "question":
        raise LookupError(f"no answer {answer_id} in interview session {interview_id}")
    return interview, answer


def _answer_page(session: Session, page: Page, interview: InterviewSession,
                 answer: InterviewAnswer, *, error: str | None = None) -> Response:
    try:
        question = get_question(session, answer.qid)
        title, short = render_inline(question.title), render_markdown(
            question.sections.get("Короткий ответ", ""))
    except LookupError:  # the question left the bank; the answer and its check stay
        title, short = render_inline(answer.qid), render_markdown("")
    return page.render("interview_answer.html", status_code=400 if error else 200,
                       interview=interview, answer=answer, title=title, short=short,
                       details=answer_details(session, answer), md=render_inline,
                       contest=open_contest(session, answer=answer), contest_error=error,
                       back="answer")


@router.get("/interviews/{interview_id}/answers/{answer_id}")
def read_answer(interview_id: int, answer_id: int, session: SessionDep, user: CurrentUser,
                page: PageDep) -> Response:
    """One answer with its verdict: heard, missed, misconceptions, ignored; the contest form."""
    interview, answer = _interview_answer(session, user, interview_id, answer_id)
    return _answer_page(session, page, interview, answer)


MAX_CLAIMED = 100


def _indexes(values: list[str] | None, what: str) -> tuple[int, ...]:
    values = values or []
    if len(values) > MAX_CLAIMED:
        raise ValueError(f"too many {what} numbers ({len(values)})")
    if bad := [v for v in values if not v.strip().isdigit()]:
        raise ValueError(f"not a {what} number: {bad[0][:20]!r}")
    return tuple(int(v) for v in values)


@router.post("/interviews/{interview_id}/answers/{answer_id}/contest")
def create_contest(
    interview_id: int, answer_id: int, session: SessionDep, user: CurrentUser, page: PageDep,
    now: NowDep, covered: Annotated[list[str] | None, Form()] = None,
    not_covered: Annotated[list[str] | None, Form()] = None,
    not_stated: Annotated[list[str] | None, Form()] = None,
    overall: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "answer",
) -> Response:
    """Store the learner's contest of a verdict (a second one updates it) and go back."""
    interview, answer = _interview_answer(session, user, interview_id, answer_id)
    on_session = (back == "session" and current_answer(session, interview) is answer
                  and interview.answer_mode == "typed" and not interview.interviewer)
    try:
        claim = ContestClaim(covered=_indexes(covered, "key point"),
                             not_covered=_indexes(not_covered, "key point"),
                             not_stated=_indexes(not_stated, "misconception"),
                             overall=overall.strip())
        contest_answer(session, user=user, answer=answer, claim=claim, comment=comment, now=now)
    except ValueError as exc:
        if not on_session:
            return _answer_page(session, page, interview, answer, error=str(exc))
        context = {**_question_context(session, interview, now), "contest_error": str(exc)}
        return page.render("interview.html", status_code=400, interview=interview, stale=False,
                           error=None, draft="", **context)
    if on_session:
        return _redirect(f"/interviews/{interview_id}#contest")
    return _redirect(f"/interviews/{interview_id}/answers/{answer_id}#contest")


def _scorecard(session: Session, user: User, interview_id: int) -> Any:
    return build_scorecard(session, get_interview(session, user=user, interview_id=interview_id))


@router.get("/interviews/{interview_id}/scorecard")
def read_scorecard(interview_id: int, session: SessionDep, user: CurrentUser,
                   page: PageDep) -> Response:
    """Per question time, key points and rating; per module readiness; the verdict."""
    card = _scorecard(session, user, interview_id)
    answer_ids = {a.position + 1: a.id for a in session_answers(session, card.interview)
                  if a.kind == "question" and a.answer_text}
    return page.render("interview_scorecard.html", card=card, answer_ids=answer_ids,
                       trend=readiness_trend(interview_history(session, user=user)))


@router.get("/interviews/{interview_id}/export.md")
def export_scorecard(interview_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """The scorecard and answers as a Markdown download."""
    text = scorecard_markdown(_scorecard(session, user, interview_id))
    return Response(text, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="interview-{interview_id}.md"'})
