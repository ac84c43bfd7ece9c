"""What a card shows: the front (the question) and the back (short answer, key points, link).

    >>> card_face(session, "chan-hchan").front
    'Как устроен канал «под капотом»?'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.store.tables import FollowUpQuestion, Question

SHORT_ANSWER = "Короткий ответ"
CHUNK = 500


@dataclass(frozen=True)
class CardFace:
    """Front and back of a card; `url` is the full question's page (a follow-up's anchor)."""

    ref: str
    kind: str
    qid: str
    module_number: str
    front: str
    answer: str
    question_title: str
    url: str
    key_points: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def followup_anchor(fid: str) -> str:
    """The HTML id of a follow-up on its question's page."""
    return "f-" + fid.rsplit("/", 1)[-1]


def question_face(question: Question) -> CardFace:
    """The card of a question."""
    return CardFace(ref=question.qid, kind="question", qid=question.qid,
                    module_number=question.module_number, front=question.title,
                    answer=question.sections.get(SHORT_ANSWER, ""),
                    question_title=question.title, url=f"/questions/{question.qid}",
                    key_points=list(question.key_points), tags=list(question.tags))


def followup_face(followup: FollowUpQuestion, question: Question) -> CardFace:
    """The card of a follow-up: its answer, and a link to the question it follows."""
    return CardFace(ref=followup.fid, kind="followup", qid=question.qid,
                    module_number=question.module_number, front=followup.question,
                    answer=followup.answer, question_title=question.title,
                    url=f"/questions/{question.qid}#{followup_anchor(followup.fid)}",
                    tags=list(question.tags))


def card_face(session: Session, ref: str) -> CardFace:
    """The card named `ref`; LookupError when the bank has no such question or follow-up."""
    faces = card_faces(session, [ref])
    if ref not in faces:
        raise LookupError(f"unknown card '{ref}': no question or follow-up has this id "
                          "(find ids with `gocoach q search`)")
    return faces[ref]


def card_faces(session: Session, refs: Iterable[str]) -> dict[str, CardFace]:
    """The cards of many refs at once (unknown refs are left out)."""
    wanted = list(dict.fromkeys(refs))
    fids = [r for r in wanted if "/" in r]
    followups: list[FollowUpQuestion] = []
    for start in range(0, len(fids), CHUNK):
        followups.extend(session.scalars(select(FollowUpQuestion).where(
            FollowUpQuestion.fid.in_(fids[start:start + CHUNK]))))
    qids = list(dict.fromkeys([r for r in wanted if "/" not in r] + [f.qid for f in followups]))
    questions: dict[str, Question] = {}
    for start in range(0, len(qids), CHUNK):
        questions.update((q.qid, q) for q in session.scalars(select(Question).where(
            Question.qid.in_(qids[start:start + CHUNK]))))
    faces = {qid: question_face(q) for qid, q in questions.items() if qid in wanted}
    for followup in followups:
        if followup.qid in questions:
            faces[followup.fid] = followup_face(followup, questions[followup.qid])
    return faces


def all_card_faces(session: Session) -> list[CardFace]:
    """Every live card of the bank in its order: each question, then its follow-ups.

    Reads only the columns a card shows, without building ORM objects.
    """
    questions = session.execute(
        select(Question.qid, Question.module_number, Question.title,
               Question.sections, Question.key_points, Question.tags)
        .where(Question.retired.is_(False)).order_by(Question.position)).all()
    by_qid: dict[str, list[tuple[str, str, str]]] = {}
    for fid, qid, text, answer in session.execute(
            select(FollowUpQuestion.fid, FollowUpQuestion.qid, FollowUpQuestion.question,
                   FollowUpQuestion.answer).where(FollowUpQuestion.retired.is_(False))
            .order_by(FollowUpQuestion.position)):
        by_qid.setdefault(qid, []).append((fid, text, answer))
    faces: list[CardFace] = []
    for qid, module, title, sections, key_points, tags in questions:
        faces.append(CardFace(ref=qid, kind="question", qid=qid, module_number=module,
                              front=title, answer=(sections or {}).get(SHORT_ANSWER, ""),
                              question_title=title,
                              url=f"/questions/{qid}", key_points=list(key_points or []),
                              tags=list(tags or [])))
        faces.extend(CardFace(ref=fid, kind="followup", qid=qid, module_number=module,
                              front=text, answer=answer, question_title=title,
                              url=f"/questions/{qid}#{followup_anchor(fid)}", tags=list(tags or []))
                     for fid, text, answer in by_qid.get(qid, []))
    return faces
