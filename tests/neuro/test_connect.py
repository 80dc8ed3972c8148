"""Connection rules against the connectivity matrix they must make (in the style of Brian2's
test_synapses: a small case, every entry checked), and parameter distributions."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from axonlab.neuro.arrays.build import build
from axonlab.neuro.connect import connect, resolve


def _matrix(pre: np.ndarray, post: np.ndarray, n_pre: int, n_post: int) -> np.ndarray:
    """Synapse counts W[i, j] from pre neuron i to post neuron j."""
    w = np.zeros((n_pre, n_post), dtype=int)
    np.add.at(w, (pre, post), 1)
    return w


def _rule(rule: str, n_pre: int = 3, n_post: int = 4, seed: int = 0, **kw) -> np.ndarray:
    pre, post = connect(rule, n_pre, n_post, np.random.default_rng(seed), **kw)
    assert pre.dtype == post.dtype == np.int64
    assert np.all(np.diff(pre) >= 0)  # sorted by pre, as the packing expects
    return _matrix(pre, post, n_pre, n_post)


def test_all_to_all():
    np.testing.assert_array_equal(_rule("all_to_all"), np.ones((3, 4), int))
    np.testing.assert_array_equal(
        _rule("all_to_all", 3, 3, allow_self=False), [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    )


def test_one_to_one():
    np.testing.assert_array_equal(_rule("one_to_one", 3, 3), np.eye(3, dtype=int))
    np.testing.assert_array_equal(_rule("one_to_one", 3, 3, allow_self=False), np.zeros((3, 3)))
    with pytest.raises(InputError, match="one_to_one needs equal sizes, got 3 and 4"):
        _rule("one_to_one", 3, 4)


def test_pairs():
    pairs = [(0, 3), (2, 0), (0, 3), (1, 1)]
    np.testing.assert_array_equal(
        _rule("pairs", pairs=pairs), [[0, 0, 0, 2], [0, 1, 0, 0], [1, 0, 0, 0]]
    )
    np.testing.assert_array_equal(_rule("pairs", pairs=[]), np.zeros((3, 4)))
    with pytest.raises(InputError, match="pairs: indices must be within 3 x 4"):
        _rule("pairs", pairs=[(3, 0)])
    with pytest.raises(InputError, match="pairs: indices must be within"):
        _rule("pairs", pairs=[(0, -1)])


def test_fixed_probability_extremes_and_statistics():
    np.testing.assert_array_equal(_rule("fixed_probability", p=0.0), np.zeros((3, 4)))
    np.testing.assert_array_equal(_rule("fixed_probability", p=1.0), np.ones((3, 4), int))
    np.testing.assert_array_equal(
        _rule("fixed_probability", 3, 3, p=1.0, allow_self=False), 1 - np.eye(3, dtype=int)
    )
    w = _rule("fixed_probability", 200, 300, p=0.1, seed=7)
    assert w.max() == 1  # no pair twice
    n = 200 * 300
    assert abs(w.sum() - 0.1 * n) < 5 * np.sqrt(n * 0.1 * 0.9)  # binomial, 5 sigma
    # every pre and every post neuron gets its share: no row or column left out
    assert abs(w.sum(axis=1).mean() - 30) < 1 and abs(w.sum(axis=0).mean() - 20) < 1
    for p in (-0.1, 1.5, None):
        with pytest.raises(InputError, match="fixed_probability needs 0 <= p <= 1"):
            _rule("fixed_probability", p=p)


def test_fixed_indegree():
    w = _rule("fixed_indegree", 5, 4, k=2, seed=3)
    np.testing.assert_array_equal(w.sum(axis=0), [2, 2, 2, 2])  # k inputs per post neuron
    assert w.max() == 1  # from k different pre neurons
    np.testing.assert_array_equal(_rule("fixed_indegree", 5, 4, k=5), np.ones((5, 4), int))
    np.testing.assert_array_equal(_rule("fixed_indegree", 5, 4, k=0), np.zeros((5, 4)))
    with pytest.raises(InputError, match=r"fixed_indegree needs 0 <= k <= 5, got k=6"):
        _rule("fixed_indegree", 5, 4, k=6)


def test_unknown_rule():
    with pytest.raises(InputError, match="unknown connection rule 'random'"):
        _rule("random")


def _built_matrix(net: neuro.Network, pre: str, post: str) -> np.ndarray:
    """The matrix the engine will run on, read back from its packed synapse arrays."""
    a = build(net, 1)
    ptr, targets = a.loop.exp.ptr.astype(int), a.loop.exp.post.astype(int)
    sources = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    lo_pre, lo_post = a.layout.offsets[pre], a.layout.offsets[post]
    n_pre, n_post = net.populations[pre].n, net.populations[post].n
    keep = (
        (sources >= lo_pre)
        & (sources < lo_pre + n_pre)
        & (targets >= lo_post)
        & (targets < lo_post + n_post)
    )
    return _matrix(sources[keep] - lo_pre, targets[keep] - lo_post, n_pre, n_post)


@pytest.mark.parametrize(
    ("rule", "kw", "expected"),
    [
        ("all_to_all", {}, np.ones((3, 3), int)),
        ("one_to_one", {}, np.eye(3, dtype=int)),
        ("pairs", {"pairs": [(0, 2), (2, 1)]}, [[0, 0, 1], [0, 0, 0], [0, 1, 0]]),
    ],
)
def test_a_network_runs_on_the_matrix_its_rule_made(rule, kw, expected):
    # between two populations of three, allow_self=False changes nothing: pre 0 and post 0
    # are different neurons
    for allow_self in (True, False):
        net = neuro.Network(dt=0.1)
        net.add("a", neuro.LIF(), n=3)
        net.add("b", neuro.LIF(), n=3)
        net.connect("a", "b", neuro.ExpCurrentSynapse(0.1), rule=rule, allow_self=allow_self, **kw)
        np.testing.assert_array_equal(_built_matrix(net, "a", "b"), expected)


def test_allow_self_false_within_a_population_drops_only_autapses():
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF(), n=3)
    net.connect("a", "a", neuro.ExpCurrentSynapse(0.1), allow_self=False)
    np.testing.assert_array_equal(_built_matrix(net, "a", "a"), 1 - np.eye(3, dtype=int))


def test_values_resolve_to_one_per_element():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(resolve(2.5, 3, rng, "w"), [2.5, 2.5, 2.5])
    np.testing.assert_array_equal(resolve([1, 2, 3], 3, rng, "w"), [1.0, 2.0, 3.0])
    u = resolve(neuro.Uniform(1.0, 2.0), 10_000, rng, "w")
    assert u.min() >= 1.0 and u.max() < 2.0 and abs(u.mean() - 1.5) < 0.02
    g = resolve(neuro.Normal(0.0, 1.0, minimum=-0.5), 10_000, rng, "w")
    assert g.min() == -0.5 and abs(np.mean(g > 1.0) - 0.1587) < 0.02
    with pytest.raises(InputError, match=r"w: expected a scalar or 3 values, got shape \(2,\)"):
        resolve([1, 2], 3, rng, "w")
