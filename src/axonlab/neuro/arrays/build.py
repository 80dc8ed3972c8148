"""Turn a network description (:class:`~axonlab.neuro.description.NetworkDescription`) into the
named groups of flat arrays the numba loop runs on (:mod:`axonlab.neuro.arrays.layout`).

Neurons of all populations share one global index (population after population). Exponential
synapses with the same (kind, tau, e_rev) share a *channel*: one value per neuron that decays with
tau. Their spikes travel through a ring buffer ``ring[delay slot, channel, neuron]``; chemical
synapses keep per-synapse T and r and look up the presynaptic spike d steps back.
One seed feeds separate random streams (initial state, connectivity, run-time noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.arrays import layout as lay
from axonlab.neuro.arrays.layout import Layout, Loop
from axonlab.neuro.arrays.learning import plastic_synapses, volumes
from axonlab.neuro.arrays.parts import BuildParts
from axonlab.neuro.arrays.recording import recording
from axonlab.neuro.arrays.synapses import channel, pack_exp, synapse_arrays
from axonlab.neuro.connect import resolve
from axonlab.neuro.models import N_PARAM

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


def build(net: NetworkDescription, n_steps: int) -> Arrays:
    """Flatten ``net`` for ``n_steps`` steps into a :class:`Layout` and a :class:`Loop`."""
    seed = net.seed if net.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    init_rng, conn_rng, run_seq = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    a = _neurons(net, init_rng)
    synapse_arrays(net, a, conn_rng)
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
        pch.append(np.full(pop.n, channel(a, item.synapse)))
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
    pack_exp(
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
