"""The collaborative half: implicit-feedback matrix factorisation by ``implicit``'s ALS (Hu,
Koren & Volinsky 2008), and a ridge map from item text embeddings into its item-factor space,
so an item nobody has touched yet gets factors from what it says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from axonlab.errors import InputError


@dataclass
class ALSSettings:
    """``implicit.als.AlternatingLeastSquares`` settings: ``factors`` per item and user,
    L2 ``regularization``, ``alpha`` the confidence per interaction, ``iterations``."""

    factors: int = 64
    regularization: float = 0.05
    alpha: float = 1.0
    iterations: int = 15
    seed: int = 0


def _implicit():
    try:
        import implicit  # noqa: F401
    except ImportError:
        raise InputError(
            "the recommender needs the `implicit` package: pip install 'axonlab[recommend]'"
        ) from None
    from implicit.cpu.als import AlternatingLeastSquares

    return AlternatingLeastSquares


def user_item_matrix(
    user_rows: np.ndarray, item_cols: np.ndarray, n_users: int, n_items: int
) -> sparse.csr_matrix:
    """``(n_users, n_items)`` CSR of 1.0 per interacting pair (repeats count once)."""
    data = np.ones(len(user_rows), dtype=np.float32)
    matrix = sparse.csr_matrix((data, (user_rows, item_cols)), shape=(n_users, n_items))
    matrix.data[:] = 1.0
    return matrix


def fit_als(matrix: sparse.csr_matrix, settings: ALSSettings) -> tuple[np.ndarray, np.ndarray]:
    """``(user factors (n_users, f), item factors (n_items, f))`` float32; items without an
    interaction keep factors of zero. Single BLAS thread (``implicit``'s own advice: its
    solver threads per user), so results do not depend on the machine's thread count."""
    from threadpoolctl import threadpool_limits

    als_class = _implicit()
    with threadpool_limits(1, "blas"):
        model = als_class(
            factors=settings.factors,
            regularization=settings.regularization,
            alpha=settings.alpha,
            iterations=settings.iterations,
            random_state=settings.seed,
            calculate_training_loss=False,
        )
        model.fit(matrix, show_progress=False)
    items = np.asarray(model.item_factors, dtype=np.float32)
    items[np.asarray(matrix.getnnz(axis=0)) == 0] = 0.0
    return np.asarray(model.user_factors, dtype=np.float32), items


def fold_in(
    item_factors: np.ndarray, histories: list[np.ndarray], settings: ALSSettings
) -> np.ndarray:
    """ALS user vectors ``(n, f)`` for ``n`` histories of item indices, the item factors
    ``(n_items, f)`` fixed: the least-squares step ALS takes per user (``implicit``'s
    ``recalculate_user``)."""
    from threadpoolctl import threadpool_limits

    als_class = _implicit()
    rows = np.concatenate([np.full(len(np.unique(h)), i) for i, h in enumerate(histories)])
    cols = np.concatenate([np.unique(h) for h in histories])
    matrix = user_item_matrix(rows, cols, len(histories), item_factors.shape[0])
    with threadpool_limits(1, "blas"):
        model = als_class(
            factors=item_factors.shape[1],
            regularization=settings.regularization,
            alpha=settings.alpha,
            random_state=settings.seed,
        )
        model.item_factors = np.ascontiguousarray(item_factors, dtype=np.float32)
        return np.asarray(model.recalculate_user(np.arange(len(histories)), matrix))


def text_to_factors(
    embeddings: np.ndarray, item_factors: np.ndarray, warm: np.ndarray, ridge: float
) -> np.ndarray:
    """``(dim + 1, f)``: least squares with an L2 penalty ``ridge`` from the warm items' text
    embeddings (``(n, dim)``, a bias column added) to their ALS factors."""
    x = np.hstack([embeddings[warm], np.ones((int(warm.sum()), 1), np.float32)]).astype(np.float64)
    y = item_factors[warm].astype(np.float64)
    penalty = ridge * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    return np.linalg.solve(x.T @ x + penalty, x.T @ y).astype(np.float32)


def map_text(embeddings: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Item factors ``(n, f)`` predicted from text embeddings ``(n, dim)``."""
    return embeddings @ weights[:-1] + weights[-1]
