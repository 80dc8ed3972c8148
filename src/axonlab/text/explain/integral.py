"""The Integrated Gradients integral's settings and quadrature, shared by the torch path
(:mod:`~axonlab.text.explain.attribution`, through captum) and the light path
(:mod:`~axonlab.text.explain.light`, ONNX Runtime): no torch here.

The path integral from the baseline (alpha = 0) to the input (alpha = 1) is taken with
Gauss-Legendre quadrature, as captum's default ``gausslegendre`` method takes it; the points are
doubled from ``START_STEPS`` until the completeness error is under ``TOLERANCE`` or
``MAX_STEPS`` is passed.
"""

from __future__ import annotations

import numpy as np

START_STEPS = 8  # most SMS messages are within 5% at 8 Gauss-Legendre points (65 of 100)
MAX_STEPS = 512
TOLERANCE = 0.05  # completeness error, relative to the output change
BATCH_TOKENS = 8192  # padded sub-tokens per forward pass inside the integration
# a model whose labels each have a sigmoid (transformers' problem_type): its log-odds are its logits
SIGMOID_LABELS = "multi_label_classification"


def gauss_legendre(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, weights)`` of ``steps``-point Gauss-Legendre quadrature on [0, 1]."""
    points, weights = np.polynomial.legendre.leggauss(steps)
    return 0.5 * (1 + points), 0.5 * weights


def completeness_error(attribution_sum: float, change: float) -> float:
    """``|sum of attributions - (F(x) - F(baseline))|`` relative to the change."""
    return abs(attribution_sum - change) / max(abs(change), 1e-9)


def log_odds(logits: np.ndarray) -> np.ndarray:
    """Each label's softmax log-odds ``z_l - logsumexp_{j != l} z_j``, shaped like ``logits``
    ``(..., labels)``; one label alone is a sigmoid's, its logit."""
    n = logits.shape[-1]
    if n == 1:
        return logits
    rest = np.where(np.eye(n, dtype=bool), -np.inf, logits[..., None, :])  # row l: all but z_l
    top = rest.max(-1, keepdims=True)
    return logits - (top[..., 0] + np.log(np.exp(rest - top).sum(-1)))
