"""Build the engine's arrays of learning: the plastic synapses (with the columns of their STDP
rules and their synapses indexed by pre- and postsynaptic neuron) and the transmitter volumes.
Part of :mod:`axonlab.neuro.arrays.build`, which calls these once the synapses are packed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.arrays import layout as lay
from axonlab.neuro.engine.learning import plastic_weights
from axonlab.neuro.synapses import ChemicalSynapse

if TYPE_CHECKING:
    from axonlab.neuro.arrays.parts import BuildParts
    from axonlab.neuro.description import NetworkDescription
    from axonlab.neuro.plasticity import STDP

I64 = np.int64


def _rule_column(rule: STDP, dt: float, volume: int) -> np.ndarray:
    col = np.zeros(lay.N_RULE_PARAM)
    col[lay.RULE_TAU_PRE], col[lay.RULE_TAU_POST] = rule.tau_pre, rule.tau_post
    col[lay.RULE_A_PLUS], col[lay.RULE_A_MINUS] = rule.a_plus, rule.a_minus
    col[lay.RULE_W_MIN], col[lay.RULE_W_MAX] = rule.w_min, rule.w_max
    col[lay.RULE_MULTIPLICATIVE] = rule.rule == "multiplicative"
    col[lay.RULE_NEAREST] = rule.pairing == "nearest"
    col[lay.RULE_ELIG_DECAY] = math.exp(-dt / rule.tau_eligibility)
    col[lay.RULE_GAIN] = rule.gain
    col[lay.RULE_VOLUME] = volume
    return col


def _by_neuron(neuron: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of synapse indices grouped by ``neuron``: (ptr (n + 1,), synapses)."""
    order = np.argsort(neuron, kind="stable").astype(I64)
    ptr = np.zeros(n + 1, I64)
    ptr[1:] = np.cumsum(np.bincount(neuron, minlength=n))
    return ptr, order


def plastic_synapses(net: NetworkDescription, a: BuildParts) -> dict[str, np.ndarray]:
    """The fields of :class:`~axonlab.neuro.arrays.layout.PlasticSynapses`; records each plastic
    projection's slice in ``a.plastic_index``."""
    on_chem, where, rules, rule_of = [], [], [], []
    volume_names = list(net.volumes)
    for proj in net.projections.values():
        stdp = proj.plasticity
        if stdp is None:
            continue
        chemical = isinstance(proj.synapse, ChemicalSynapse)
        index = a.chem_index[proj.name] if chemical else a.exp_index[proj.name]
        positions = np.arange(index.start, index.stop, dtype=I64)
        if not chemical:
            positions = a.exp_position[positions].astype(I64)
        start = sum(w.size for w in where)
        a.plastic_index[proj.name] = slice(start, start + positions.size)
        volume = volume_names.index(stdp.dopamine) if stdp.dopamine is not None else -1
        rules.append(_rule_column(stdp, net.dt, volume))
        rule_of.append(np.full(positions.size, len(rules) - 1, I64))
        on_chem.append(np.full(positions.size, chemical))
        where.append(positions)
    cat = lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype)  # noqa: E731
    on_chem_arr, where_arr, rule_arr = cat(on_chem, np.bool_), cat(where, I64), cat(rule_of, I64)
    exp, chem = a.groups["exp"], a.groups["chem"]
    exp_pre = np.repeat(np.arange(a.n, dtype=I64), np.diff(exp["ptr"]).astype(I64))
    pre, post = np.empty_like(where_arr), np.empty_like(where_arr)
    c, e = on_chem_arr, ~on_chem_arr
    pre[c], post[c] = chem["pre"][where_arr[c]], chem["post"][where_arr[c]]
    pre[e], post[e] = exp_pre[where_arr[e]], exp["post"][where_arr[e]]
    weights = plastic_weights(on_chem_arr, where_arr, exp["w"], chem["par"])
    rule_matrix = np.stack(rules, axis=1) if rules else np.zeros((lay.N_RULE_PARAM, 0))
    w_min, w_max = rule_matrix[lay.RULE_W_MIN, rule_arr], rule_matrix[lay.RULE_W_MAX, rule_arr]
    outside = (weights < w_min - 1e-12) | (weights > w_max + 1e-12)
    if np.any(outside):
        k = int(np.flatnonzero(outside)[0])
        name = next(n for n, sl in a.plastic_index.items() if sl.start <= k < sl.stop)
        raise InputError(
            f"projection {name!r}: {int(outside.sum())} initial weights lie outside the STDP "
            f"bounds [w_min, w_max] = [{w_min[k]:g}, {w_max[k]:g}] (e.g. {weights[k]:g})"
        )
    pre_ptr, pre_syn = _by_neuron(pre, a.n)
    post_ptr, post_syn = _by_neuron(post, a.n)
    gated = np.flatnonzero(rule_matrix[lay.RULE_VOLUME, rule_arr] >= 0).astype(I64)
    return dict(on_chem=on_chem_arr, where=where_arr, pre=pre, post=post, rule=rule_arr,
                rules=rule_matrix, state=np.zeros((4, where_arr.size)), pre_ptr=pre_ptr,
                pre_syn=pre_syn, post_ptr=post_ptr, post_syn=post_syn, gated=gated)  # fmt: skip


def volumes(net: NetworkDescription, a: BuildParts) -> dict[str, np.ndarray]:
    """The fields of :class:`~axonlab.neuro.arrays.layout.Volumes`, in the network's order."""
    vols = list(net.volumes.values())
    lo = np.array([a.offsets[v.source.name] for v in vols], I64)
    return dict(
        conc=np.array([v.baseline for v in vols], float),
        baseline=np.array([v.baseline for v in vols], float),
        decay=np.array([math.exp(-v.k_clear * net.dt) for v in vols], float),
        release=np.array([v.release for v in vols], float),
        lo=lo,
        hi=lo + np.array([v.source.n for v in vols], I64),
    )
