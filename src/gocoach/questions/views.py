"""Reading the bank: modules, a module's questions, one question with its follow-ups.

    >>> question_page(session, "chan-hchan").module.title
    'Горутины и каналы'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gocoach.store.tables import (
    FollowUpQuestion,
    Question,
    QuestionModule,
    QuestionTrack,
)

ANSWER_SECTIONS = ("Короткий ответ", "Детальный разбор", "Пример", "Типичные ошибки",
                   "На интервью")
WHY = "Зачем спрашивают"


@dataclass
class ModuleSummary:
    """A module with its number of questions and follow-ups."""

    module: QuestionModule
    questions: int = 0
    followups: int = 0


@dataclass
class ModulePage:
    """A module and its questions in order."""

    module: QuestionModule
    questions: list[Question] = field(default_factory=list)
    followups: dict[str, int] = field(default_factory=dict)


@dataclass
class QuestionPage:
    """A question, its module, its follow-ups, and its neighbours in the module."""

    question: Question
    module: QuestionModule | None
    followups: list[FollowUpQuestion] = field(default_factory=list)
    previous: Question | None = None
    next: Question | None = None


def list_modules(session: Session) -> list[ModuleSummary]:
    """Every module of the loaded tracks, in the index's order, with its counts."""
    modules = list(session.scalars(select(QuestionModule).order_by(QuestionModule.track_id,
                                                                   QuestionModule.position)))
    questions = dict(session.execute(
        select(Question.module_number, func.count()).where(Question.retired.is_(False))
        .group_by(Question.module_number)).all())
    followups = dict(session.execute(
        select(Question.module_number, func.count())
        .join(FollowUpQuestion, FollowUpQuestion.qid == Question.qid)
        .where(Question.retired.is_(False), FollowUpQuestion.retired.is_(False))
        .group_by(Question.module_number)).all())
    return [ModuleSummary(m, questions.get(m.number, 0), followups.get(m.number, 0))
            for m in modules]


def get_module(session: Session, number: str) -> QuestionModule:
    """The module numbered `number` ('01' or '1'); LookupError if there is none."""
    module = session.scalars(select(QuestionModule).where(
        QuestionModule.number == number.strip().zfill(2))).first()
    if module is None:
        raise LookupError(f"no module '{number}' in the question bank "
                          "(modules are numbered 00–13; see /questions)")
    return module


def module_page(session: Session, number: str) -> ModulePage:
    """A module with its live questions and their follow-up counts."""
    module = get_module(session, number)
    questions = list(session.scalars(select(Question).where(
        Question.module_number == module.number, Question.retired.is_(False))
        .order_by(Question.position)))
    counts = dict(session.execute(
        select(FollowUpQuestion.qid, func.count())
        .where(FollowUpQuestion.qid.in_([q.qid for q in questions]),
               FollowUpQuestion.retired.is_(False))
        .group_by(FollowUpQuestion.qid)).all())
    return ModulePage(module=module, questions=questions, followups=counts)


def get_question(session: Session, ref: str) -> Question:
    """The question `ref` (or the question of follow-up `ref`); LookupError if unknown."""
    qid = ref.split("/", 1)[0].strip()
    question = session.scalars(select(Question).where(Question.qid == qid)).first()
    if question is None:
        raise LookupError(f"no question '{qid}' in the bank (find ids with `gocoach q search`)")
    return question


def question_page(session: Session, ref: str) -> QuestionPage:
    """A question with its follow-ups and its previous and next question in the module."""
    question = get_question(session, ref)
    module = session.scalars(select(QuestionModule).where(
        QuestionModule.track_id == question.track_id,
        QuestionModule.number == question.module_number)).first()
    followups = list(session.scalars(select(FollowUpQuestion).where(
        FollowUpQuestion.qid == question.qid, FollowUpQuestion.retired.is_(False))
        .order_by(FollowUpQuestion.position)))
    siblings = list(session.scalars(select(Question).where(
        Question.module_number == question.module_number, Question.retired.is_(False))
        .order_by(Question.position)))
    index = next((i for i, q in enumerate(siblings) if q.qid == question.qid), None)
    page = QuestionPage(question=question, module=module, followups=followups)
    if index is not None:
        page.previous = siblings[index - 1] if index > 0 else None
        page.next = siblings[index + 1] if index + 1 < len(siblings) else None
    return page


@dataclass(frozen=True)
class ModuleName:
    """How a module of the bank is named and where its page is."""

    number: str
    title: str

    @property
    def link(self) -> str:
        """The module's page."""
        return f"/questions/modules/{self.number}"


def module_names(session: Session) -> dict[str, ModuleName]:
    """The loaded modules by folder name: a track's roadmap titles its items so
    ('00-language-overview'), the bank by the module file's heading ('Обзор языка Go')."""
    return {slug: ModuleName(number, title) for slug, number, title in session.execute(
        select(QuestionModule.slug, QuestionModule.number, QuestionModule.title)
        .order_by(QuestionModule.track_id, QuestionModule.position))}


def track_question_count(session: Session, slug: str) -> int | None:
    """The real number of questions of a loaded track (None when it is not loaded)."""
    stats = session.scalar(select(QuestionTrack.stats).where(QuestionTrack.slug == slug))
    if not stats or "questions" not in stats:
        return None
    return int(stats["questions"])
