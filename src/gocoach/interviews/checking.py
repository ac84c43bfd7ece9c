"""Check a typed answer against a question's key points and typical mistakes.

The result is a hint with its evidence, not a grade: each key point gets a score from the terms
of the answer that match it (glossary concepts, Snowball stems, fuzzy matches for typos), with
negation taken into account, optionally blended with a sentence-embedding similarity; a
misconception from «Типичные ошибки» is reported when one sentence of the answer states it.
The learner's own rating decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from gocoach.interviews.terms import is_negation, is_stopword, term_of

MAX_ANSWER_CHARS = 20_000
NEGATION_WINDOW = 4
SATURATION = 6.0
COVERED = 0.5
COVERED_WITH_MODEL = 0.6  # blended scores run higher; both tuned on the evaluation set
MISTAKE_COVERAGE = 0.85
LEXICAL_WEIGHT = 0.7
SIM_LOW, SIM_HIGH = 0.80, 0.90

# answer, texts → cosine similarity of the answer to each text
SimilarityFn = Callable[[str, Sequence[str]], list[float]]

SENTENCES = re.compile(r"[^.!?;\n]+")
# a contrast usually separates a right statement from a wrong one: "..., а чтение ..."
CONTRAST = re.compile(
    r"\s*[,—–]?\s+(?:а|но|однако|зато|хотя|but|whereas|while|although)\s+(?!не\b|not\b)",
    re.IGNORECASE)
PIECES = re.compile(r"(?P<word>[a-zA-Z][a-zA-Z0-9_']*|[а-яА-ЯёЁ]+|\d+)|(?P<stop>[,:—–()])")
CLAUSE = re.compile(r"[,:—–()]")
LETTER = re.compile(r"[^\W\d_]")
KNOWN_LETTER = re.compile(r"[a-zA-Zа-яА-ЯёЁ]")


class AnswerError(ValueError):
    """An answer that cannot be checked or saved, with the reason for the learner."""


@dataclass(frozen=True)
class Token:
    """A content word of a text: as written, its term, and whether a negation precedes it."""

    word: str
    term: str
    negated: bool
    sentence: int


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
    """A typical mistake the answer states, with the sentence that states it."""

    claim: str
    evidence: str


@dataclass(frozen=True)
class AnswerCheck:
    """The hint for one answer: per key point results, misconceptions, a score and a verdict."""

    points: tuple[PointResult, ...]
    mistakes: tuple[MistakeHit, ...]
    score: float
    verdict: str
    notes: tuple[str, ...] = ()
    used_model: bool = False

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
        raise AnswerError("the answer is empty: type what you would say aloud, "
                          "or skip the question")
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


def sentences(text: str) -> list[str]:
    """Sentences of `text`, also cut at contrasts ("а", "но", "but")."""
    return [s.strip() for s in SENTENCES.findall(CONTRAST.sub(". ", text)) if s.strip()]


def analyze(text: str) -> list[Token]:
    """The content words of `text` with their terms and negation (stopwords dropped)."""
    tokens: list[Token] = []
    for number, sentence in enumerate(sentences(text)):
        since_negation = NEGATION_WINDOW + 1
        for match in PIECES.finditer(sentence):
            word = match.group("word")
            if word is None:
                since_negation = NEGATION_WINDOW + 1
                continue
            if is_negation(word):
                since_negation = 0
                continue
            since_negation += 1
            if not is_stopword(word):
                tokens.append(Token(word, term_of(word), since_negation <= NEGATION_WINDOW, number))
    return tokens


def _weight(token: Token) -> float:
    if token.term.startswith("~"):
        return 1.3
    if not re.search(r"[а-яё]", token.word.lower()):
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


def _soft(similarity: float) -> float:
    return min(1.0, max(0.0, (similarity - SIM_LOW) / (SIM_HIGH - SIM_LOW)))


def check_points(answer: str, key_points: Sequence[str],
                 similarities: Sequence[float] | None = None) -> tuple[PointResult, ...]:
    """Score every key point against the answer (lexical, blended with similarities if given)."""
    index = _Index.of(analyze(answer))
    results = []
    for number, point in enumerate(key_points):
        lexical, matched, contradicted = _coverage(analyze(point), index, saturate=True)
        score, threshold = lexical, COVERED
        if similarities is not None:
            score = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * _soft(similarities[number])
            threshold = COVERED_WITH_MODEL
        results.append(PointResult(
            index=number, text=point, score=round(score, 3), covered=score >= threshold,
            evidence=_words(matched), contradicted=_words(contradicted)))
    return tuple(results)


def clauses(text: str) -> list[str]:
    """Clauses of `text`: its sentences cut at commas, colons, dashes and brackets too."""
    return [c.strip() for s in sentences(text) for c in CLAUSE.split(s) if c.strip()]


def find_mistakes(answer: str, claims: Sequence[str]) -> tuple[MistakeHit, ...]:
    """The typical mistakes the answer states: as many consecutive clauses as the claim has,
    holding most of its terms with the same polarity and contradicting none."""
    return _find_mistakes(clauses(answer), claims)[0]


def _find_mistakes(parts: list[str], claims: Sequence[str]
                   ) -> tuple[tuple[MistakeHit, ...], set[int]]:
    hits = []
    used: set[int] = set()
    for claim in claims:
        wanted = analyze(claim)
        if len({t.term for t in wanted}) < 2:
            continue
        size = len(clauses(claim))
        for start in range(max(1, len(parts) - size + 1)):
            window = ", ".join(parts[start:start + size])
            share, matched, contradicted = _coverage(wanted, _Index.of(analyze(window)))
            if (share >= MISTAKE_COVERAGE and not contradicted
                    and len({t.term for t in matched}) >= 2):
                hits.append(MistakeHit(claim=claim, evidence=window))
                used.update(range(start, start + size))
                break
    return tuple(hits), used


def check_answer(answer: str, *, key_points: Sequence[str], mistakes: Sequence[str] = (),
                 similarity: SimilarityFn | None = None, notes: Sequence[str] = ()
                 ) -> AnswerCheck:
    """The hint for a prepared answer: key points covered with evidence, misconceptions, verdict."""
    parts = clauses(answer)
    hits, wrong_clauses = _find_mistakes(parts, mistakes)
    # a clause that states a misconception covers no key point, whatever words it shares
    rest = ". ".join(p for i, p in enumerate(parts) if i not in wrong_clauses)
    similarities = similarity(answer, key_points) if similarity and key_points else None
    points = check_points(rest, key_points, similarities)
    mean = sum(p.score for p in points) / len(points) if points else 0.0
    score = max(0.0, mean - 0.25 * len(hits))
    return AnswerCheck(points=points, mistakes=hits, score=round(score, 3),
                       verdict=_verdict(points, hits), notes=tuple(notes),
                       used_model=similarities is not None)


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
    share = sum(p.covered for p in points) / len(points)
    if max(p.score for p in points) < 0.2:
        return "off_topic"
    if share >= 0.6:
        return "good"
    return "partial" if share >= 0.2 else "weak"
