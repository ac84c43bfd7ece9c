"""The checker's verdict on a typed answer, laid out for the learner.

`verdict_details` reads a check as it is stored with the answer (`sessions.check_to_json`) and
returns what the faces show: the key points heard with the answer's words that matched, the key
points missed, each misconception with the clause and the words that triggered it, and what the
checker ignored and why. The faces word it (web/i18n.py keys, English in the terminal); the
numbers are the bank's own (1-based, as in «Что должно прозвучать» and «Типичные ошибки»), so a
learner can name them when contesting the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gocoach.questions.format import is_bonus

# how `checking._ignored` words its reasons; a reason worded otherwise is shown as it is
LIST_REASON = "a list of terms without saying anything about them covers nothing: "
UNSURE_REASON = "said without knowing, not counted: "
IGNORED_KINDS = ("list", "unsure", "other")


@dataclass(frozen=True)
class PointLine:
    """A key point of the verdict: its number, text and the answer's words that matched it."""

    number: int
    text: str
    words: tuple[str, ...]
    negated: tuple[str, ...]
    bonus: bool
    score: float


@dataclass(frozen=True)
class MisconceptionLine:
    """A misconception the checker detected: the bank's claim and what triggered it."""

    number: int  # 1-based in the question's «Типичные ошибки»; 0 if the bank no longer has it
    claim: str
    evidence: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class IgnoredPart:
    """A part of the answer that counted for nothing: `kind` is one of IGNORED_KINDS."""

    kind: str
    text: str


@dataclass(frozen=True)
class VerdictDetails:
    """What the learner sees of a check: heard, missed, misconceptions, ignored."""

    verdict: str
    score: float
    heard: tuple[PointLine, ...]
    missed: tuple[PointLine, ...]
    misconceptions: tuple[MisconceptionLine, ...]
    ignored: tuple[IgnoredPart, ...]
    notes: tuple[str, ...]

    @property
    def checked(self) -> bool:
        """Whether the checker gave a verdict (not a spoken, ticked or unreadable answer)."""
        return self.verdict not in ("", "unchecked") and bool(self.heard or self.missed)


def _point(data: Mapping[str, Any]) -> PointLine:
    text = str(data.get("text", ""))
    return PointLine(number=int(data.get("index", 0)) + 1, text=text,
                     words=tuple(data.get("evidence") or ()),
                     negated=tuple(data.get("contradicted") or ()), bonus=is_bonus(text),
                     score=float(data.get("score", 0.0)))


def ignored_part(reason: str) -> IgnoredPart:
    """A reason of `AnswerCheck.ignored` as a kind and the words it is about.

        >>> ignored_part("said without knowing, not counted: “не помню”")
        IgnoredPart(kind='unsure', text='не помню')
    """
    if reason.startswith(LIST_REASON):
        return IgnoredPart("list", reason.removeprefix(LIST_REASON))
    if reason.startswith(UNSURE_REASON):
        return IgnoredPart("unsure", reason.removeprefix(UNSURE_REASON).strip("“”\""))
    return IgnoredPart("other", reason)


def verdict_details(check: Mapping[str, Any], mistakes: Sequence[str] = ()) -> VerdictDetails:
    """The verdict of a stored check, with misconceptions numbered as in `mistakes` (the
    question's «Типичные ошибки» claims)."""
    points = [_point(p) for p in check.get("points") or []]
    misconceptions = []
    for hit in check.get("mistakes") or []:
        claim = str(hit.get("claim", ""))
        number = list(mistakes).index(claim) + 1 if claim in mistakes else 0
        misconceptions.append(MisconceptionLine(number, claim, str(hit.get("evidence", "")),
                                                tuple(hit.get("words") or ())))
    return VerdictDetails(
        verdict=str(check.get("verdict", "")), score=float(check.get("score", 0.0)),
        heard=tuple(p for p, raw in zip(points, check.get("points") or [], strict=True)
                    if raw.get("covered")),
        missed=tuple(p for p, raw in zip(points, check.get("points") or [], strict=True)
                     if not raw.get("covered")),
        misconceptions=tuple(misconceptions),
        ignored=tuple(ignored_part(str(r)) for r in check.get("ignored") or []),
        notes=tuple(str(n) for n in check.get("notes") or []))
