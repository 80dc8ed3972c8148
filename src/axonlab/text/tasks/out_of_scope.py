"""Out-of-scope detection for intent classifiers: how in-scope a text looks, and where to cut.

Each method maps a text's classifier outputs to an *in-scope score* (higher: more like the
training intents); a text scoring below the calibrated threshold is out of scope.

- ``msp``: the maximum softmax probability (Hendrycks & Gimpel 2017), the usual baseline;
- ``mahalanobis``: minus the smallest Mahalanobis distance from the text's mean-pooled
  fine-tuned features to an intent's mean, with one covariance shared by all intents (Lee et
  al. 2018; for fine-tuned transformers, Podolskiy et al. 2021);
- ``knn``: cosine similarity to the k-th nearest training example in the same, normalised,
  feature space (Sun et al. 2022).

The threshold comes from dev data: with out-of-scope dev rows, the one that maximises the mean
of in-scope accuracy (rejected in-scope texts count as errors) and out-of-scope recall, both
read from kernel-smoothed distribution functions (a Gaussian kernel, Silverman's bandwidth)
rather than from raw counts: a dev set holds ~100 out-of-scope rows, and the argmax of a step
function over so few moves far on a handful of texts, while the smoothed curve's maximum holds
still. Without them, the threshold keeps ``KEEP_IN_SCOPE`` of the in-scope dev texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.runs import read_json, write_json

METHODS = ("mahalanobis", "knn", "msp")
KEEP_IN_SCOPE = 0.95  # without out-of-scope dev rows: reject at most 5% of in-scope dev texts
KNN_K = 10
SHRINKAGE = 1e-3  # ridge on the shared covariance, relative to its mean variance
FILE = "out_of_scope.npz"
SETTINGS = "out_of_scope.json"


@dataclass
class OutOfScopeDetector:
    """A fitted detector: its method, threshold, the out-of-scope label and its statistics."""

    method: str
    oos_label: str
    threshold: float
    means: np.ndarray  # (n_intents, hidden): each intent's mean training feature
    precision: np.ndarray  # (hidden, hidden): inverse of the shared covariance
    bank: np.ndarray  # (n_train, hidden): normalised training features, for knn
    k: int = KNN_K  # knn: the neighbour whose similarity is the score

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        intents: np.ndarray,
        *,
        method: str,
        oos_label: str,
        k: int = KNN_K,
    ) -> OutOfScopeDetector:
        """Statistics of the in-scope training ``features`` ``(n, hidden)`` with their intent
        ids ``intents`` ``(n,)``; the threshold is set later by :meth:`calibrate`."""
        if method not in METHODS:
            raise InputError(f"unknown out-of-scope method {method!r}; expected one of {METHODS}")
        features = features.astype(np.float64)
        means = np.stack([features[intents == c].mean(axis=0) for c in np.unique(intents)])
        centred = features - means[np.searchsorted(np.unique(intents), intents)]
        covariance = centred.T @ centred / len(features)
        # (one example per intent leaves no spread at all: the floor keeps it invertible, and
        # the distance is then the Euclidean one, scaled)
        ridge = max(SHRINKAGE * np.trace(covariance) / len(covariance), 1e-6)
        precision = np.linalg.inv(covariance + ridge * np.eye(len(covariance)))
        bank = features / np.linalg.norm(features, axis=1, keepdims=True)
        return cls(method, oos_label, -np.inf, means, precision, bank.astype(np.float32), k)

    def scores(self, probabilities: np.ndarray, features: np.ndarray) -> np.ndarray:
        """In-scope score per text, shape ``(n,)``: higher is more in scope."""
        if self.method == "msp":
            return probabilities.max(axis=1)
        if self.method == "mahalanobis":
            # (x - m)' P (x - m) = x'Px - 2 x'Pm + m'Pm, for every text x and intent mean m
            x = features.astype(np.float64)
            xp = x @ self.precision
            mp = self.means @ self.precision
            distances = (
                (xp * x).sum(axis=1)[:, None] - 2 * xp @ self.means.T + (mp * self.means).sum(1)
            )
            return -distances.min(axis=1)
        unit = features / np.linalg.norm(features, axis=1, keepdims=True)
        similarities = unit @ self.bank.T
        k = min(self.k, similarities.shape[1])
        return np.partition(similarities, -k, axis=1)[:, -k]

    def calibrate(self, in_scope: np.ndarray, in_scope_correct: np.ndarray, oos: np.ndarray):
        """Set the threshold from dev scores: ``in_scope`` (with whether the intent was right)
        and ``oos`` (possibly empty)."""
        if len(oos) == 0:
            self.threshold = float(np.quantile(in_scope, 1 - KEEP_IN_SCOPE))
            return
        candidates = _candidates(np.concatenate([in_scope, oos]))
        kept = _smoothed_share_above(in_scope, candidates, weights=in_scope_correct)
        rejected = 1.0 - _smoothed_share_above(oos, candidates)
        self.threshold = float(candidates[np.argmax(kept + rejected)])

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        np.savez(folder / FILE, means=self.means, precision=self.precision, bank=self.bank)
        write_json(
            folder / SETTINGS,
            {
                "method": self.method,
                "oos_label": self.oos_label,
                "threshold": self.threshold,
                "k": self.k,
            },
        )

    @classmethod
    def load(cls, folder: str | Path) -> OutOfScopeDetector:
        folder = Path(folder)
        if not (folder / SETTINGS).exists():
            raise InputError("no out-of-scope detector here (not an intent model)", path=folder)
        settings: dict[str, Any] = read_json(folder / SETTINGS)
        with np.load(folder / FILE) as arrays:
            return cls(
                settings["method"],
                settings["oos_label"],
                float(settings["threshold"]),
                arrays["means"],
                arrays["precision"],
                arrays["bank"],
                int(settings.get("k", KNN_K)),
            )


def _candidates(scores: np.ndarray, most: int = 2048) -> np.ndarray:
    """Thresholds to try: the scores and the midpoints between neighbours (at most ``most``,
    evenly spaced in rank)."""
    values = np.unique(scores)
    values = np.unique(np.concatenate([values, (values[1:] + values[:-1]) / 2]))
    if len(values) > most:
        values = values[np.linspace(0, len(values) - 1, most).round().astype(int)]
    return values


def _bandwidth(scores: np.ndarray) -> float:
    """Silverman's rule of thumb, ``0.9 min(sd, IQR / 1.34) n^(-1/5)``, floored above 0."""
    spread = np.std(scores)
    iqr = np.subtract(*np.percentile(scores, [75, 25]))
    if iqr > 0:
        spread = min(spread, iqr / 1.34)
    return max(0.9 * spread * len(scores) ** -0.2, 1e-12 * (1 + np.abs(scores).max()))


def _smoothed_share_above(
    scores: np.ndarray, thresholds: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Kernel-smoothed share of ``scores`` (counting only where ``weights``, if given) at or
    above each threshold, shape ``(len(thresholds),)``."""
    from scipy.special import ndtr

    h = _bandwidth(scores)
    weights = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=np.float64)
    # in blocks of thresholds: one (thresholds x scores) matrix of a 30k-row dev set is ~0.5 GB
    block = max(1, 2**22 // max(len(scores), 1))
    shares = [
        ndtr((scores[None, :] - part[:, None]) / h) @ weights
        for part in np.array_split(thresholds, -(-len(thresholds) // block))
    ]
    return np.concatenate(shares) / len(scores)


def auroc(in_scope: np.ndarray, oos: np.ndarray) -> float | None:
    """Probability that an in-scope text scores above an out-of-scope one (ties count half);
    ``None`` if either set is empty."""
    if len(in_scope) == 0 or len(oos) == 0:
        return None
    from sklearn.metrics import roc_auc_score

    truth = np.concatenate([np.ones(len(in_scope)), np.zeros(len(oos))])
    return float(roc_auc_score(truth, np.concatenate([in_scope, oos])))
