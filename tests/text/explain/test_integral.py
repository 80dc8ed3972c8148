"""The path integral (axonlab.text.explain.integral): exact where Gauss-Legendre is, refined only
where the integrand is steep, bounded by its budget; the numpy log-odds are the torch path's."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab.text.explain.integral import gauss_legendre, integrate_path, log_odds


def _path(f, df, share: np.ndarray):
    """An integrand whose output is f(alpha), its terms df(alpha) spread over 3 positions."""
    calls = []

    def evaluate(alphas):
        calls.append(len(alphas))
        return f(alphas), df(alphas)[:, None] * share[None, :]

    return evaluate, calls


def test_a_polynomial_path_needs_one_quadrature():
    share = np.array([0.5, 0.3, 0.2])
    evaluate, calls = _path(lambda a: a**5, lambda a: 5 * a**4, share)
    attributions, error, steps = integrate_path(evaluate, 0.0, 1.0)
    assert steps == 8 and calls == [8] and error < 1e-12
    assert attributions == pytest.approx(share)


def test_a_steep_path_is_refined_where_it_is_steep():
    share = np.array([1.0, -0.5, 0.5])
    k = 60.0  # a step near alpha = 0.1: the output saturates early, as a confident model's does
    f = lambda a: np.tanh(k * (a - 0.1))  # noqa: E731
    df = lambda a: k / np.cosh(k * (a - 0.1)) ** 2  # noqa: E731
    evaluate, calls = _path(f, df, share)
    f0, f1 = float(f(np.array([0.0]))[0]), float(f(np.array([1.0]))[0])
    attributions, error, steps = integrate_path(evaluate, f0, f1, tolerance=0.01)
    assert error <= 0.01 and attributions.sum() == pytest.approx(f1 - f0, rel=0.01)
    assert sum(calls) == steps
    # doubling the points of the whole path to the same tolerance spends more
    doubled, points = 0, 8
    while True:
        doubled += points
        nodes, weights = gauss_legendre(points)
        if abs(weights @ df(nodes) - (f1 - f0)) <= 0.01 * abs(f1 - f0):
            break
        points *= 2
    assert steps < doubled


def test_the_budget_bounds_the_evaluations():
    evaluate, calls = _path(lambda a: np.sign(a - 0.5), lambda a: 0 * a, np.ones(2))
    _, error, steps = integrate_path(evaluate, -1.0, 1.0, max_steps=64)
    assert steps <= 64 and sum(calls) == steps and error > 0.05  # reported, not hidden


def test_numpy_log_odds_are_the_torch_paths():
    import torch

    from axonlab.text.explain.attribution import log_odds as torch_log_odds

    logits = np.random.default_rng(0).normal(0, 3, size=(5, 4))
    assert log_odds(logits) == pytest.approx(torch_log_odds(torch.tensor(logits)).numpy())
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert log_odds(logits) == pytest.approx(np.log(p / (1 - p)))
