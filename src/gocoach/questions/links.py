"""Links between roadmap items and bank questions, only where the link is clear.

An item links to a question when the item's words (as stems, weighted by how rare they are among
the questions) are mostly found in the question's title and tags: at least 60 % of the item's
weight and at least two shared words (one word only when the item is a single, rare term such as
"Interceptors"). At most three questions per item.

    >>> [q.qid for q in questions_for_item(session, node)]   # "Pipeline c fan-in/fan-out"
    ['chan-pipeline-fan-in-out']
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.questions.stems import stems
from gocoach.store.tables import Node, Question, Roadmap

THRESHOLD = 0.6
MAX_LINKS = 3
RARE_DF = 2
STOP_WORDS = frozenset(stems(
    "и в во на как что с со для по от до из к о об при это или не а но же ли go golang "
    "что такое зачем чем почему когда где какие какой каких какая работает устроен устроена "
    "нужен нужна нужно можно the a an of and or in on to for with vs how what why"))


@dataclass(frozen=True)
class QuestionLink:
    """A question linked to an item, with the share of the item's words it covers."""

    qid: str
    title: str
    score: float


@dataclass(frozen=True)
class ItemLink:
    """A roadmap item linked to a question."""

    roadmap_slug: str
    roadmap_title: str
    key: str
    title: str
    score: float


class QuestionIndex:
    """The questions' title-and-tag stems with their rarity, to score items against."""

    def __init__(self, questions: list[tuple[str, str, list[str]]]) -> None:
        self.titles = {qid: title for qid, title, _ in questions}
        self.docs = {qid: question_terms(title, tags) for qid, title, tags in questions}
        self.df = Counter(term for doc in self.docs.values() for term in doc)
        self.size = len(self.docs)
        # names the question set: results derived from the index can be kept under it
        self.signature = hashlib.sha256(repr(sorted(
            (qid, title, tuple(tags)) for qid, title, tags in questions)).encode()).hexdigest()

    def weight(self, term: str) -> float:
        """Rarer words weigh more (inverse document frequency)."""
        return math.log((self.size + 1) / (self.df.get(term, 0) + 0.5))

    def links(self, text: str) -> list[QuestionLink]:
        """The questions clearly about `text` (an item title), best first, at most three."""
        terms = item_terms(text)
        total = sum(self.weight(t) for t in terms)
        if not terms or total <= 0:
            return []
        found = []
        for qid, doc in self.docs.items():
            shared = terms & doc
            score = sum(self.weight(t) for t in shared) / total
            single_rare = len(terms) == 1 and all(self.df[t] <= RARE_DF for t in shared)
            if score >= THRESHOLD and (len(shared) >= 2 or (shared and single_rare)):
                found.append(QuestionLink(qid=qid, title=self.titles[qid], score=score))
        return sorted(found, key=lambda link: (-link.score, link.qid))[:MAX_LINKS]


def question_terms(title: str, tags: list[str]) -> set[str]:
    """Stems of a question's title and tags, without filler words."""
    words = " ".join(tag.replace("-", " ") for tag in tags)
    return set(stems(f"{title} {words}")) - STOP_WORDS


def item_terms(title: str) -> set[str]:
    """Stems of an item title, without filler words."""
    return set(stems(title)) - STOP_WORDS


def question_index(session: Session) -> QuestionIndex:
    """The index of every live question (built once per process for the same questions)."""
    rows = tuple((qid, title, tuple(tags or ())) for qid, title, tags in session.execute(
        select(Question.qid, Question.title, Question.tags).where(
            Question.retired.is_(False)).order_by(Question.qid)))
    return _index_of(rows)


@lru_cache(maxsize=4)
def _index_of(rows: tuple[tuple[str, str, tuple[str, ...]], ...]) -> QuestionIndex:
    return QuestionIndex([(qid, title, list(tags)) for qid, title, tags in rows])


def questions_for_item(session: Session, node: Node) -> list[QuestionLink]:
    """The bank questions clearly about this roadmap item (at most three)."""
    if node.kind != "item":
        return []
    return question_index(session).links(node.title)


def items_for_question(session: Session, qid: str) -> list[ItemLink]:
    """The roadmap items (of every roadmap) that link to this question, roadmap by roadmap."""
    index = question_index(session)
    if qid not in index.docs:
        return []
    wanted = index.docs[qid]
    found = []
    rows = session.execute(select(Node.key, Node.title, Roadmap.slug, Roadmap.title)
                           .join(Roadmap, Roadmap.id == Node.roadmap_id)
                           .where(Node.kind == "item")
                           .order_by(Roadmap.position, Roadmap.id, Node.position)).all()
    for key, title, slug, roadmap_title in rows:
        if not item_terms(title) & wanted:
            continue
        link = next((link for link in index.links(title) if link.qid == qid), None)
        if link is not None:
            found.append(ItemLink(roadmap_slug=slug, roadmap_title=roadmap_title, key=key,
                                  title=title, score=link.score))
    return found
