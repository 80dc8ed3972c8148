"""The learning rules as the engine runs them (descriptions: :mod:`axonlab.neuro.plasticity`).

Traces are event-driven: a plastic synapse's x_pre and x_post are brought up to date (decayed
exactly from their last update) only when one of its neurons fires, so a step without spikes
costs nothing. Per step, after the spikes of the step are delivered (with the weights they
found, as in Brian2), :func:`learn`:
1. releases transmitter into the volumes whose source population fired, and lets each volume
   relax towards its baseline;
2. pairs the spikes: first every spike as presynaptic (depression by x_post), then every spike
   as postsynaptic (potentiation by x_pre, which already counts a presynaptic spike of the same
   step); a gated (three-factor) synapse adds the change to its eligibility trace instead;
3. moves the gated synapses: eligibility decays, and dw = gain * c * [volume] * dt.
Weights are clipped to [w_min, w_max] after every change.
"""

from __future__ import annotations

import math

import numpy as np

from axonlab.neuro.arrays.layout import (
    CHEM_G_MAX,
    PL_ELIG,
    PL_LAST,
    PL_X_POST,
    PL_X_PRE,
    RULE_A_MINUS,
    RULE_A_PLUS,
    RULE_ELIG_DECAY,
    RULE_GAIN,
    RULE_MULTIPLICATIVE,
    RULE_NEAREST,
    RULE_TAU_POST,
    RULE_TAU_PRE,
    RULE_VOLUME,
    RULE_W_MAX,
    RULE_W_MIN,
)
from axonlab.neuro.engine.compiled import jit, jit_inline


@jit_inline
def weight_of(k, on_chem, where, exp_w, chem_par):
    """The current weight of plastic synapse k."""
    return chem_par[CHEM_G_MAX, where[k]] if on_chem[k] else exp_w[where[k]]


def plastic_weights(
    on_chem: np.ndarray, where: np.ndarray, exp_w: np.ndarray, chem_par: np.ndarray
) -> np.ndarray:
    """(m,) the current weight of every plastic synapse (:func:`weight_of` for all at once,
    outside the loop: initial weights, recordings' first row, the result's final weights)."""
    out = np.empty(where.size)
    out[on_chem] = chem_par[CHEM_G_MAX, where[on_chem]]
    out[~on_chem] = exp_w[where[~on_chem]]
    return out


@jit_inline
def _set_weight(k, w, r, rules, on_chem, where, exp_w, chem_par):
    w = min(max(w, rules[RULE_W_MIN, r]), rules[RULE_W_MAX, r])
    if on_chem[k]:
        chem_par[CHEM_G_MAX, where[k]] = w
    else:
        exp_w[where[k]] = w


@jit_inline
def _catch_up(k, r, t, state, rules):
    """Decay both traces of synapse k from their last update to t (ms)."""
    gap = t - state[PL_LAST, k]
    if gap > 0.0:
        state[PL_X_PRE, k] *= math.exp(-gap / rules[RULE_TAU_PRE, r])
        state[PL_X_POST, k] *= math.exp(-gap / rules[RULE_TAU_POST, r])
        state[PL_LAST, k] = t


@jit_inline
def _change(k, r, dw, state, rules, on_chem, where, exp_w, chem_par):
    if rules[RULE_VOLUME, r] >= 0.0:  # three-factor: the change waits in the eligibility trace
        state[PL_ELIG, k] += dw
    else:
        w = weight_of(k, on_chem, where, exp_w, chem_par)
        _set_weight(k, w + dw, r, rules, on_chem, where, exp_w, chem_par)


@jit_inline
def _on_spike(k, t, as_pre, on_chem, where, rule, rules, state, exp_w, chem_par):
    """Synapse k's neuron on one side fired at t: its trace steps up, and the weight moves by
    the other side's trace (depression for a presynaptic spike, potentiation for a
    postsynaptic one)."""
    r = rule[k]
    _catch_up(k, r, t, state, rules)
    own, other = (PL_X_PRE, PL_X_POST) if as_pre else (PL_X_POST, PL_X_PRE)
    state[own, k] = 1.0 if rules[RULE_NEAREST, r] > 0.0 else state[own, k] + 1.0
    w_min, w_max = rules[RULE_W_MIN, r], rules[RULE_W_MAX, r]
    scale = w_max
    if rules[RULE_MULTIPLICATIVE, r] > 0.0:  # soft bounds: the distance to the bound moved to
        w = weight_of(k, on_chem, where, exp_w, chem_par)
        scale = w - w_min if as_pre else w_max - w
    amplitude = -rules[RULE_A_MINUS, r] if as_pre else rules[RULE_A_PLUS, r]
    _change(k, r, amplitude * scale * state[other, k], state, rules, on_chem, where, exp_w,
            chem_par)  # fmt: skip


@jit
def pair_spikes(t, spikes, on_chem, where, rule, rules, state, pre_ptr, pre_syn, post_ptr,
                post_syn, exp_w, chem_par):  # fmt: skip
    """Apply STDP for the neurons in ``spikes`` that fired at time t (ms): every spike as
    presynaptic first, then every spike as postsynaptic (Brian2's order within a step)."""
    for i in spikes:
        for q in range(pre_ptr[i], pre_ptr[i + 1]):
            _on_spike(pre_syn[q], t, True, on_chem, where, rule, rules, state, exp_w, chem_par)
    for i in spikes:
        for q in range(post_ptr[i], post_ptr[i + 1]):
            _on_spike(post_syn[q], t, False, on_chem, where, rule, rules, state, exp_w, chem_par)


@jit
def release_into_volumes(spikes, conc, baseline, decay, release, lo, hi):
    """One step of every volume: relax towards the baseline, then take this step's releases."""
    for v in range(conc.size):
        conc[v] = baseline[v] + (conc[v] - baseline[v]) * decay[v]
        for i in spikes:
            if lo[v] <= i < hi[v]:
                conc[v] += release[v]


@jit
def modulate(dt, gated, on_chem, where, rule, rules, state, conc, exp_w, chem_par):
    """One step of the gated synapses: eligibility decays; dw = gain * c * [volume] * dt."""
    for q in range(gated.size):
        k = gated[q]
        r = rule[k]
        c = state[PL_ELIG, k] * rules[RULE_ELIG_DECAY, r]
        state[PL_ELIG, k] = c
        level = conc[int(rules[RULE_VOLUME, r])]
        if c != 0.0 and level != 0.0:
            w = weight_of(k, on_chem, where, exp_w, chem_par)
            _set_weight(k, w + rules[RULE_GAIN, r] * c * level * dt, r, rules, on_chem, where,
                        exp_w, chem_par)  # fmt: skip
