"""The arrays of a network's synapses, made from its projections: the connections each rule
draws, the exponential channels they feed, chemical synapses (per-synapse transmitter and receptor
state) and gap junctions. Part of :mod:`axonlab.neuro.arrays.build`, which calls
:func:`synapse_arrays` after the neurons and reads :func:`channel` and :func:`pack_exp` for the
channels its inputs add.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.arrays import layout as lay
from axonlab.neuro.arrays.parts import BuildParts
from axonlab.neuro.connect import connect, resolve
from axonlab.neuro.plasticity import TsodyksMarkram
from axonlab.neuro.synapses import (
    ChemicalSynapse,
    ExpConductanceSynapse,
    ExpCurrentSynapse,
    GapJunction,
    Synapse,
)

if TYPE_CHECKING:
    from axonlab.neuro.description import NetworkDescription

I64 = np.int64


def to_steps(ms: np.ndarray, dt: float, what: str) -> np.ndarray:
    if np.any(ms < 0):
        raise InputError(f"{what}: delays must be >= 0 ms")
    return np.round(ms / dt).astype(I64)


def channel(a: BuildParts, syn: Synapse) -> int:
    if isinstance(syn, ExpConductanceSynapse):
        key = (True, float(syn.tau), float(syn.e_rev))
    elif isinstance(syn, ExpCurrentSynapse):
        key = (False, float(syn.tau), 0.0)
    else:
        raise InputError(f"{type(syn).__name__} cannot carry Poisson input; use an Exp* synapse")
    if key not in a.channels:
        a.channels.append(key)
    return a.channels.index(key)


def synapse_arrays(net: NetworkDescription, a: BuildParts, rng: np.random.Generator) -> None:
    exp_parts, chem_parts, gap_parts = [], [], []
    for proj in net.projections.values():
        # a self-connection (autapse) exists only within one population: between two
        # populations, pre index i and post index i are different neurons
        allow_self = proj.allow_self or proj.pre is not proj.post
        pre, post = connect(
            proj.rule,
            proj.pre.n,
            proj.post.n,
            rng,
            p=proj.p,
            k=proj.k,
            pairs=proj.pairs,
            allow_self=allow_self,
        )
        m = pre.size
        w = resolve(
            proj.weight if proj.weight is not None else proj.synapse.weight,
            m,
            rng,
            f"{proj.name}.weight",
        )
        if not isinstance(proj.synapse, ExpCurrentSynapse) and np.any(w < 0):
            raise InputError(
                f"projection {proj.name!r}: {int(np.sum(w < 0))} of {m} weights are "
                f"negative (min {float(w.min()):g}); they are conductances "
                "(mS/cm2) and must be >= 0 (inhibition comes from e_rev)"
            )
        d = to_steps(resolve(proj.delay, m, rng, f"{proj.name}.delay"), net.dt, proj.name)
        pre, post = pre + a.offsets[proj.pre.name], post + a.offsets[proj.post.name]
        syn = proj.synapse
        if isinstance(syn, GapJunction):
            keep = pre != post
            gap_parts.append((pre[keep], post[keep], w[keep]))
        elif isinstance(syn, ChemicalSynapse):
            start = sum(part[0].size for part in chem_parts)
            a.chem_index[proj.name] = slice(start, start + m)
            chem_parts.append((pre, post, d, _chem_params(syn, w, net.dt, proj.short_term)))
        else:
            ch = channel(a, syn)
            a.channel_of[proj.name] = ch
            start = sum(part[0].size for part in exp_parts)
            a.exp_index[proj.name] = slice(start, start + m)
            exp_parts.append((pre, post, np.full(m, ch, I64), w, d))
    pack_exp(net, a, exp_parts)
    _pack_chem(a, chem_parts)

    def cat(parts: list, j: int, dtype) -> np.ndarray:
        return np.concatenate([p[j] for p in parts]).astype(dtype) if parts else np.zeros(0, dtype)

    a.groups["gaps"] = dict(
        a=cat(gap_parts, 0, I64), b=cat(gap_parts, 1, I64), g=cat(gap_parts, 2, float)
    )


def _chem_params(
    syn: ChemicalSynapse, g_max: np.ndarray, dt: float, short_term: TsodyksMarkram | None
) -> np.ndarray:
    c = syn.constants()
    par = np.empty((lay.N_CHEM_PARAM, g_max.size))
    par[lay.CHEM_G_MAX] = g_max
    for row, key in (
        (lay.CHEM_RELEASE, "release"),
        (lay.CHEM_ALPHA, "alpha"),
        (lay.CHEM_BETA, "beta"),
        (lay.CHEM_E_REV, "e_rev"),
        (lay.CHEM_MG, "mg"),
    ):
        par[row] = c[key]
    par[lay.CHEM_CLEAR_DECAY] = math.exp(-c["k_clear"] * dt)
    par[lay.CHEM_CLEAR_HALF_DECAY] = math.exp(-c["k_clear"] * dt / 2)
    stp = short_term or TsodyksMarkram  # the class's defaults fill the rows U 0 leaves unused
    par[lay.CHEM_U] = short_term.U if short_term is not None else 0.0
    par[lay.CHEM_TAU_REC], par[lay.CHEM_TAU_FACIL] = stp.tau_rec, stp.tau_facil
    return par


def channel_weights(net: NetworkDescription, a: BuildParts, n: int) -> np.ndarray:
    """(k, n) weight of each current channel in each neuron's drive (the model says how it takes
    a channel: :meth:`NeuronModel.channel_weight`); conductance channels keep 1."""
    prop = np.ones((len(a.channels), n))
    for pop in net.populations.values():
        sl = slice(a.offsets[pop.name], a.offsets[pop.name] + pop.n)
        for c, (is_cond, tau_c, _) in enumerate(a.channels):
            if not is_cond:
                weight = pop.model.channel_weight(a.neurons["params"][:, sl], tau_c, net.dt)
                if weight is not None:
                    prop[c, sl] = weight
    return prop


def pack_exp(net: NetworkDescription, a: BuildParts, parts: list) -> None:
    n, dt, k = a.n, net.dt, len(a.channels)
    pre, post, ch, w, d = (
        np.concatenate([p[j] for p in parts]) if parts else np.zeros(0, I64) for j in range(5)
    )
    order = np.argsort(pre, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    # a re-pack (_grow_channels) sorts what is already sorted: positions compose
    a.exp_position = position if a.exp_position is None else position[a.exp_position]
    # a synapse is 17 bytes: target (uint32), channel (uint8), weight (float64), delay in steps
    # (uint32); unsigned, like the population bounds (see _neurons), and no wider than int64 so
    # that numba's arithmetic on them stays integer
    n_ring = int(d.max()) + 1 if d.size else 1
    if max(n, n_ring) > 2**32:
        raise InputError(
            f"{n} neurons, delays of up to {n_ring - 1} steps: the engine takes "
            "at most 2**32 of either"
        )
    ptr = np.zeros(n + 1, np.uint64)
    ptr[1:] = np.cumsum(np.bincount(pre, minlength=n))
    taus = np.array([c[1] for c in a.channels])
    a.groups["channels"] = dict(
        val=np.zeros((k, n)),
        decay=np.exp(-dt / taus) if k else np.zeros(0),
        is_cond=np.array([c[0] for c in a.channels], dtype=np.bool_),
        erev=np.array([c[2] for c in a.channels], dtype=float),
        prop=channel_weights(net, a, n),
        ring=np.zeros((n_ring, k, n)),
    )
    a.groups["exp"] = dict(
        ptr=ptr,
        post=post[order].astype(np.uint32),
        ch=ch[order].astype(np.uint8 if k <= 256 else np.uint16),
        w=w[order].astype(float),
        d=d[order].astype(np.uint32),
    )


def _pack_chem(a: BuildParts, parts: list) -> None:
    pre, post, d = (
        np.concatenate([p[j] for p in parts]).astype(I64) if parts else np.zeros(0, I64)
        for j in range(3)
    )
    par = np.hstack([p[3] for p in parts]) if parts else np.zeros((lay.N_CHEM_PARAM, 0))
    n_hist = int(d.max()) + 1 if d.size else 1
    a.groups["chem"] = dict(
        pre=pre,
        post=post,
        d=d,
        par=par,
        tr=_chemical_state(pre.size),
        spike_hist=np.zeros((n_hist, a.n), np.bool_),
    )


def _chemical_state(m: int) -> np.ndarray:
    tr = np.zeros((lay.N_CHEM_STATE, m))
    tr[lay.CHEM_LAST] = -1.0  # no spike has arrived yet
    return tr
