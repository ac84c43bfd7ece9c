"""Which questions a mock interview asks, and which follow-ups come after an answer (pure)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gocoach.interviews.checking import analyze

LEVELS = ("middle", "senior", "architect")
# how well a question of a level (column) fits a session of a level (row); a question two
# levels above the session's (architect in a middle session) is never asked
LEVEL_FIT: dict[str, dict[str, float]] = {
    "middle": {"middle": 1.0, "senior": 0.35},
    "senior": {"middle": 0.5, "senior": 1.0, "architect": 0.4},
    "architect": {"middle": 0.25, "senior": 0.8, "architect": 1.0},
}
# at most this share of a session's questions (rounded down) is one level above its level:
# one in five, so none in sessions of up to four questions
ABOVE_SHARE = 0.2
MINUTES_PER_QUESTION = 5


@dataclass(frozen=True)
class Candidate:
    """A question that may be asked: its id, module, level, interview frequency (1–5)."""

    qid: str
    module: str
    level: str
    freq: int


@dataclass(frozen=True)
class FollowUpOption:
    """A follow-up of the question with its reference answer."""

    fid: str
    question: str
    answer: str


def question_count(minutes: int) -> int:
    """How many main questions fit in a session of `minutes` (about 5 minutes each)."""
    return max(2, minutes // MINUTES_PER_QUESTION)


def question_weight(candidate: Candidate, *, level: str, weakness: float) -> float:
    """Frequency, fit to the session's level, and the learner's weakness (0..1) on it."""
    return float(candidate.freq ** 1.5) * LEVEL_FIT[level].get(candidate.level, 0.1) * (
        1.0 + 2.0 * weakness)


def levels_above(question_level: str, level: str) -> int:
    """How many levels a question is above a session's level (negative: below)."""
    if question_level not in LEVELS:
        return 0
    return LEVELS.index(question_level) - LEVELS.index(level)


def above_allowed(count: int) -> int:
    """How many of `count` questions may be one level above the session's level."""
    return int(count * ABOVE_SHARE)


def pick_questions(candidates: Sequence[Candidate], *, level: str, modules: Sequence[str],
                   count: int, weakness: Mapping[str, float], rng: random.Random,
                   exclude: Sequence[str] = ()) -> list[str]:
    """Up to `count` distinct question ids, sampled by weight without replacement.

    Efraimidis–Spirakis sampling: each question gets the key u^(1/w) for a uniform u, and the
    largest keys win, so a heavier question is likelier to be picked and picked earlier. The
    session keeps to its level: at most `above_allowed(count)` questions one level above it,
    none two levels above, and the first question is never above it. When the modules hold
    too few questions at or below the level, the session is shorter.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level '{level}': choose middle, senior or architect")
    excluded = set(exclude)
    pool = [c for c in candidates if (not modules or c.module in modules)
            and c.qid not in excluded and levels_above(c.level, level) <= 1]
    keyed = []
    for candidate in pool:
        weight = question_weight(candidate, level=level, weakness=weakness.get(candidate.qid, 0))
        keyed.append((rng.random() ** (1.0 / weight), candidate.qid, candidate))
    keyed.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    picked: list[Candidate] = []
    room = above_allowed(count)
    for _, _, candidate in keyed:
        if len(picked) >= count:
            break
        if levels_above(candidate.level, level) == 1:
            if room == 0:
                continue
            room -= 1
        picked.append(candidate)
    if picked:  # open at the chosen level: the first question at or below it goes first
        first = next((i for i, c in enumerate(picked) if levels_above(c.level, level) < 1), 0)
        picked.insert(0, picked.pop(first))
    return [c.qid for c in picked]


def weakness_of(retrievability: float | None, missed_share: float | None) -> float:
    """A question's weakness: low retrievability and key points missed in past interviews."""
    parts = []
    if retrievability is not None:
        parts.append(1.0 - retrievability)
    if missed_share is not None:
        parts.append(missed_share)
    return sum(parts) / len(parts) if parts else 0.0


def pick_followups(options: Sequence[FollowUpOption], missed: Sequence[str],
                   limit: int = 2) -> list[str]:
    """Up to `limit` follow-up ids, preferring those about what the answer missed."""
    wanted = {t.term for point in missed for t in analyze(point)}

    def overlap(option: FollowUpOption) -> int:
        return len(wanted & {t.term for t in analyze(f"{option.question} {option.answer}")})

    ranked = sorted(enumerate(options), key=lambda pair: (-overlap(pair[1]), pair[0]))
    return [option.fid for _, option in ranked[:limit]]
