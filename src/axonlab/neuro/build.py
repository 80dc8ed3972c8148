"""Turn a network description (:class:`~axonlab.neuro.description.NetworkDescription`) into the
named groups of flat arrays the numba loop runs on (:mod:`axonlab.neuro.layout`).

Neurons of all populations share one global index (population after population). Exponential
synapses with the same (kind, tau, e_rev) share a *channel*: one value per neuron that decays with
tau. Their spikes travel through a ring buffer ``ring[delay slot, channel, neuron]``; chemical
synapses keep per-synapse T and r and look up the presynaptic spike d steps back.
One seed feeds separate random streams (initial state, connectivity, run-time noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro import layout as lay
from axonlab.neuro.build_parts import BuildParts
from axonlab.neuro.connect import connect, resolve
from axonlab.neuro.layout import Layout, Loop
from axonlab.neuro.learning_arrays import plastic_synapses, volumes
from axonlab.neuro.models import N_PARAM
from axonlab.neuro.plasticity import TsodyksMarkram
from axonlab.neuro.recording_arrays import recording
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


@dataclass
class Arrays:
    """What :func:`build` hands the engine: the :class:`Layout` (where everything sits, for
    reading results back), the :class:`Loop` (the groups of arrays the loop runs on) and the
    seed of the loop's own random stream (noise, Poisson), drawn from the network's seed."""

    layout: Layout
    loop: Loop
    run_seed: int

    @property
    def dt(self) -> float:
        return self.layout.dt

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the loop by ``group.field`` (``"exp.post"``, ``"neurons.uniform"``)."""
        return {
            f"{g}.{f}": a
            for g, group in zip(self.loop._fields, self.loop, strict=True)
            for f, a in zip(group._fields, group, strict=True)
        }


def _steps(ms: np.ndarray, dt: float, what: str) -> np.ndarray:
    if np.any(ms < 0):
        raise InputError(f"{what}: delays must be >= 0 ms")
    return np.round(ms / dt).astype(I64)


def build(net: NetworkDescription, n_steps: int) -> Arrays:
    """Flatten ``net`` for ``n_steps`` steps into a :class:`Layout` and a :class:`Loop`."""
    seed = net.seed if net.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    init_rng, conn_rng, run_seq = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    a = _neurons(net, init_rng)
    _synapses(net, a, conn_rng)
    _inputs(net, a, n_steps)
    _initial_channels(net, a, init_rng)
    a.groups["plastic"] = plastic_synapses(net, a)
    a.groups["volumes"] = volumes(net, a)
    a.groups["rec"] = recording(net, a, n_steps)
    a.neurons["uniform"] = _uniform_segments(a)
    g = a.groups
    loop = Loop(
        lay.Neurons(**a.neurons),
        lay.Channels(**g["channels"]),
        lay.ExpSynapses(**g["exp"]),
        lay.ChemicalSynapses(**g["chem"]),
        lay.PlasticSynapses(**g["plastic"]),
        lay.Volumes(**g["volumes"]),
        lay.GapJunctions(**g["gaps"]),
        lay.Stimuli(**g["stimuli"]),
        lay.PoissonInputs(**g["poisson"]),
        lay.Accumulators(**g["acc"]),
        lay.Recording(**g["rec"]),
    )
    layout = Layout(net.dt, seed, a.offsets, a.sizes, a.c_m, a.columns, a.plastic_index,
                    a.chem_index)  # fmt: skip
    return Arrays(layout, loop, int(run_seq.integers(2**31)))


def _uniform_segments(a: BuildParts) -> np.ndarray:
    """Per population: do all its neurons share one parameter column (and channel weighting)?
    The kernels then read those parameters once per block instead of once per neuron."""
    uniform = []
    for lo, hi in zip(a.neurons["lo"], a.neurons["hi"], strict=True):
        cols = slice(int(lo), int(hi))
        uniform.append(
            all(
                bool(np.all(rows[:, cols] == rows[:, cols.start : cols.start + 1]))
                for rows in (a.neurons["params"], a.groups["channels"]["prop"])
            )
        )
    return np.array(uniform, dtype=np.bool_)


def _neurons(net: NetworkDescription, rng: np.random.Generator) -> BuildParts:
    offsets, sizes, kinds, lo, hi, states, params, c_m = {}, {}, [], [], [], [], [], []
    tables: dict[type, int] = {}  # model class -> its table's index (one per model and dt)
    table_list, table_of = [], []
    at = 0
    for pop in net.populations.values():
        offsets[pop.name], sizes[pop.name] = at, pop.n
        model = pop.model
        v0 = resolve(
            pop.v_init if pop.v_init is not None else model.resting_potential,
            pop.n,
            rng,
            f"{pop.name}.v_init",
        )
        if type(model) not in tables:
            table = model.table(net.dt)
            tables[type(model)] = len(table_list) if table is not None else -1
            if table is not None:
                table_list.append(table)
        kinds.append(model.kind)
        table_of.append(max(tables[type(model)], 0))
        lo.append(at)
        hi.append(at + pop.n)
        states.append(model.initial_state(v0))
        params.append(model.param_matrix(pop.n, net.dt))
        c_m.append(model.membrane_capacitance(pop.n))
        at += pop.n
    # unsigned bounds: numba then skips negative-index wraparound in the kernels' loops, which
    # lets LLVM vectorise them (3x faster LIF steps)
    neurons = dict(
        kind=np.array(kinds, I64),
        lo=np.array(lo, np.uint64),
        hi=np.array(hi, np.uint64),
        table_of=np.array(table_of, I64),
        state=np.hstack(states),
        params=np.hstack(params).reshape(N_PARAM, at),
        tables=_stack_tables(table_list),
    )
    return BuildParts(net.dt, offsets, sizes, np.concatenate(c_m), neurons)


def _stack_tables(tables: list[np.ndarray]) -> np.ndarray:
    """The models' lookup tables as one (k, rows, cols) array, zero-padded to the largest; a
    small placeholder when no model has one."""
    if not tables:
        return np.zeros((1, 3, 6))
    rows, cols = max(t.shape[0] for t in tables), max(t.shape[1] for t in tables)
    out = np.zeros((len(tables), rows, cols))
    for k, t in enumerate(tables):
        out[k, : t.shape[0], : t.shape[1]] = t
    return out


def _channel(a: BuildParts, syn: Synapse) -> int:
    if isinstance(syn, ExpConductanceSynapse):
        key = (True, float(syn.tau), float(syn.e_rev))
    elif isinstance(syn, ExpCurrentSynapse):
        key = (False, float(syn.tau), 0.0)
    else:
        raise InputError(f"{type(syn).__name__} cannot carry Poisson input; use an Exp* synapse")
    if key not in a.channels:
        a.channels.append(key)
    return a.channels.index(key)


def _synapses(net: NetworkDescription, a: BuildParts, rng: np.random.Generator) -> None:
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
        d = _steps(resolve(proj.delay, m, rng, f"{proj.name}.delay"), net.dt, proj.name)
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
            ch = _channel(a, syn)
            a.channel_of[proj.name] = ch
            start = sum(part[0].size for part in exp_parts)
            a.exp_index[proj.name] = slice(start, start + m)
            exp_parts.append((pre, post, np.full(m, ch, I64), w, d))
    _pack_exp(net, a, exp_parts)
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


def _channel_weights(net: NetworkDescription, a: BuildParts, n: int) -> np.ndarray:
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


def _pack_exp(net: NetworkDescription, a: BuildParts, parts: list) -> None:
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
        prop=_channel_weights(net, a, n),
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


def _inputs(net: NetworkDescription, a: BuildParts, n_steps: int) -> None:
    rng = np.random.default_rng(0)  # only used if a current is a distribution
    idx, on, off, amp, sd = [], [], [], [], []
    for stim in net.stimuli:
        pop = stim.population
        idx.append(a.offsets[pop.name] + np.arange(pop.n))
        start = int(round(stim.start / net.dt))
        stop = n_steps if stim.stop is None else int(round(stim.stop / net.dt))
        on.append(np.full(pop.n, start))
        off.append(np.full(pop.n, stop))
        amp.append(resolve(stim.current, pop.n, rng, f"stimulus of {pop.name}"))
        sd.append(np.full(pop.n, float(stim.noise)))
    pidx, lam, pch, pw = [], [], [], []
    for item in net.poisson_inputs:
        pop = item.population
        pidx.append(a.offsets[pop.name] + np.arange(pop.n))
        lam.append(np.full(pop.n, item.rate_hz * 1e-3 * net.dt * item.n_sources))
        pch.append(np.full(pop.n, _channel(a, item.synapse)))
        pw.append(np.full(pop.n, float(item.synapse.weight)))
    if net.poisson_inputs and a.groups["channels"]["val"].shape[0] != len(a.channels):
        _grow_channels(net, a)
    cat = lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype)  # noqa: E731
    a.groups["stimuli"] = dict(
        idx=cat(idx, I64),
        on=cat(on, I64),
        off=cat(off, I64),
        amp=cat(amp, float),
        sd=cat(sd, float),
    )
    a.groups["poisson"] = dict(
        idx=cat(pidx, I64), lam=cat(lam, float), ch=cat(pch, I64), w=cat(pw, float)
    )
    a.groups["acc"] = dict(
        cur=np.zeros((3, a.n)), na_charge=np.zeros(a.n), syn_charge=np.zeros(a.n)
    )


def _grow_channels(net: NetworkDescription, a: BuildParts) -> None:
    """Poisson inputs added channels after the synapses were packed: re-pack the channel arrays."""
    e = a.groups["exp"]
    pre = np.repeat(np.arange(a.n, dtype=I64), np.diff(e["ptr"]).astype(I64))
    _pack_exp(
        net, a, [(pre, e["post"].astype(I64), e["ch"].astype(I64), e["w"], e["d"].astype(I64))]
    )


def _initial_channels(net: NetworkDescription, a: BuildParts, rng: np.random.Generator) -> None:
    """Start channels at each population's ``synapse_init`` (after any re-packing zeroed them)."""
    for pop in net.populations.values():
        started: dict[int, str] = {}
        for proj_name, value in pop.synapse_init.items():
            proj = net.projections.get(proj_name)
            if proj is None or proj.post is not pop or proj_name not in a.channel_of:
                incoming = sorted(
                    j.name
                    for j in net.projections.values()
                    if j.post is pop and j.name in a.channel_of
                )
                raise InputError(
                    f"{pop.name}.synapse_init: {proj_name!r} is not an incoming "
                    f"projection of exponential synapses; expected one of {incoming}"
                )
            channel = a.channel_of[proj_name]
            if channel in started:  # same (kind, tau, e_rev): both feed one channel
                raise InputError(
                    f"{pop.name}.synapse_init: {started[channel]!r} and "
                    f"{proj_name!r} share one synaptic channel (same synapse type, "
                    "tau and e_rev); give its initial value once"
                )
            started[channel] = proj_name
            lo = a.offsets[pop.name]
            a.groups["channels"]["val"][channel, lo : lo + pop.n] = resolve(
                value, pop.n, rng, f"{pop.name}.synapse_init.{proj_name}"
            )
