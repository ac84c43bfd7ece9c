"""Pages of the question bank: modules, a module, a question (answer hidden until asked), search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gocoach.drills.cards import card_statuses
from gocoach.questions.faces import followup_anchor
from gocoach.questions.links import items_for_question
from gocoach.questions.rendering import render_inline, render_markdown
from gocoach.questions.search import LEVELS, SearchFilters, search_bank
from gocoach.questions.views import (
    ANSWER_SECTIONS,
    WHY,
    list_modules,
    module_page,
    question_page,
)
from gocoach.web.deps import CurrentUser, PageDep, SessionDep
from gocoach.web.i18n import N_
from gocoach.web.routes_plans import NowDep

router = APIRouter()
SEARCH_LIMIT = 100  # hits shown on the search page; the count says how many matched
# The bank is written in Russian and its answer's headings are its structure: a page names them
# in the interface language (the text under them stays as written). «Зачем спрашивают» is q.why.
SECTION_TITLES = {
    "Короткий ответ": N_("num.q.short_answer"),
    "Детальный разбор": N_("num.q.details"),
    "Пример": N_("num.q.example"),
    "Типичные ошибки": N_("num.q.mistakes"),
    "На интервью": N_("num.q.interview"),
}


@router.get("/questions")
def list_modules_page(session: SessionDep, page: PageDep) -> Response:
    """The modules of the bank with their question counts, and the search box."""
    modules = list_modules(session)
    return page.render("questions.html", modules=modules, levels=LEVELS, filters=SearchFilters(),
                       query="")


@router.get("/questions/modules/{number}")
def read_module(number: str, session: SessionDep, user: CurrentUser, page: PageDep,
                now: NowDep) -> Response:
    """One module: its introduction and its questions with the user's recall of each."""
    view = module_page(session, number)
    cards = card_statuses(session, user=user, refs=[q.qid for q in view.questions], now=now)
    return page.render("question_module.html", view=view, cards=cards,
                       intro=render_markdown(view.module.intro))


@router.get("/questions/{qid}")
def read_question(qid: str, session: SessionDep, user: CurrentUser, page: PageDep,
                  now: NowDep) -> Response:
    """A question: why it is asked; the answer and the follow-ups' answers hidden until asked."""
    view = question_page(session, qid)
    question = view.question
    refs = [question.qid, *[f.fid for f in view.followups]]
    sections = {name: render_markdown(question.sections.get(name, ""))
                for name in (WHY, *ANSWER_SECTIONS)}
    why = sections.pop(WHY)
    titled = [(page.t(SECTION_TITLES[name]) if name in SECTION_TITLES else name, html)
              for name, html in sections.items()]
    followups = [(f, followup_anchor(f.fid), render_markdown(f.answer)) for f in view.followups]
    return page.render(
        "question.html", view=view, question=question, why=why,
        sections=titled, followups=followups, title=render_inline(question.title),
        cards=card_statuses(session, user=user, refs=refs, now=now),
        items=items_for_question(session, question.qid))


@router.get("/search")
def search_page(
    request: Request, session: SessionDep, page: PageDep,
    q: str = "", module: str = "", level: str = "", tag: str = "",
    min_freq: Annotated[str, Query()] = "",
) -> Response:
    """Full-text search with filters; an HTMX request gets only the results."""
    filters = SearchFilters(module=module or None, level=level or None, tag=tag or None,
                            min_freq=int(min_freq) if min_freq.isdigit() else None)
    results = search_bank(session, text=q, filters=filters, limit=SEARCH_LIMIT)
    template = "_search_results.html" if request.headers.get("hx-request") else "search.html"
    return page.render(template, hits=results.hits, results=results, query=q, filters=filters,
                       levels=LEVELS, modules=list_modules(session))
