"""From sub-token attributions to the words a reader sees.

One function for both explanation paths (torch in :mod:`~axonlab.text.explain.attribution`,
ONNX in :mod:`~axonlab.text.explain.light`): plain Python, so the light path imports no torch,
and the two cannot disagree on what a word is or where it starts. :func:`label_index` is the
other thing both paths read the same way: which label a caller asked to have explained.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axonlab.errors import InputError


def word_attributions(
    pieces: Iterable[tuple[int | None, tuple[int, int], float]], source: str
) -> list[dict[str, Any]]:
    """Sum ``(word id, (start, end) character offsets, attribution)`` per sub-token into one
    entry per word, ``{"text", "start", "end", "attribution"}``, in text order. A word seen in
    several windows gets every window's share (the shares are in the attributions already) and
    the span of all its pieces; special tokens (word id ``None``) are left out."""
    words: dict[int, list] = {}
    for word, (start, end), attribution in pieces:
        if word is None:
            continue
        entry = words.setdefault(word, [int(start), int(end), 0.0])
        entry[0], entry[1] = min(entry[0], int(start)), max(entry[1], int(end))
        entry[2] += float(attribution)
    return [
        {"text": source[s:e], "start": s, "end": e, "attribution": a}
        for s, e, a in sorted(words.values())
    ]


def label_index(labels: list[str], target: str | None) -> int | None:
    """The index of the label to explain (``None``: the model's prediction)."""
    if target is None:
        return None
    if target not in labels:
        raise InputError(f"unknown label {target!r}; expected one of {labels}")
    return labels.index(target)
