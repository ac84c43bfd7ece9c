"""Full-text search over questions and follow-ups, Russian and English, with filters.

Queries and content are reduced to Snowball stems (`text_stems`), so «каналы» finds «канал» and
"goroutines" finds "goroutine"; query stems are cut by two letters and matched as prefixes, which
evens out the stemmer's quirks and lets a half-typed word match. A Russian word typed in Latin
letters ("gorutina", "kanal") also matches its Cyrillic spelling: the query side transliterates
Latin words of four letters or more. SQLite uses the FTS5 table `question_search` ranked by
bm25; PostgreSQL matches the `search_stems` columns with `to_tsvector('simple', …)`.

    >>> found = search_bank(session, text="kanal", filters=SearchFilters(level="middle"), limit=5)
    >>> found.total, len(found.hits), found.hits[0].ref  # on the shipped bank
    (75, 5, 'chan-nil-closed-axioms')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gocoach.questions.faces import SHORT_ANSWER, followup_anchor
from gocoach.questions.stems import stem, words
from gocoach.store.tables import FollowUpQuestion, Question

LEVELS = ("middle", "senior", "architect")
MAX_HITS = 5000  # matches read from the index: the whole bank, so the count found is exact
SNIPPET = 220
PREFIX_MIN, PREFIX_CUT = 3, 2
SENTENCE = re.compile(r"(?<=[.!?])\s+")
TRANSLIT_MIN = 4  # shorter Latin words ("go", "map") are left alone
LATIN_WORD = re.compile(r"^[a-z]+$")
# Latin → Cyrillic, longest spellings first (the common ways to type Russian in Latin letters)
TRANSLIT = (("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"),
            ("sh", "ш"), ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"), ("yo", "е"),
            ("jo", "е"), ("ye", "е"), ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"),
            ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"),
            ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"),
            ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"))
VOWELS = set("аеиоуыэюя")


@dataclass(frozen=True)
class SearchFilters:
    """Filters of a search; None means any."""

    module: str | None = None
    level: str | None = None
    tag: str | None = None
    min_freq: int | None = None


@dataclass
class SearchHit:
    """A found question or follow-up with its question's metadata and a matching sentence."""

    ref: str
    kind: str
    qid: str
    title: str
    question_title: str
    module_number: str
    level: str
    freq: int
    tags: list[str] = field(default_factory=list)
    snippet: str = ""
    url: str = ""


def check_filters(filters: SearchFilters) -> SearchFilters:
    """Normalise the filters, or raise ValueError naming the bad one."""
    module = filters.module.strip().zfill(2) if filters.module else None
    level = filters.level.strip().lower() if filters.level else None
    if level and level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not '{filters.level}'")
    if filters.min_freq is not None and not 1 <= filters.min_freq <= 5:
        raise ValueError(f"frequency must be from 1 to 5, not {filters.min_freq}")
    tag = filters.tag.strip().lower() if filters.tag else None
    return SearchFilters(module=module, level=level, tag=tag, min_freq=filters.min_freq)


@dataclass
class SearchResults:
    """The hits shown (at most the limit), how many matched in all, and whether anything was
    asked (words or a filter): with neither there is nothing to show but a prompt."""

    hits: list[SearchHit]
    total: int
    asked: bool = True


def search_bank(session: Session, *, text: str, filters: SearchFilters | None = None,
                limit: int = 50) -> SearchResults:
    """Questions and follow-ups matching `text` (best first) and the filters, and their count.

    No words but a filter lists the questions that pass it, in the bank's order; no words and
    no filter give no hits (`asked` is False).
    """
    wanted = check_filters(filters or SearchFilters())
    terms = _query_terms(text)
    if not terms:
        if wanted == SearchFilters():
            return SearchResults(hits=[], total=0, asked=False)
        return _filtered_questions(session, wanted, limit)
    ranked = _match(session, terms)
    results = _hits(session, ranked, wanted, limit)
    every = {t for group in terms for t in group}
    for hit in results.hits:
        hit.snippet = _snippet(session, hit, every)
    return results


def search_questions(session: Session, *, text: str, filters: SearchFilters | None = None,
                     limit: int = 50) -> list[SearchHit]:
    """The hits of `search_bank` alone."""
    return search_bank(session, text=text, filters=filters, limit=limit).hits


def _query_terms(query: str) -> list[tuple[str, ...]]:
    """Per query word, the prefixes that may match it: its stem cut by two letters and, for a
    Latin word, the cut stem of its Cyrillic transliteration ("kanal" → кан, "gorutina" → горут).

    Snowball gives «канал» → кана but «каналы» → канал, «отмена» → отм but «отмену» → отмен;
    the cut stems meet.
    """
    groups: dict[tuple[str, ...], None] = {}
    for word in words(query):
        spellings = [word]
        if len(word) >= TRANSLIT_MIN and LATIN_WORD.match(word):
            spellings.append(transliterate(word))
        groups[tuple(dict.fromkeys(_cut(stem(w)) for w in spellings))] = None
    return list(groups)


def _cut(word_stem: str) -> str:
    return word_stem[:max(PREFIX_MIN, len(word_stem) - PREFIX_CUT)]


def transliterate(word: str) -> str:
    """A lowercase Latin word spelled in Cyrillic letters: "gorutina" → «горутина»."""
    out: list[str] = []
    rest = word
    while rest:
        latin, cyrillic = next((pair for pair in TRANSLIT if rest.startswith(pair[0])),
                               (rest[0], rest[0]))
        if latin == "y" and out and out[-1][-1] in VOWELS:
            cyrillic = "й"  # "moy", "tipovoy": y after a vowel
        out.append(cyrillic)
        rest = rest[len(latin):]
    return "".join(out)


def _match(session: Session, terms: list[tuple[str, ...]]) -> list[str]:
    if session.get_bind().dialect.name == "sqlite":
        return _match_fts5(session, terms)
    return _match_postgres(session, terms)


def _match_fts5(session: Session, terms: list[tuple[str, ...]]) -> list[str]:
    parts = ["(" + " OR ".join(f'"{t}"*' for t in group) + ")" for group in terms]
    rows = session.execute(text(
        "SELECT ref FROM question_search WHERE question_search MATCH :query "
        "ORDER BY bm25(question_search) LIMIT :limit"),
        {"query": "body : (" + " AND ".join(parts) + ")", "limit": MAX_HITS})
    return [str(row[0]) for row in rows]


def _match_postgres(session: Session, terms: list[tuple[str, ...]]) -> list[str]:
    tsquery = func.to_tsquery("simple", " & ".join(
        "(" + " | ".join(f"{t}:*" for t in group) + ")" for group in terms))
    found: list[tuple[float, str]] = []
    for ref, stems_column, retired, weight in (
            (Question.qid, Question.search_stems, Question.retired, 2.0),
            (FollowUpQuestion.fid, FollowUpQuestion.search_stems, FollowUpQuestion.retired, 1.0)):
        vector = func.to_tsvector("simple", stems_column)
        rows = session.execute(select(ref, func.ts_rank(vector, tsquery))
                               .where(vector.op("@@")(tsquery), retired.is_(False))
                               .limit(MAX_HITS)).all()
        found.extend((float(rank) * weight, str(r)) for r, rank in rows)
    return [ref for _, ref in sorted(found, key=lambda pair: -pair[0])[:MAX_HITS]]


def _questions(session: Session, qids: list[str]) -> dict[str, Question]:
    return {q.qid: q for q in session.scalars(select(Question).where(Question.qid.in_(qids)))}


def _passes(question: Question, wanted: SearchFilters) -> bool:
    return ((wanted.module is None or question.module_number == wanted.module)
            and (wanted.level is None or question.level == wanted.level)
            and (wanted.tag is None or wanted.tag in question.tags)
            and (wanted.min_freq is None or question.freq >= wanted.min_freq)
            and not question.retired)


def _hits(session: Session, ranked: list[str], wanted: SearchFilters,
          limit: int) -> SearchResults:
    followups = {f.fid: f for f in session.scalars(select(FollowUpQuestion).where(
        FollowUpQuestion.fid.in_([r for r in ranked if "/" in r])))}
    qids = [r for r in ranked if "/" not in r] + [f.qid for f in followups.values()]
    questions = _questions(session, list(dict.fromkeys(qids)))
    hits: list[SearchHit] = []
    total = 0
    for ref in ranked:
        followup = followups.get(ref)
        question = questions.get(followup.qid if followup else ref)
        if question is None or not _passes(question, wanted):
            continue
        total += 1
        if len(hits) < limit:
            hits.append(_hit(question, followup))
    return SearchResults(hits=hits, total=total)


def _hit(question: Question, followup: FollowUpQuestion | None) -> SearchHit:
    hit = SearchHit(ref=question.qid, kind="question", qid=question.qid, title=question.title,
                    question_title=question.title, module_number=question.module_number,
                    level=question.level, freq=question.freq, tags=list(question.tags),
                    url=f"/questions/{question.qid}")
    if followup is not None:
        hit.ref, hit.kind, hit.title = followup.fid, "followup", followup.question
        hit.url += "#" + followup_anchor(followup.fid)
    return hit


def _filtered_questions(session: Session, wanted: SearchFilters, limit: int) -> SearchResults:
    query = select(Question).where(Question.retired.is_(False)).order_by(Question.position)
    if wanted.module:
        query = query.where(Question.module_number == wanted.module)
    if wanted.level:
        query = query.where(Question.level == wanted.level)
    if wanted.min_freq:
        query = query.where(Question.freq >= wanted.min_freq)
    passing = [q for q in session.scalars(query) if _passes(q, wanted)]
    found = passing[:limit]
    hits = [_hit(q, None) for q in found]
    for hit, question in zip(hits, found, strict=True):
        hit.snippet = _shorten(question.sections.get(SHORT_ANSWER, ""))
    return SearchResults(hits=hits, total=len(passing))


def _snippet(session: Session, hit: SearchHit, terms: set[str]) -> str:
    """The first sentence of the answer that holds a query word (else the answer's start)."""
    if hit.kind == "followup":
        source = session.scalar(select(FollowUpQuestion.answer).where(
            FollowUpQuestion.fid == hit.ref)) or ""
    else:
        sections = session.scalar(select(Question.sections).where(Question.qid == hit.ref)) or {}
        source = "\n".join(sections.get(name, "") for name in (SHORT_ANSWER, "Детальный разбор"))
    sentences = [s.strip() for s in SENTENCE.split(" ".join(source.split())) if s.strip()]
    for sentence in sentences:
        found = {stem(w) for w in words(sentence)}
        if any(s.startswith(term) for s in found for term in terms):
            return _shorten(sentence)
    return _shorten(sentences[0] if sentences else "")


def _shorten(sentence: str) -> str:
    """A snippet as plain text: Markdown markers dropped (a cut could leave them unpaired)."""
    sentence = re.sub(r"```\w*", " ", sentence)
    sentence = re.sub(r"\*\*|__|`", "", sentence)
    sentence = re.sub(r"^#+\s*|(?<=\s)#+\s", "", sentence)
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= SNIPPET else sentence[:SNIPPET - 1].rstrip() + "…"
