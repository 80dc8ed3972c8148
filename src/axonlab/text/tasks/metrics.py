"""Classification metrics: accuracy, macro-F1, scikit-learn's per-class report, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def classification_metrics(
    gold: Sequence[int], predicted: Sequence[int], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support.

    Returns ``{"accuracy", "macro_f1", "weighted_f1", "per_class": {label: {...}}, "n"}``.
    """
    from sklearn.metrics import classification_report

    ids = list(range(len(labels)))
    report = classification_report(
        gold, predicted, labels=ids, target_names=list(labels), output_dict=True, zero_division=0
    )
    per_class = {
        label: {
            "precision": report[label]["precision"],
            "recall": report[label]["recall"],
            "f1": report[label]["f1-score"],
            "support": int(report[label]["support"]),
        }
        for label in labels
    }
    gold_arr, pred_arr = np.asarray(gold), np.asarray(predicted)
    return {
        "accuracy": float((gold_arr == pred_arr).mean()) if len(gold_arr) else 0.0,
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "weighted_f1": float(report["weighted avg"]["f1-score"]),
        "per_class": per_class,
        "n": len(gold_arr),
    }


def report_table(
    metrics: dict[str, Any],
    *,
    thresholds: dict[str, float] | None = None,
    summary: Sequence[tuple[str, str]] | None = None,
) -> str:
    """The per-class table as plain text, like scikit-learn's ``classification_report``: a
    ``thresholds`` column where each label has its own (multi-label), then the ``summary`` rows
    (name, figures; default: accuracy and macro F1)."""
    width = max(12, *(len(label) for label in metrics["per_class"]))
    lines = [
        f"{'':>{width}}  precision  recall  f1-score  support" + "  threshold" * bool(thresholds)
    ]
    lines.append("")
    for label, row in metrics["per_class"].items():
        cut = f"  {thresholds[label]:9.2f}" if thresholds else ""
        lines.append(
            f"{label:>{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  "
            f"{row['f1']:8.4f}  {row['support']:7d}{cut}"
        )
    if summary is None:
        blank = f"{'':9}  {'':6}"
        summary = [
            ("accuracy", f"{blank}  {metrics['accuracy']:8.4f}  {metrics['n']:7d}"),
            ("macro f1", f"{blank}  {metrics['macro_f1']:8.4f}  {metrics['n']:7d}"),
        ]
    lines += ["", *(f"{name:>{width}}  {figures}" for name, figures in summary)]
    return "\n".join(lines)


def plot_confusion_matrix(
    gold: Sequence[int], predicted: Sequence[int], labels: Sequence[str], path: str | Path
) -> None:
    """Save the confusion matrix (rows: gold, columns: predicted) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    from axonlab.runs import atomic_path

    matrix = confusion_matrix(gold, predicted, labels=list(range(len(labels))))
    size = 2.5 + 0.6 * len(labels)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            color="white" if count > threshold else "black",
        )
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
