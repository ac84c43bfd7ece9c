"""Contesting a verdict: the learner says what the checker got wrong about a typed answer.

A contest names key points the answer covers though they were marked missed (or the other way
round), misconceptions flagged that the answer does not state, and whether the overall verdict is
too low or too high, with an optional comment. It keeps snapshots of the answer and of the
checker's verdict, so it stays labelled data whatever happens to the session. A learner has one
open contest per answer: contesting again updates it. `labelled_record` turns a contest into a
line of the labelled sets (`content/evaluation/*.jsonl`, read by `bench/answers.py --extra`):
the checker's covers and mistakes corrected by the learner's claim.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gocoach.interviews.scorecard import session_answers
from gocoach.interviews.sessions import get_interview, get_question
from gocoach.interviews.verdicts import VerdictDetails, verdict_details
from gocoach.questions.format import is_bonus
from gocoach.store.tables import AnswerContest, InterviewAnswer, User

OVERALL = ("too_low", "too_high")
OPEN = "open"  # the only status set here; whoever curates the labelled set may close contests
MAX_COMMENT = 2000
GOOD_SHARE = 0.6  # share of required key points for "good", as in checking._verdict


@dataclass(frozen=True)
class ContestClaim:
    """What the learner says is wrong; key points and misconceptions are 0-based indexes into
    the question's «Что должно прозвучать» and «Типичные ошибки»."""

    covered: tuple[int, ...] = ()  # marked missed, but the answer covers them
    not_covered: tuple[int, ...] = ()  # marked heard, but the answer does not cover them
    not_stated: tuple[int, ...] = ()  # flagged misconceptions the answer does not state
    overall: str = ""  # "too_low", "too_high" or "" (no claim about the overall verdict)

    @property
    def names_labels(self) -> bool:
        """Whether the claim names key points or misconceptions (what a labelled answer needs)."""
        return bool(self.covered or self.not_covered or self.not_stated)

    def to_json(self) -> dict[str, Any]:
        """The claim as stored (plain JSON)."""
        return {"covered": list(self.covered), "not_covered": list(self.not_covered),
                "not_stated": list(self.not_stated), "overall": self.overall or None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContestClaim:
        """The claim from its stored JSON."""
        return cls(covered=tuple(data.get("covered") or ()),
                   not_covered=tuple(data.get("not_covered") or ()),
                   not_stated=tuple(data.get("not_stated") or ()),
                   overall=str(data.get("overall") or ""))


def find_answer(session: Session, *, user: User, answer_id: int) -> InterviewAnswer:
    """The user's answer by id; LookupError for another user's or a missing one."""
    # an id beyond a database integer cannot exist (and would overflow the query)
    row = session.get(InterviewAnswer, answer_id) if 0 < answer_id < 2**31 else None
    if row is None or row.user_id != user.id:
        raise LookupError(f"no answer {answer_id}")
    return row


def session_answer(session: Session, *, user: User, interview_id: int,
                   number: int | None = None) -> InterviewAnswer:
    """The answer to question `number` (1-based, as in the scorecard) of the user's session, or
    the latest answered question when `number` is None; LookupError if there is none."""
    interview = get_interview(session, user=user, interview_id=interview_id)
    rows = [a for a in session_answers(session, interview) if a.kind == "question"]
    if number is None:
        answered = [a for a in rows if a.answered_at is not None and a.answer_text]
        if not answered:
            raise LookupError(f"interview {interview_id} has no typed answer yet")
        return answered[-1]
    row = next((a for a in rows if a.position + 1 == number), None)
    if row is None:
        raise LookupError(f"interview {interview_id} has no question {number} "
                          f"(it asked {len(rows)})")
    return row


def answer_details(session: Session, row: InterviewAnswer) -> VerdictDetails:
    """The verdict of an answer, misconceptions numbered as in its question."""
    try:
        mistakes: Sequence[str] = get_question(session, row.qid).mistakes
    except LookupError:  # the question left the bank; its claims stay in the check
        mistakes = ()
    return verdict_details(row.check, mistakes)


def _unique(indexes: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(indexes)))


def _numbers(indexes: Iterable[int]) -> str:
    return ", ".join(str(i + 1) for i in sorted(indexes)) or "none"


def validate_claim(details: VerdictDetails, claim: ContestClaim, comment: str) -> None:
    """ValueError naming what does not fit the verdict (numbers as the learner sees them)."""
    heard = {p.number - 1 for p in details.heard}
    missed = {p.number - 1 for p in details.missed}
    flagged = {m.number - 1 for m in details.misconceptions if m.number}
    if claim.overall and claim.overall not in OVERALL:
        raise ValueError(f"unknown overall claim '{claim.overall}': too-low or too-high")
    for index in (*claim.covered, *claim.not_covered):
        if index not in heard | missed:
            raise ValueError(f"the question has no key point {index + 1} "
                             f"(it has {len(heard | missed)})")
    if wrong := set(claim.covered) - missed:
        raise ValueError(f"key point {_numbers(wrong)} is already marked heard; "
                         f"the missed ones are {_numbers(missed)}")
    if wrong := set(claim.not_covered) - heard:
        raise ValueError(f"key point {_numbers(wrong)} is not marked heard; "
                         f"the heard ones are {_numbers(heard)}")
    if wrong := set(claim.not_stated) - flagged:
        raise ValueError(f"misconception {_numbers(wrong)} was not flagged in this answer "
                         f"(flagged: {_numbers(flagged)})")
    if not (claim.names_labels or claim.overall or comment):
        raise ValueError("say what is wrong: a key point you covered, a misconception you did "
                         "not state, the overall verdict too low or too high, or a comment")


def open_contest(session: Session, *, answer: InterviewAnswer) -> AnswerContest | None:
    """The open contest of an answer by its owner, if any."""
    return session.scalars(select(AnswerContest).where(
        AnswerContest.user_id == answer.user_id, AnswerContest.answer_id == answer.id,
        AnswerContest.status == OPEN)).first()


def contest_answer(session: Session, *, user: User, answer: InterviewAnswer,
                   claim: ContestClaim, comment: str, now: datetime
                   ) -> tuple[AnswerContest, bool]:
    """Store the learner's contest of a verdict (or update their open one); True if new.

    ValueError for a follow-up, an unchecked answer, a claim that does not fit the verdict.
    """
    if answer.user_id != user.id:
        raise LookupError(f"no answer {answer.id}")
    if answer.kind != "question":
        raise ValueError("only the verdict on a question's answer can be contested, "
                         "not a follow-up's")
    details = answer_details(session, answer)
    if not details.checked:
        raise ValueError(f"answer {answer.id} has no verdict to contest: it was not typed, "
                         "or not checked")
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise ValueError(f"a comment is at most {MAX_COMMENT:,} characters, "
                         f"not {len(comment):,}")
    claim = ContestClaim(covered=_unique(claim.covered), not_covered=_unique(claim.not_covered),
                         not_stated=_unique(claim.not_stated), overall=claim.overall)
    validate_claim(details, claim, comment)
    verdict = {**answer.check, "mistake_indexes": sorted(
        m.number - 1 for m in details.misconceptions if m.number)}
    contest = open_contest(session, answer=answer)
    if contest is None:
        try:  # a savepoint: the same contest sent twice at once inserts only one row
            with session.begin_nested():
                contest = AnswerContest(user_id=user.id, answer_id=answer.id, status=OPEN,
                                        created_at=now)
                _fill(contest, answer, verdict, claim, comment, now)
                session.add(contest)
            return contest, True
        except IntegrityError:
            contest = open_contest(session, answer=answer)
            if contest is None:
                raise
    _fill(contest, answer, verdict, claim, comment, now)
    session.flush()
    return contest, False


def _fill(contest: AnswerContest, answer: InterviewAnswer, verdict: dict[str, Any],
          claim: ContestClaim, comment: str, now: datetime) -> None:
    contest.session_id, contest.qid = answer.session_id, answer.qid
    contest.answer_text, contest.verdict = answer.answer_text, verdict
    contest.claim, contest.comment, contest.updated_at = claim.to_json(), comment, now


def list_contests(session: Session, *, user: User) -> list[AnswerContest]:
    """The learner's contests, newest first."""
    return list(session.scalars(select(AnswerContest).where(
        AnswerContest.user_id == user.id).order_by(AnswerContest.updated_at.desc(),
                                                   AnswerContest.id.desc())))


def label_of(covers: Iterable[int], mistakes: Iterable[int], key_points: Sequence[str]) -> str:
    """The labelled sets' kind of an answer: wrong if it states a misconception, good if it
    covers GOOD_SHARE of the required key points, partial if it covers some, else off_topic."""
    if list(mistakes):
        return "wrong"
    required = [i for i, p in enumerate(key_points) if not is_bonus(p)] or list(
        range(len(key_points)))
    covered = set(covers)
    if not covered:
        return "off_topic"
    share = len(covered & set(required)) / len(required) if required else 0.0
    return "good" if share >= GOOD_SHARE else "partial"


def labelled_record(contest: AnswerContest) -> dict[str, Any] | None:
    """A line of the labelled sets: the checker's covers and mistakes corrected by the claim,
    with `source: "contest"`; None when the claim names no key point or misconception."""
    claim = ContestClaim.from_json(contest.claim)
    if not claim.names_labels:
        return None
    points = contest.verdict.get("points") or []
    heard = {int(p["index"]) for p in points if p.get("covered")}
    flagged = set(contest.verdict.get("mistake_indexes") or ())
    covers = sorted((heard | set(claim.covered)) - set(claim.not_covered))
    mistakes = sorted(flagged - set(claim.not_stated))
    return {
        "id": f"contest-{contest.id}", "qid": contest.qid,
        "label": label_of(covers, mistakes, [str(p.get("text", "")) for p in points]),
        "covers": covers, "mistakes": mistakes, "answer": contest.answer_text,
        "source": "contest",
        "checker": {"verdict": contest.verdict.get("verdict", ""), "covers": sorted(heard),
                    "mistakes": sorted(flagged)},
        "claim": contest.claim, "comment": contest.comment,
    }


def export_contests(session: Session, *, user: User) -> tuple[list[dict[str, Any]], int]:
    """The learner's contests as labelled records, oldest first, and how many were left out
    (a claim about the overall verdict or a comment only names no labels)."""
    records, skipped = [], 0
    for contest in reversed(list_contests(session, user=user)):
        record = labelled_record(contest)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return records, skipped


def records_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """Records as JSON lines (UTF-8 text, Russian kept readable)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
