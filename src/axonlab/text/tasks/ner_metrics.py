"""Entity-level NER scores, computed with seqeval (the field's implementation of conlleval).

Two readings of the tags:

* **default** (conlleval, seqeval's default mode): an ``I-X`` after ``O`` opens an entity. This is
  the headline score: ``micro_f1``, ``macro_f1``, ``precision``, ``recall`` and ``per_type``.
* **strict** (seqeval ``mode="strict", scheme=IOB2``): an entity counts only if its tags are valid
  IOB2 and match exactly; reported under ``strict``.

``token_accuracy`` is the fraction of words whose tag is exactly right (``O`` words included).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

Tags = Sequence[Sequence[str]]


def entity_scores(gold: Tags, predicted: Tags) -> dict[str, Any]:
    """Every NER metric for one corpus: gold and predicted IOB2 tags, one list per sentence.

    Returns ``micro_f1``, ``macro_f1``, ``precision``, ``recall`` (micro), ``support`` (gold
    entities), ``per_type`` (``{type: {precision, recall, f1, support}}``), ``strict`` (the same
    micro scores in strict IOB2 mode) and ``token_accuracy``.
    """
    if len(gold) != len(predicted) or any(
        len(g) != len(p) for g, p in zip(gold, predicted, strict=False)
    ):
        raise ValueError("gold and predicted tags must have the same sentences and lengths")
    gold, predicted = [list(s) for s in gold], [list(s) for s in predicted]
    default = _report(gold, predicted, {})
    strict = _report(gold, predicted, {"mode": "strict", "scheme": IOB2})
    words = sum(len(s) for s in gold)
    right = sum(
        g == p for gs, ps in zip(gold, predicted, strict=True) for g, p in zip(gs, ps, strict=True)
    )
    return {
        **default["micro"],
        "macro_f1": default["macro_f1"],
        "per_type": default["per_type"],
        "strict": {**strict["micro"], "macro_f1": strict["macro_f1"]},
        "token_accuracy": right / words if words else 0.0,
    }


def _report(gold: list[list[str]], predicted: list[list[str]], mode: dict) -> dict[str, Any]:
    with warnings.catch_warnings():  # seqeval averages an empty table when there are no entities
        warnings.simplefilter("ignore", RuntimeWarning)
        table = classification_report(gold, predicted, output_dict=True, zero_division=0, **mode)
    per_type = {kind: _row(row) for kind, row in table.items() if not kind.endswith(" avg")}
    micro = _row(table.get("micro avg", {}) if per_type else {})
    return {
        "micro": {
            "micro_f1": micro["f1"],
            "precision": micro["precision"],
            "recall": micro["recall"],
            "support": micro["support"],
        },
        "macro_f1": _row(table.get("macro avg", {}) if per_type else {})["f1"],
        "per_type": per_type,
    }


def _row(row: dict) -> dict[str, float | int]:
    return {
        "precision": float(row.get("precision", 0.0)),
        "recall": float(row.get("recall", 0.0)),
        "f1": float(row.get("f1-score", 0.0)),
        "support": int(row.get("support", 0)),
    }


def format_report(metrics: dict[str, Any]) -> str:
    """The per-type table as text, conlleval style, with micro/macro and strict lines."""
    lines = [f"{'type':<20} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>9}"]
    for kind, row in sorted(metrics["per_type"].items()):
        lines.append(
            f"{kind:<20} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} "
            f"{row['support']:>9d}"
        )
    lines.append("")
    lines.append(
        f"{'micro avg':<20} {metrics['precision']:>9.4f} {metrics['recall']:>9.4f} "
        f"{metrics['micro_f1']:>9.4f} {metrics['support']:>9d}"
    )
    lines.append(f"{'macro avg':<20} {'':>9} {'':>9} {metrics['macro_f1']:>9.4f}")
    strict = metrics["strict"]
    lines.append(
        f"{'strict IOB2 micro':<20} {strict['precision']:>9.4f} {strict['recall']:>9.4f} "
        f"{strict['micro_f1']:>9.4f}"
    )
    lines.append(f"token accuracy {metrics['token_accuracy']:.4f}")
    return "\n".join(lines)
