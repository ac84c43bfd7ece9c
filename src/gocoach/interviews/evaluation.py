"""Measure the answer checker on the labelled sets in `content/evaluation/`.

Each line: {"id", "qid", "label", "covers": [key point indexes], "mistakes": [indexes of the
question's typical mistakes the answer states], "answer"}. Labels: good, partial, and the bad
kinds wrong (false claims), off_topic, terms (a bare list of terms) and dont_know.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gocoach.interviews.checking import AnswerCheck, SimilarityFn, check_answer, prepare_answer

LABELS = ("good", "partial", "wrong", "off_topic")  # the labels of answers.jsonl
BAD_KINDS = ("wrong", "off_topic", "terms", "dont_know")
KINDS = ("good", "partial", *BAD_KINDS)  # every label of the held-out sets
RANK = {"good": 3, "partial": 2, **dict.fromkeys(BAD_KINDS, 1)}


@dataclass(frozen=True)
class LabelledAnswer:
    """One labelled answer of the evaluation set."""

    id: str
    qid: str
    label: str
    covers: tuple[int, ...]
    mistakes: tuple[int, ...]
    answer: str


@dataclass(frozen=True)
class Reference:
    """What the checker compares an answer with: a question's key points and mistakes."""

    key_points: tuple[str, ...]
    mistakes: tuple[str, ...]


@dataclass
class Figures:
    """The checker's figures on the set."""

    answers: int = 0
    questions: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    mistake_tp: int = 0
    mistake_fp: int = 0
    mistake_fn: int = 0
    ordered_pairs: int = 0
    pairs: int = 0
    ordered_questions: int = 0
    millis: list[float] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        """Share of key points marked covered that the label says are covered."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of labelled covered key points that the checker marked covered."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def ordering(self) -> float:
        """Share of answer pairs of one question with different rank that the score orders."""
        return self.ordered_pairs / self.pairs if self.pairs else 0.0


def load_set(path: Path, *, prefix: str = "") -> list[LabelledAnswer]:
    """Read and validate the labelled answers (ids prefixed with `prefix`); ValueError names the
    bad line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            row = LabelledAnswer(id=prefix + data["id"], qid=data["qid"], label=data["label"],
                                 covers=tuple(data["covers"]), mistakes=tuple(data["mistakes"]),
                                 answer=data["answer"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled answer ({exc})") from None
        if row.label not in KINDS:
            raise ValueError(f"{path}:{number}: unknown label {row.label!r}")
        rows.append(row)
    return rows


def evaluate(rows: Sequence[LabelledAnswer], references: dict[str, Reference],
             similarity: SimilarityFn | None = None) -> Figures:
    """Check every answer; count key point and mistake hits, ordering, and time per answer."""
    figures = Figures(answers=len(rows), questions=len({r.qid for r in rows}))
    results: dict[str, list[tuple[LabelledAnswer, AnswerCheck]]] = {}
    for row in rows:
        ref = references[row.qid]
        started = time.perf_counter()
        prepared = prepare_answer(row.answer)
        check = check_answer(prepared.text, key_points=ref.key_points, mistakes=ref.mistakes,
                             similarity=similarity)
        figures.millis.append((time.perf_counter() - started) * 1000)
        figures.scores.setdefault(row.label, []).append(check.score)
        results.setdefault(row.qid, []).append((row, check))
        _count(figures, row, check, ref)
    for answers in results.values():
        _order(figures, answers)
    return figures


def _count(figures: Figures, row: LabelledAnswer, check: AnswerCheck, ref: Reference) -> None:
    for point in check.points:
        truth = point.index in row.covers
        figures.tp += point.covered and truth
        figures.fp += point.covered and not truth
        figures.fn += truth and not point.covered
    found = {ref.mistakes.index(hit.claim) for hit in check.mistakes}
    figures.mistake_tp += len(found & set(row.mistakes))
    figures.mistake_fp += len(found - set(row.mistakes))
    figures.mistake_fn += len(set(row.mistakes) - found)


def _order(figures: Figures, answers: list[tuple[LabelledAnswer, AnswerCheck]]) -> None:
    ordered = True
    for row_a, check_a in answers:
        for row_b, check_b in answers:
            if RANK[row_a.label] > RANK[row_b.label]:
                figures.pairs += 1
                if check_a.score > check_b.score:
                    figures.ordered_pairs += 1
                else:
                    ordered = False
    figures.ordered_questions += ordered


def grouped_folds(qids: Sequence[str], count: int = 5, seed: int = 15) -> dict[str, int]:
    """Assign each question to one of `count` folds (shuffled with `seed`, then dealt round)."""
    order = sorted(set(qids))
    random.Random(seed).shuffle(order)
    return {qid: number % count for number, qid in enumerate(order)}
