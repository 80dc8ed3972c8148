"""From a classifier's logits to what ``predict`` answers: pooled over a text's windows, made
probabilities, and written as one dict per text.

numpy only (no torch): the task modules' torch path and the light ONNX path
(:mod:`axonlab.text.predict.light`) both end here, so their answers cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

THRESHOLDS = "label_thresholds"  # a multi-label model config's entry: {label: threshold}


def text_logits(
    window_logits: np.ndarray, owners: Sequence[int], n_texts: int, pool: str = "mean"
) -> np.ndarray:
    """Per-text logits, shape ``(n_texts, n_classes)``, pooled over each text's windows: their
    ``mean`` (one label per text: every part of the document votes) or their ``max`` (labels
    that may each sit in one part of it: multi-label)."""
    owners = np.asarray(owners, dtype=np.int64)
    if pool == "max":
        out = np.full((n_texts, window_logits.shape[-1]), -np.inf, dtype=np.float64)
        np.maximum.at(out, owners, window_logits)
        return out.astype(np.float32)
    sums = np.zeros((n_texts, window_logits.shape[-1]), dtype=np.float64)
    np.add.at(sums, owners, window_logits)
    counts = np.bincount(owners, minlength=n_texts)
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


# Both compute in float64 and round to float32: numpy's vectorised float32 exp can round the
# last bit differently by an element's place in the array, and a row's answer must not depend
# on which other rows share its call (a resumed batch file repeats its earlier lines exactly).


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, float32 out, shape kept."""
    shifted = np.asarray(logits, dtype=np.float64)
    exp = np.exp(shifted - shifted.max(axis=-1, keepdims=True))
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Element-wise logistic function, float32 out."""
    return (1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))).astype(np.float32)


def class_predictions(labels: Sequence[str], probs: np.ndarray) -> list[dict[str, Any]]:
    """For each row of ``probs`` ``{"label", "score", "scores": {label: probability}}``."""
    return [
        {
            "label": labels[int(row.argmax())],
            "score": float(row.max()),
            "scores": {label: float(p) for label, p in zip(labels, row, strict=True)},
        }
        for row in probs
    ]


def label_thresholds(labels: Sequence[str], saved: dict[str, float] | None) -> np.ndarray:
    """Each label's decision threshold: the tuned one saved with the model, else 0.5."""
    return np.asarray([(saved or {}).get(label, 0.5) for label in labels])


def multilabel_predictions(
    labels: Sequence[str], probs: np.ndarray, thresholds: np.ndarray
) -> list[dict[str, Any]]:
    """For each row ``{"labels": [...], "label", "score", "scores"}``: ``labels`` those at or
    above their threshold; ``label``/``score`` the most probable one."""
    return [
        {"labels": [labels[i] for i in np.flatnonzero(row >= thresholds)], **one}
        for row, one in zip(probs, class_predictions(labels, probs), strict=True)
    ]
