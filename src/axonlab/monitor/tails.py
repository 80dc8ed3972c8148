"""Upper tails of the Poisson and binomial laws, as surprise: ``-log10 P(X >= k)``.

The surge rules judge counts far out in the tail (a p-value of 1e-9 is an ordinary surge on a
quiet ticker), where ``1 - cdf`` loses every digit; these sum the tail's own terms in log space
from ``k`` upward, which converges in a few dozen terms once ``k`` is past the mean. Pure Python:
the rules call them once per candidate window, and importing scipy would cost more than that.
"""

from __future__ import annotations

import math

_LN10 = math.log(10.0)
_TERMS = 400  # the tail beyond this many terms past k is below double precision


def _log_sum_terms(log_first: float, ratio) -> float:
    """``log(sum_i t_i)`` where ``t_0 = exp(log_first)`` and ``t_{i+1} = t_i * ratio(i)``."""
    total, log_term = 1.0, 0.0
    for i in range(_TERMS):
        r = ratio(i)
        if r <= 0.0:
            break
        log_term += math.log(r)
        term = math.exp(log_term)
        total += term
        if term < 1e-17 * total:
            break
    return log_first + math.log(total)


def poisson_surprise(k: int, mean: float) -> float:
    """``-log10 P(X >= k)`` for ``X ~ Poisson(mean)``; 0 when ``k <= mean`` (no surprise)."""
    if k <= 0 or k <= mean:
        return 0.0
    if mean <= 0.0:
        return math.inf
    log_first = -mean + k * math.log(mean) - math.lgamma(k + 1)
    log_tail = _log_sum_terms(log_first, lambda i: mean / (k + i + 1))
    return max(0.0, -log_tail / _LN10)


def poisson_point_surprise(k: int, mean: float) -> float:
    """``-log10 P(X = k)``: an upper bound of :func:`poisson_surprise` (the tail holds the
    point), in one step, to pass over the many stretches that cannot be surprising."""
    if mean <= 0.0:
        return math.inf
    return max(0.0, -(-mean + k * math.log(mean) - math.lgamma(k + 1)) / _LN10)


def negative_binomial_surprise(k: int, mean: float, shape: float) -> float:
    """``-log10 P(X >= k)`` for ``X`` negative binomial with ``mean`` and ``shape`` (a Poisson
    count whose rate is Gamma-distributed with that shape); 0 when ``k <= mean``. As ``shape``
    grows it tends to :func:`poisson_surprise`, which an infinite shape (a rate known exactly)
    is; a small shape (a rate known from few items) gives a heavier tail, so less surprise."""
    if math.isinf(shape):
        return poisson_surprise(k, mean)
    if k <= 0 or k <= mean:
        return 0.0
    if mean <= 0.0:
        return math.inf
    q = mean / (shape + mean)  # the failure probability of the count's Bernoulli trials
    log_first = (
        math.lgamma(k + shape) - math.lgamma(shape) - math.lgamma(k + 1)
        + shape * math.log1p(-q) + k * math.log(q)
    )  # fmt: skip
    log_tail = _log_sum_terms(log_first, lambda i: (k + i + shape) / (k + i + 1) * q)
    return max(0.0, -log_tail / _LN10)


def binomial_surprise(k: int, n: int, p: float) -> float:
    """``-log10 P(Y >= k)`` for ``Y ~ Binomial(n, p)``; 0 when ``k <= n p``."""
    if k <= 0 or k <= n * p:
        return 0.0
    if p <= 0.0:
        return math.inf
    if p >= 1.0:
        return 0.0
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    log_first = log_choose + k * math.log(p) + (n - k) * math.log1p(-p)
    odds = p / (1.0 - p)
    log_tail = _log_sum_terms(log_first, lambda i: (n - k - i) / (k + i + 1) * odds)
    return max(0.0, -log_tail / _LN10)
