"""Ranking metrics over held-out interactions: Recall@k, NDCG@k and catalogue coverage, overall
and for cold items (those with no interaction in training).

- ``recall@k``: hits in the top k over ``min(k, relevant)``, so a perfect list scores 1
  (Liang et al. 2018's normalisation); ``ndcg@k``: binary-relevance DCG over the ideal DCG;
  both averaged over the test users;
- ``cold_recall@k`` / ``cold_ndcg@k``: the same for each user's held-out cold items, the
  cold items ranked among themselves (the question a cold-start method answers: which of
  the new items to show this user); ``cold_recall_full@k``: cold hits in the full top k;
- ``coverage@k``: the share of the catalogue that appears in at least one user's top k.

Items a user met in training are never counted as held out (they cannot be recommended).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from axonlab.errors import InputError
from axonlab.recommend.data import Interactions
from axonlab.recommend.model import Recommender, top_k

BATCH = 128  # users scored at once: (128, n_items) float64


def held_out(
    test: Interactions,
    user_index: dict[str, int],
    item_index: dict[str, int],
    seen: sparse.csr_matrix,
) -> tuple[np.ndarray, list[np.ndarray], int]:
    """``(user rows, relevant item rows per user, users unknown to the model)``."""
    by_user: dict[int, set[int]] = {}
    unknown_users: set[str] = set()
    for user, item in zip(test.users.tolist(), test.items.tolist(), strict=True):
        row = user_index.get(user)
        if row is None:
            unknown_users.add(user)
            continue
        col = item_index.get(item)
        if col is not None:
            by_user.setdefault(row, set()).add(col)
    rows, relevant = [], []
    for row in sorted(by_user):
        cols = np.array(sorted(by_user[row] - set(seen[row].indices.tolist())), dtype=np.int64)
        if len(cols):
            rows.append(row)
            relevant.append(cols)
    return np.asarray(rows, dtype=np.int64), relevant, len(unknown_users)


def _gains(ranked: np.ndarray, relevant: np.ndarray, k: int) -> tuple[float, float]:
    """``(recall, ndcg)`` of one ranked list against a set of relevant items."""
    hits = np.isin(ranked[:k], relevant)
    ideal = min(k, len(relevant))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    return float(hits.sum() / ideal), float(
        (hits * discounts[: len(hits)]).sum() / discounts[:ideal].sum()
    )


def evaluate_scores(
    score: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    relevant: list[np.ndarray],
    cold: np.ndarray,
    k: int = 10,
) -> dict[str, float | int]:
    """Metrics of ``score(user rows) -> (n, n_items)`` (seen items ``-inf``) on ``relevant``;
    ``cold``: ``(n_items,)`` bool, items without training interactions."""
    if k < 1:
        raise InputError(f"`k` must be >= 1, got {k}")
    if len(rows) == 0:
        raise InputError(
            "nothing to evaluate: no test interaction is of a user the model knows with an "
            "item that user did not already have in training"
        )
    recall, ndcg, cold_recall, cold_ndcg, cold_full, shown = [], [], [], [], [], set()
    for start in range(0, len(rows), BATCH):
        scores = score(rows[start : start + BATCH])
        for j, wanted in enumerate(relevant[start : start + BATCH]):
            ranked = top_k(scores[j], k)
            shown.update(ranked.tolist())
            r, n = _gains(ranked, wanted, k)
            recall.append(r)
            ndcg.append(n)
            wanted_cold = wanted[cold[wanted]]
            if len(wanted_cold):
                cold_full.append(_gains(ranked, wanted_cold, k)[0])
                only_cold = np.where(cold, scores[j], -np.inf)
                r, n = _gains(top_k(only_cold, k), wanted_cold, k)
                cold_recall.append(r)
                cold_ndcg.append(n)
    mean = lambda values: float(np.mean(values)) if values else float("nan")  # noqa: E731
    return {
        f"ndcg@{k}": mean(ndcg),
        f"recall@{k}": mean(recall),
        f"coverage@{k}": len(shown) / len(cold),
        f"cold_recall@{k}": mean(cold_recall),
        f"cold_ndcg@{k}": mean(cold_ndcg),
        f"cold_recall_full@{k}": mean(cold_full),
        "users": len(rows),
        "cold_users": len(cold_recall),
        "cold_items": int(cold.sum()),
    }


def evaluate(recommender: Recommender, test: Interactions, k: int = 10) -> dict[str, float | int]:
    """Metrics of ``recommender`` on ``test`` (see the module's description); users the model
    never met are counted (``unknown_users``), not scored."""
    rows, relevant, unknown = held_out(
        test, recommender.user_index, recommender.items.index, recommender.seen
    )
    metrics = evaluate_scores(recommender.score_users, rows, relevant, ~recommender.warm, k)
    return {**metrics, "unknown_users": unknown}
