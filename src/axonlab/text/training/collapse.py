"""Did a run learn anything? Its best dev score against what a constant predictor scores.

A fine-tuned model can end no better than a constant: every token tagged ``O`` (NER micro-F1 0
at a token accuracy of 0.96), every text given the majority label. Its loss went down and its
accuracy looks fine, so nothing else tells the user; this check does, right after training,
and the run is marked so that loading it says so too.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from axonlab.errors import LearnedNothingWarning

F1_FLOOR = 0.01  # entity or multi-label micro-F1 at or below this: no entity found
MARGIN = 0.02  # macro-F1 within this of the constant predictor's: no better than it


def constant_macro_f1(per_class: dict[str, dict[str, Any]]) -> tuple[str, float]:
    """The label a constant predictor would always give (the most frequent one in ``per_class``,
    a metrics table with ``support``) and the macro-F1 it scores: ``2 m / (1 + m)`` for that
    label (``m`` its share) and 0 for every other label, averaged over the labels."""
    supports = {label: row["support"] for label, row in per_class.items()}
    total = sum(supports.values())
    label = max(supports, key=supports.get)
    share = supports[label] / total if total else 0.0
    return label, (2 * share / (1 + share)) / max(len(supports), 1)


def learned_nothing(metrics: dict[str, Any]) -> str | None:
    """Why the dev ``metrics`` are no better than a constant predictor's, or ``None``."""
    if "micro_f1" in metrics or "per_class" not in metrics:  # entities, or labels per text
        f1 = metrics.get("micro_f1")
        if f1 is not None and f1 <= F1_FLOOR:
            kind = "entity" if "per_type" in metrics else "label"
            return f"dev micro-F1 {f1:.3f}: the model predicts no {kind}, as a constant would"
        return None
    label, constant = constant_macro_f1(metrics["per_class"])
    if metrics["macro_f1"] <= constant + MARGIN:
        return (
            f"dev macro-F1 {metrics['macro_f1']:.3f} is no better than always answering "
            f"{label!r} ({constant:.3f}; accuracy {metrics['accuracy']:.3f})"
        )
    return None


# "warn" instead of the default "error": a run that learned nothing is marked and warns, but
# training does not fail (smoke tests on tiny random models, which learn nothing by design).
LEARNED_NOTHING_ENV = "AXONLAB_LEARNED_NOTHING"
ADVICE = (
    "train longer (`epochs`), try a higher or lower learning rate, or weigh rare classes "
    "(`class_weights`)"
)


def warn_learned_nothing(run_path: Path, why: str, stacklevel: int = 3) -> None:
    """Say, as a :class:`~axonlab.errors.LearnedNothingWarning`, that the run at ``run_path``
    learned nothing (``why``: the figure training found), whatever loads it."""
    warnings.warn(
        f"{run_path} learned nothing when it was trained ({why}): "
        "its predictions are no better than a constant's",
        LearnedNothingWarning,
        stacklevel=stacklevel,
    )
