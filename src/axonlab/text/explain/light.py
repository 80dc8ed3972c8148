"""Explanations on the light path: Integrated Gradients with ONNX Runtime, without torch.

:mod:`~axonlab.text.explain.gradient_graph` exports, once per run, a graph that gives the
explained output and its gradient at points on the path from the baseline to the input; here
that graph is run where :func:`~axonlab.text.explain.integral.integrate_path` asks, and the
integral summed with numpy. The windows, the baseline (special tokens kept, every other token
padding), the output (the label's log-odds; a multi-label model's logit), the quadrature and the
words' offsets are those of :func:`~axonlab.text.explain.attribution.explain_texts`, so the
answers agree with the torch path's to float32 rounding. Classify and multilabel runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.text.explain.integral import (
    BATCH_TOKENS,
    SIGMOID_LABELS,
    TOLERANCE,
    integrate_path,
    log_odds,
)
from axonlab.text.explain.words import label_index, word_attributions
from axonlab.text.predict.exported import GRADIENTS_FILE, ONNX_DIR, fresh_export, onnx_session
from axonlab.text.predict.light import LightModel, open_light
from axonlab.text.tasks import MODEL_DIR
from axonlab.text.tasks.outputs import sigmoid, softmax


class LightExplainer:
    """A classify or multilabel run's explanations from its integrand graph: ``explain`` as
    :meth:`axonlab.text.TextModel.explain` answers."""

    backend = "onnx"

    def __init__(self, light: LightModel, graph: Path):
        self.light = light
        self.labels = light.labels
        # the output explained, as the torch path picks it: log-odds, or a sigmoid label's logit
        self.odds = _logits if light.problem_type == SIGMOID_LABELS else log_odds
        self.session = onnx_session(graph, light.threads, optimized=True)  # as exported
        self.inputs = [i.name for i in self.session.get_inputs()]

    def explain(
        self, texts: str | Sequence[str], target: str | None = None, *, tolerance: float = TOLERANCE
    ) -> list[dict[str, Any]]:
        texts = [texts] if isinstance(texts, str) else list(texts)
        if any(not isinstance(t, str) for t in texts):
            raise InputError("explanations are for single texts, not text pairs")
        chosen = label_index(self.labels, target)
        return [self._explain_one(text, chosen, tolerance) for text in texts]

    def _explain_one(self, text: str, chosen: int | None, tolerance: float) -> dict[str, Any]:
        encoding = self.light.tokenizer.encode(text)
        windows = [encoding, *encoding.overflowing]
        feed = self._padded(windows)
        n, labels = len(windows), len(self.labels)
        ends = self._run(
            {k: np.concatenate([v, v]) for k, v in feed.items()},  # the input, then the baseline
            np.repeat([1.0, 0.0], n), np.zeros((2 * n, labels)),
        )  # fmt: skip
        logits, at_baseline = ends["logits"][:n], ends["logits"][n:]
        mean_logits = logits.mean(0)  # the text's output is its windows' mean
        label = int(mean_logits.argmax()) if chosen is None else chosen
        weights = np.zeros((n, labels))
        weights[:, label] = 1.0 / n
        explained = float((self.odds(logits) * weights).sum())
        from_baseline = float((self.odds(at_baseline) * weights).sum())
        attributions, error, steps = integrate_path(
            lambda alphas: self._integrand(feed, weights, alphas),
            from_baseline, explained, tolerance=tolerance,
        )  # fmt: skip
        scores = sigmoid(mean_logits) if self.light.task == "multilabel" else softmax(mean_logits)
        return {
            "output": "log_odds",
            "log_odds": explained,
            "probability": float(sigmoid(np.float64(explained))),
            "baseline_log_odds": from_baseline,
            "steps": steps,
            "completeness_error": error,
            "words": word_attributions(
                (
                    (word, window.offsets[t], attributions[row, t])
                    for row, window in enumerate(windows)
                    for t, word in enumerate(window.word_ids)
                ),
                text,
            ),
            "label": self.labels[label],
            "score": float(scores[label]),
        }

    def _padded(self, windows: list[Any]) -> dict[str, np.ndarray]:
        """The windows padded to the longest: ids, baseline ids, attention mask, token types."""
        longest = max(len(w.ids) for w in windows)
        ids = np.full((len(windows), longest), self.light.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        keep = np.ones_like(ids, dtype=bool)  # special tokens and padding stay in the baseline
        for row, window in enumerate(windows):
            size = len(window.ids)
            ids[row, :size], mask[row, :size] = window.ids, 1
            types[row, :size] = window.type_ids
            keep[row, :size] = np.asarray(window.special_tokens_mask, dtype=bool)
        feed = {"input_ids": ids, "baseline_ids": np.where(keep, ids, self.light.pad_id)}
        feed["attention_mask"] = mask
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = types
        return feed

    def _integrand(self, feed: dict[str, np.ndarray], weights: np.ndarray, alphas: np.ndarray):
        """The text's output ``(k,)`` at each point ``alphas`` ``(k,)``, and its terms per window
        and position ``(k, windows, seq)``."""
        n, seq = feed["input_ids"].shape
        rows = {k: np.tile(v, (len(alphas), 1)) for k, v in feed.items()}  # point-major
        point, row_weights = np.repeat(alphas, n), np.tile(weights, (len(alphas), 1))
        values, terms = np.zeros(len(point)), np.zeros((len(point), seq))
        per_pass = max(1, BATCH_TOKENS // seq)
        for start in range(0, len(point), per_pass):
            part = slice(start, start + per_pass)
            out = self._run({k: v[part] for k, v in rows.items()}, point[part], row_weights[part])
            values[part], terms[part] = out["values"], out["terms"]
        return values.reshape(len(alphas), n).sum(1), terms.reshape(len(alphas), n, seq)

    def _run(self, feed: dict[str, np.ndarray], alphas: np.ndarray, weights: np.ndarray):
        path = {"alphas": alphas.astype(np.float32), "weights": weights.astype(np.float32)}
        outputs = self.session.run(None, {**feed, **path})
        return dict(zip((o.name for o in self.session.get_outputs()), outputs, strict=True))


def _logits(logits: np.ndarray) -> np.ndarray:
    return logits


def open_light_explainer(run_dir: str | Path) -> LightExplainer | None:
    """``run_dir``'s explanations on the light path, or None where there is none (not a classify
    or multilabel run, or no fresh forward or integrand graph: the torch path answers)."""
    light = open_light(run_dir)
    if light is None:
        return None
    graph = fresh_export(light.run_dir / MODEL_DIR, light.run_dir / ONNX_DIR, GRADIENTS_FILE)
    return None if graph is None else LightExplainer(light, graph)
