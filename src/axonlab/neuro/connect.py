"""Connection rules and parameter distributions (weights, delays, initial potentials).

A rule turns (n_pre, n_post, rng) into two int64 index arrays ``(pre, post)``, sorted by pre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from axonlab.errors import InputError

RULES = ("all_to_all", "one_to_one", "fixed_probability", "fixed_indegree", "pairs")


@dataclass(frozen=True)
class Uniform:
    """Uniformly distributed value in [low, high)."""

    low: float
    high: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Normal:
    """Normally distributed value, clipped at ``minimum`` (if given)."""

    mean: float
    std: float
    minimum: float | None = None

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        x = rng.normal(self.mean, self.std, n)
        return x if self.minimum is None else np.maximum(x, self.minimum)


Value = float | Sequence[float] | np.ndarray | Uniform | Normal


def resolve(value: Value, n: int, rng: np.random.Generator, what: str) -> np.ndarray:
    """A scalar, n values or a distribution, as an (n,) float64 array."""
    if isinstance(value, Uniform | Normal):
        return value.sample(n, rng)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise InputError(f"{what}: expected a scalar or {n} values, got shape {arr.shape}")
    return arr.copy()


def connect(
    rule: str,
    n_pre: int,
    n_post: int,
    rng: np.random.Generator,
    *,
    p: float | None = None,
    k: int | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    allow_self: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (pre, post) for ``rule`` (one of :data:`RULES`)."""
    if rule == "all_to_all":
        pre, post = np.divmod(np.arange(n_pre * n_post, dtype=np.int64), n_post)
    elif rule == "one_to_one":
        if n_pre != n_post:
            raise InputError(f"one_to_one needs equal sizes, got {n_pre} and {n_post}")
        pre = post = np.arange(n_pre, dtype=np.int64)
    elif rule == "fixed_probability":
        if p is None or not 0.0 <= p <= 1.0:
            raise InputError(f"fixed_probability needs 0 <= p <= 1, got p={p}")
        pre, post = _bernoulli(n_pre, n_post, p, rng)
    elif rule == "fixed_indegree":
        if k is None or not 0 <= k <= n_pre:
            raise InputError(f"fixed_indegree needs 0 <= k <= {n_pre}, got k={k}")
        post = np.repeat(np.arange(n_post, dtype=np.int64), k)
        pre = np.concatenate([rng.choice(n_pre, k, replace=False) for _ in range(n_post)])
        pre = pre.astype(np.int64)
    elif rule == "pairs":
        arr = np.asarray(pairs if pairs is not None else [], dtype=np.int64).reshape(-1, 2)
        if arr.size and (arr.min() < 0 or arr[:, 0].max() >= n_pre or arr[:, 1].max() >= n_post):
            raise InputError(f"pairs: indices must be within {n_pre} x {n_post}")
        pre, post = arr[:, 0], arr[:, 1]
    else:
        raise InputError(f"unknown connection rule {rule!r}; expected one of {list(RULES)}")
    if not allow_self:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    order = np.argsort(pre, kind="stable")
    return pre[order], post[order]


def _bernoulli(n_pre: int, n_post: int, p: float, rng: np.random.Generator):
    """Each of n_pre*n_post pairs independently with probability p, without an n^2 mask:
    draw the number of targets per source (binomial), then the targets; the rare repeats of a
    target within one source are redrawn until every (pre, post) pair is distinct."""
    counts = rng.binomial(n_post, p, n_pre)
    pre = np.repeat(np.arange(n_pre, dtype=np.int64), counts)
    post = rng.integers(0, n_post, pre.size)
    while True:
        key = pre * n_post + post
        order = np.argsort(key, kind="stable")
        repeated = np.zeros(key.size, dtype=bool)
        repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not repeated.any():
            break
        post[repeated] = rng.integers(0, n_post, int(repeated.sum()))
    order = np.lexsort((post, pre))
    return pre[order], post[order]
