"""Check a typed answer against a question's key points and typical mistakes.

The result is a hint with its evidence, not a grade. The answer is cut into sentences and clauses;
each clause's words become terms (glossary concepts, lemmas, fuzzy matches for typos) with a
polarity (negation scoped both ways within the clause, opposite words such as "уменьшает").
Clauses that say nothing (a bare list of terms) and sentences that say "не знаю" cover nothing.
A misconception from «Типичные ошибки» is reported when a clause window or a sentence states it
(most of its terms, same polarity, none contradicted, optionally helped by the sentence's
embedding similarity to the claim); those clauses cover no key point. Each key point gets a score
from the terms of the rest, optionally blended with the best sentence similarity. The thresholds
(`Params`) are chosen by cross-validation across questions (`bench/answers.py`). The learner's
own rating decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from gocoach.interviews.lemmas import is_predicate
from gocoach.interviews.terms import DONT_KNOW, is_negation, is_opposite, is_stopword, term_of
from gocoach.questions.format import is_bonus
from gocoach.store.refusals import Refusal

MAX_ANSWER_CHARS = 20_000
NEGATION_WINDOW = 4
SATURATION = 6.0
LIST_RUN = 3  # this many predicate-less clauses of ≤ 2 terms in a row are a bare list
LIST_SHARE = 0.6  # a sentence of this many bare clauses is a list, but for its Russian verbs
MIN_LEXICAL = 0.25  # a key point needs this much of its terms: similarity alone covers nothing
OWN_SHARE = 0.85  # a claim made only of key point terms must be said almost whole
MAX_EMBEDDED_SENTENCES = 12


@dataclass(frozen=True)
class Params:
    """The checker's thresholds; `DEFAULT` holds the values cross-validation chose."""

    covered: float = 0.5  # a key point is covered at this score
    blend: float = 0.0  # share of the best sentence similarity in a key point's score
    sim_low: float = 0.80
    sim_high: float = 0.90
    mistake: float = 0.85  # a claim is stated when its match score reaches this
    mistake_blend: float = 0.0  # share of the sentence's similarity to the claim in that score
    mistake_terms: int = 2  # distinct claim terms the sentence must hold
    penalty: float = 0.25  # the answer's score loses this per misconception


# chosen by `bench/answers.py` (fit on all three labelled sets; its cross-validated figures are
# the honest ones), terms only and with the embedding model
DEFAULT = Params(covered=0.55, mistake=0.55, mistake_terms=3, penalty=0.3)
DEFAULT_WITH_MODEL = Params(covered=0.45, blend=0.4, sim_low=0.86, sim_high=0.96, mistake=0.65,
                            mistake_terms=1, mistake_blend=0.5, penalty=0.2)

# text, texts → cosine similarity of the text to each of the texts
SimilarityFn = Callable[[str, Sequence[str]], list[float]]

# a sentence ends at . ! ? … followed by a space (not inside `ctx.Done`), at ; or a line break
SENTENCE = re.compile(r"(.+?)([.!?…]+(?=\s|$)|[;\n]|$)", re.DOTALL)
# a contrast usually separates a right statement from a wrong one: "..., а чтение ..."
CONTRAST = re.compile(
    r"\s*[,—–]?\s+(?:а|но|однако|зато|хотя|but|whereas|while|although)\s+(?!не\b|not\b)",
    re.IGNORECASE)
WORD = re.compile(r"[a-zA-Z][a-zA-Z0-9_']*|[а-яА-ЯёЁ]+|\d+")
CLAUSE = re.compile(r"[,:—–()]|\s-\s")
LETTER = re.compile(r"[^\W\d_]")
KNOWN_LETTER = re.compile(r"[a-zA-Zа-яА-ЯёЁ]")
CYRILLIC = re.compile(r"[а-яё]")


class AnswerError(Refusal):
    """An answer that cannot be checked or saved, with the reason for the learner."""


@dataclass(frozen=True)
class Token:
    """A content word of a text: as written, its term, its polarity and where it stands."""

    word: str
    term: str
    negated: bool
    sentence: int
    clause: int = 0


@dataclass(frozen=True)
class PointResult:
    """How well the answer covers one key point, with the answer's words that matched."""

    index: int
    text: str
    score: float
    covered: bool
    evidence: tuple[str, ...]
    contradicted: tuple[str, ...] = ()


@dataclass(frozen=True)
class MistakeHit:
    """A typical mistake the answer states, with the clauses and words that state it."""

    claim: str
    evidence: str
    words: tuple[str, ...] = ()
    similarity: float | None = None


@dataclass(frozen=True)
class AnswerCheck:
    """The hint for one answer: per key point results, misconceptions, a score and a verdict."""

    points: tuple[PointResult, ...]
    mistakes: tuple[MistakeHit, ...]
    score: float
    verdict: str
    notes: tuple[str, ...] = ()
    used_model: bool = False
    ignored: tuple[str, ...] = ()  # parts of the answer that covered nothing, with the reason
    summary: str = ""  # heard, missed and misconceptions in one line for the learner

    @property
    def covered(self) -> list[int]:
        """Indexes of the key points the answer covers."""
        return [p.index for p in self.points if p.covered]


@dataclass(frozen=True)
class PreparedAnswer:
    """An answer ready to check and save, with notes about what was done to it."""

    text: str
    notes: tuple[str, ...]
    checkable: bool


def prepare_answer(text: str, *, limit: int = MAX_ANSWER_CHARS) -> PreparedAnswer:
    """Trim and cap an answer; AnswerError if it has no words at all."""
    text = text.replace("\r\n", "\n").strip()
    if not LETTER.search(text):
        raise AnswerError("err.iv.empty_answer", "the answer is empty: type what you would "
                          "say aloud, or skip the question")
    notes: list[str] = []
    if len(text) > limit:
        notes.append(f"the answer is {len(text):,} characters long; only the first {limit:,} "
                     "are kept and checked — in an interview, say the main points briefly")
        text = text[:limit]
    letters = LETTER.findall(text[:5000])
    known = sum(1 for ch in letters if KNOWN_LETTER.match(ch))
    checkable = known >= len(letters) * 0.5
    if not checkable:
        notes.append("the answer is not in Russian or English, so it could not be checked "
                     "against the key points; it is saved — rate yourself")
    return PreparedAnswer(text=text, notes=tuple(notes), checkable=checkable)


@dataclass(frozen=True)
class Clause:
    """A clause of the answer: its text, sentence, content tokens and whether it is a statement."""

    text: str
    sentence: int
    tokens: tuple[Token, ...]
    statement: bool


@dataclass
class Parsed:
    """An answer cut into sentences and clauses, with the parts that cover nothing marked."""

    sentences: list[str]
    clauses: list[Clause]
    listed: set[int] = field(default_factory=set)  # clauses in a bare list of terms
    unsure: set[int] = field(default_factory=set)  # sentences that say "don't know"

    def counted(self, index: int) -> bool:
        """Whether clause `index` may cover a key point or state a mistake."""
        return index not in self.listed and self.clauses[index].sentence not in self.unsure

    def tokens(self, skip: Collection[int] = ()) -> list[Token]:
        """Tokens of the counted clauses, minus those in `skip`."""
        return [t for i, c in enumerate(self.clauses) if self.counted(i) and i not in skip
                for t in c.tokens]


def _split_sentences(text: str) -> list[tuple[str, bool]]:
    text = CONTRAST.sub(". ", text)
    out = []
    for match in SENTENCE.finditer(text):
        body = match.group(1).strip()
        if body and WORD.search(body):
            out.append((body, "?" in match.group(2)))
    return out


def sentences(text: str) -> list[str]:
    """Sentences of `text`, also cut at contrasts ("а", "но", "but")."""
    return [body for body, _ in _split_sentences(text)]


def _clause_tokens(text: str, sentence: int, clause: int
                   ) -> tuple[tuple[Token, ...], bool, bool]:
    words = WORD.findall(text)
    lowered = [w.lower() for w in words]
    content = [not is_stopword(w) and not is_negation(w) for w in words]
    negated = [False] * len(words)
    for i, word in enumerate(words):
        if not is_negation(word):
            continue
        ahead = range(i + 1, min(len(words), i + 1 + NEGATION_WINDOW))
        if any(content[j] for j in ahead):
            for j in ahead:
                negated[j] = True
        else:  # "рефлексии в рантайме нет", "confirms не нужны": the scope is behind
            for j in range(max(0, i - NEGATION_WINDOW), i):
                negated[j] = True
    tokens = tuple(
        Token(word, term_of(word), negated[i] != is_opposite(word), sentence, clause)
        for i, word in enumerate(words) if content[i])
    # a predicate is a word as written in lowercase: `Close`, `Wait` name identifiers
    verbs = [w for w, low in zip(words, lowered, strict=True) if w == low and is_predicate(low)]
    statement = len({t.term for t in tokens}) > 2 or bool(verbs)
    return tokens, statement, any(CYRILLIC.search(w) for w in verbs)


def parse(text: str) -> Parsed:
    """Cut `text` into sentences and clauses; mark bare lists of terms and "не знаю" sentences."""
    parsed = Parsed(sentences=[], clauses=[])
    for number, (body, question) in enumerate(_split_sentences(text)):
        parsed.sentences.append(body)
        if question or DONT_KNOW.search(body):
            parsed.unsure.add(number)
        run: list[int] = []
        mine: list[tuple[int, bool]] = []  # this sentence's clauses: index, has a Russian verb
        for piece in CLAUSE.split(body):
            if not WORD.search(piece):
                continue
            index = len(parsed.clauses)
            tokens, statement, russian_verb = _clause_tokens(piece, number, index)
            parsed.clauses.append(Clause(piece.strip(), number, tokens, statement))
            mine.append((index, russian_verb))
            if statement:
                if len(run) >= LIST_RUN:
                    parsed.listed.update(run)
                run = []
            else:
                run.append(index)
        if len(run) >= LIST_RUN:
            parsed.listed.update(run)
        bare = sum(parsed.clauses[i].statement is False for i, _ in mine)
        if bare > LIST_RUN and bare > LIST_SHARE * len(mine):
            # mostly a list: its few "statements" (`ptr len cap`) are items of it too
            parsed.listed.update(i for i, verb in mine if not verb)
    return parsed


def analyze(text: str) -> list[Token]:
    """The content words of `text` with their terms and polarity (stopwords dropped)."""
    return [t for c in parse(text).clauses for t in c.tokens]


def _weight(token: Token) -> float:
    if token.term.startswith("~"):
        return 1.3
    if not CYRILLIC.search(token.word.lower()):
        return 1.5
    return 1.0


@dataclass
class _Index:
    by_term: dict[str, list[Token]]
    choices: list[str]

    @classmethod
    def of(cls, tokens: list[Token]) -> _Index:
        by_term: dict[str, list[Token]] = {}
        for token in tokens:
            by_term.setdefault(token.term, []).append(token)
        return cls(by_term, [t for t in by_term if not t.startswith("~") and len(t) >= 4])

    def find(self, term: str) -> tuple[float, list[Token]]:
        if term in self.by_term:
            return 1.0, self.by_term[term]
        if term.startswith("~") or len(term) < 5 or not self.choices:
            return 0.0, []
        near = process.extractOne(term, self.choices, scorer=fuzz.ratio, score_cutoff=80)
        if near is None:
            return 0.0, []
        return 0.8, self.by_term[near[0]]


def _coverage(wanted: list[Token], index: _Index, *, saturate: bool = False
              ) -> tuple[float, list[Token], list[Token]]:
    """Weighted share of `wanted` terms found (saturating at SATURATION weight units when
    `saturate`), the matching tokens and the contradicted ones."""
    total = got = 0.0
    seen: set[str] = set()
    matched: list[Token] = []
    contradicted: list[Token] = []
    for token in wanted:
        if token.term in seen:
            continue
        seen.add(token.term)
        weight = _weight(token)
        total += weight
        value, found = index.find(token.term)
        if not found:
            continue
        agreeing = [t for t in found if t.negated == token.negated]
        if agreeing:
            got += weight * value
            matched.extend(agreeing)
        else:
            got += weight * value * 0.2
            contradicted.extend(found)
    if saturate:
        total = min(total, SATURATION)
    return (min(1.0, got / total) if total else 0.0), matched, contradicted


def _words(tokens: list[Token]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.word for t in tokens))


def _soft(similarity: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (similarity - low) / (high - low)))


def clauses(text: str) -> list[str]:
    """Clauses of `text`: its sentences cut at commas, colons, dashes and brackets too."""
    return [c.text for c in parse(text).clauses]


# -- misconceptions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A window of clauses of one sentence measured against one claim."""

    share: float
    terms: int
    contradicted: bool
    similarity: float | None
    clauses: tuple[int, ...]
    evidence: str
    words: tuple[str, ...]
    distinct: bool = True  # holds a claim term that no key point has (what makes it wrong)

    def score(self, params: Params) -> float:
        """The claim's match score: its share of terms, blended with the similarity."""
        if self.similarity is None or not params.mistake_blend:
            return self.share
        soft = _soft(self.similarity, 0.80, 0.95)
        return (1 - params.mistake_blend) * self.share + params.mistake_blend * soft


@lru_cache(maxsize=4096)
def _reference_terms(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t.term for text in texts for t in analyze(text))


def sentence_similarities(parsed: Parsed, texts: Sequence[str],
                          similarity: SimilarityFn | None) -> dict[int, list[float]]:
    """Similarity of each counted sentence with content (at most MAX_EMBEDDED_SENTENCES, the
    longest first) to each of `texts`; in one batch when the function offers `many`."""
    if similarity is None or not texts:
        return {}
    wanted = _reference_terms(tuple(texts))
    content: dict[int, int] = {}
    relevant: set[int] = set()
    for i, c in enumerate(parsed.clauses):
        if parsed.counted(i):
            content[c.sentence] = content.get(c.sentence, 0) + len(c.tokens)
            if any(t.term in wanted for t in c.tokens):
                relevant.add(c.sentence)
    # a sentence sharing no term with any key point or listed mistake can neither be a
    # mistake's candidate nor lift a key point above MIN_LEXICAL: not worth the model's time
    chosen = sorted((n for n, k in content.items() if k >= 1 and n in relevant),
                    key=lambda n: -content[n])
    numbers = sorted(chosen[:MAX_EMBEDDED_SENTENCES])
    many = getattr(similarity, "many", None)  # one batch for all sentences when it can
    if many is not None:
        rows = many([parsed.sentences[n] for n in numbers], texts)
        return dict(zip(numbers, rows, strict=True))
    return {n: similarity(parsed.sentences[n], texts) for n in numbers}


def mistake_candidates(parsed: Parsed, claims: Sequence[str],
                       sims: dict[int, list[float]] | None = None,
                       offset: int = 0, key_points: Sequence[str] = ()) -> list[list[Candidate]]:
    """For each claim, its candidate windows in the answer: as many consecutive clauses of one
    sentence as the claim has; `sims[sentence][offset + claim]` is the
    sentence's similarity to the claim. A candidate must hold one of the claim's own terms, those
    no key point has (or OWN_SHARE of the claim when it has none): words shared with the key
    points are the topic, not the error ("горутины на тредах ОС" does not state «горутина —
    это лёгкий поток ОС»)."""
    topic = {t.term for point in key_points for t in analyze(point)}
    counted = [i for i in range(len(parsed.clauses)) if parsed.counted(i)]
    by_sentence: dict[int, list[int]] = {}
    for i in counted:
        by_sentence.setdefault(parsed.clauses[i].sentence, []).append(i)
    out: list[list[Candidate]] = []
    for number, claim in enumerate(claims):
        wanted = analyze(claim)
        found: list[Candidate] = []
        if len({t.term for t in wanted}) < 2:
            out.append(found)
            continue
        size = max(1, len(clauses(claim)))
        own = {t.term for t in wanted} - topic
        windows: set[tuple[int, ...]] = set()
        for members in by_sentence.values():
            for start in range(max(1, len(members) - size + 1)):
                windows.add(tuple(members[start:start + size]))
        for window in sorted(windows):
            tokens = [t for i in window for t in parsed.clauses[i].tokens]
            share, matched, contradicted = _coverage(wanted, _Index.of(tokens))
            if not matched:
                continue
            sentence = parsed.clauses[window[0]].sentence
            similarity = None
            if sims and sentence in sims:
                similarity = sims[sentence][offset + number]
            found.append(Candidate(
                share=share, terms=len({t.term for t in matched}),
                contradicted=bool(contradicted), similarity=similarity, clauses=window,
                evidence=", ".join(parsed.clauses[i].text for i in window),
                words=_words(matched),
                distinct=any(t.term in own for t in matched) if own else share >= OWN_SHARE))
        out.append(found)
    return out


def decide_mistakes(claims: Sequence[str], candidates: list[list[Candidate]],
                    params: Params = DEFAULT) -> tuple[tuple[MistakeHit, ...], set[int]]:
    """The claims stated (the best candidate reaching `params.mistake`, holding enough terms and
    contradicting none) and the clauses that state them."""
    hits = []
    used: set[int] = set()
    for claim, found in zip(claims, candidates, strict=True):
        good = [c for c in found if not c.contradicted and c.distinct
                and c.terms >= params.mistake_terms and c.score(params) >= params.mistake]
        if not good:
            continue
        best = max(good, key=lambda c: (c.score(params), -len(c.clauses)))
        hits.append(MistakeHit(claim=claim, evidence=best.evidence, words=best.words,
                               similarity=None if best.similarity is None
                               else round(best.similarity, 3)))
        used.update(best.clauses)
    return tuple(hits), used


def find_mistakes(answer: str, claims: Sequence[str]) -> tuple[MistakeHit, ...]:
    """The typical mistakes the answer states, by terms only (see `decide_mistakes`)."""
    return decide_mistakes(claims, mistake_candidates(parse(answer), claims))[0]


# -- key points -----------------------------------------------------------------------------


def point_lexical(parsed: Parsed, key_points: Sequence[str], skip: Collection[int] = ()
                  ) -> list[tuple[float, tuple[str, ...], tuple[str, ...]]]:
    """Each key point's share of terms found in the counted clauses (minus `skip`), with the
    words that matched and the contradicted ones."""
    index = _Index.of(parsed.tokens(skip))
    out = []
    for point in key_points:
        share, matched, contradicted = _coverage(analyze(point), index, saturate=True)
        out.append((share, _words(matched), _words(contradicted)))
    return out


def point_similarity(sims: dict[int, list[float]], count: int, offset: int = 0
                     ) -> list[float] | None:
    """Each key point's best similarity over the embedded sentences (None without the model)."""
    if not sims:
        return None
    return [max(v[offset + i] for v in sims.values()) for i in range(count)]


def point_score(lexical: float, similarity: float | None, params: Params) -> float:
    """A key point's score: its share of terms, blended with the best sentence similarity."""
    if similarity is None or not params.blend:
        return lexical
    soft = _soft(similarity, params.sim_low, params.sim_high)
    return (1 - params.blend) * lexical + params.blend * soft


def is_covered(lexical: float, score: float, params: Params) -> bool:
    """Covered: the score reaches the threshold and the terms alone are not negligible."""
    return score >= params.covered and lexical >= MIN_LEXICAL


def check_points(answer: str, key_points: Sequence[str],
                 similarities: Sequence[float] | None = None,
                 params: Params = DEFAULT) -> tuple[PointResult, ...]:
    """Score every key point against the answer (lexical, blended with similarities if given)."""
    lexical = point_lexical(parse(answer), key_points)
    return _points(key_points, lexical, similarities, params)


def _points(key_points: Sequence[str], lexical: list[tuple[float, tuple[str, ...],
            tuple[str, ...]]], similarities: Sequence[float] | None, params: Params
            ) -> tuple[PointResult, ...]:
    results = []
    for number, (point, (share, matched, contradicted)) in enumerate(
            zip(key_points, lexical, strict=True)):
        sim = similarities[number] if similarities is not None else None
        score = point_score(share, sim, params)
        results.append(PointResult(
            index=number, text=point, score=round(score, 3),
            covered=is_covered(share, score, params), evidence=matched,
            contradicted=contradicted))
    return tuple(results)


def answer_score(points: Sequence[PointResult], hits: int, params: Params = DEFAULT) -> float:
    """The answer's score: the mean key point score, minus `params.penalty` per misconception."""
    mean = sum(p.score for p in points) / len(points) if points else 0.0
    return max(0.0, mean - params.penalty * hits)


def check_answer(answer: str, *, key_points: Sequence[str], mistakes: Sequence[str] = (),
                 similarity: SimilarityFn | None = None, notes: Sequence[str] = (),
                 params: Params | None = None) -> AnswerCheck:
    """The hint for a prepared answer: key points covered with evidence, misconceptions, verdict."""
    if params is None:
        params = DEFAULT if similarity is None else DEFAULT_WITH_MODEL
    parsed = parse(answer)
    sims = sentence_similarities(parsed, [*mistakes, *key_points], similarity)
    candidates = mistake_candidates(parsed, mistakes, sims, key_points=key_points)
    hits, wrong_clauses = decide_mistakes(mistakes, candidates, params)
    # a clause that states a misconception covers no key point, whatever words it shares
    lexical = point_lexical(parsed, key_points, wrong_clauses)
    similarities = point_similarity(sims, len(key_points), offset=len(mistakes))
    points = _points(key_points, lexical, similarities, params)
    score = answer_score(points, len(hits), params)
    return AnswerCheck(points=points, mistakes=hits, score=round(score, 3),
                       verdict=_verdict(points, hits), notes=tuple(notes),
                       used_model=similarity is not None, ignored=_ignored(parsed),
                       summary=summary(points, hits))


def _ignored(parsed: Parsed) -> tuple[str, ...]:
    out = []
    listed = [parsed.clauses[i].text for i in sorted(parsed.listed)
              if parsed.clauses[i].sentence not in parsed.unsure]
    if listed:
        out.append("a list of terms without saying anything about them covers nothing: "
                   + ", ".join(listed))
    out.extend(f"said without knowing, not counted: “{parsed.sentences[n]}”"
               for n in sorted(parsed.unsure))
    return tuple(out)


def summary(points: Sequence[PointResult], hits: Sequence[MistakeHit]) -> str:
    """One line for the learner: key points heard and missed, misconceptions and their words."""
    heard = [str(p.index + 1) for p in points if p.covered]
    missed = [str(p.index + 1) for p in points if not p.covered]
    parts = [f"heard key points {', '.join(heard) or 'none'}",
             f"missed {', '.join(missed) or 'none'}"]
    parts.extend(f"misconception «{h.claim}» in “{h.evidence}” ({', '.join(h.words)})"
                 for h in hits)
    return "; ".join(parts)


def unchecked(key_points: Sequence[str], notes: Sequence[str]) -> AnswerCheck:
    """The result for an answer that could not be checked (another alphabet, spoken aloud)."""
    points = tuple(PointResult(index=i, text=p, score=0.0, covered=False, evidence=())
                   for i, p in enumerate(key_points))
    return AnswerCheck(points=points, mistakes=(), score=0.0, verdict="unchecked",
                       notes=tuple(notes))


def _verdict(points: Sequence[PointResult], hits: Sequence[MistakeHit]) -> str:
    if hits:
        return "misconception"
    if not points:
        return "unchecked"
    required = [p for p in points if not is_bonus(p.text)] or list(points)
    share = sum(p.covered for p in required) / len(required)  # bonus points are not required
    if max(p.score for p in points) < 0.2:
        return "off_topic"
    if share >= 0.6:
        return "good"
    return "partial" if share >= 0.2 else "weak"
