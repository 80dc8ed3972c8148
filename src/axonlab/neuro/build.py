"""Turn a :class:`Network` description into the flat arrays the numba loop runs on.

Neurons of all populations share one global index (population after population). Exponential
synapses with the same (kind, tau, e_rev) share a *channel*: one value per neuron that decays with
tau. Their spikes travel through a ring buffer ``ring[delay slot, channel, neuron]``; chemical
synapses keep per-synapse T and r and look up the presynaptic spike d steps back.
One seed feeds separate random streams (initial state, connectivity, run-time noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.connect import connect, resolve
from axonlab.neuro.kernels import traub_miles_gate_table
from axonlab.neuro.models import LIF, N_PARAM, TraubMiles
from axonlab.neuro.synapses import (
    ChemicalSynapse,
    ExpConductanceSynapse,
    ExpCurrentSynapse,
    GapJunction,
    Synapse,
)

CURRENT_ROWS = {"i_ext": 0, "i_gap": 1, "i_syn": 2}
I64 = np.int64


@dataclass
class RecordColumn:
    """One recorded quantity: ``var`` of element ``index`` of population/projection ``target``."""

    target: str
    var: str
    index: int
    every: int  # steps


@dataclass
class Arrays:
    dt: float
    seed: int  # the network's seed (drawn if it had none): it reproduces the whole run
    offsets: dict[str, int]
    seg_kind: np.ndarray
    seg_lo: np.ndarray
    seg_hi: np.ndarray
    state: np.ndarray
    params: np.ndarray
    c_m: np.ndarray
    channels: list[tuple[bool, float, float]]
    channel_of: dict[str, int]
    chem_index: dict[str, slice] = field(default_factory=dict)
    n_synapses: dict[str, int] = field(default_factory=dict)
    columns: list[RecordColumn] = field(default_factory=list)
    loop: dict[str, np.ndarray] = field(default_factory=dict)
    run_seed: int = 0  # seeds the loop's own random stream (noise, Poisson), drawn from ``seed``

    def loop_arguments(self) -> tuple:
        L = self.loop
        return (self.seg_kind, self.seg_lo, self.seg_hi, L["seg_uniform"], self.state,
                self.params,
                L["gate_table"], L["cur"],
                L["ch_val"], L["ch_decay"], L["ch_is_cond"], L["ch_erev"], L["ch_prop"], L["ring"],
                L["out_ptr"], L["out_post"], L["out_ch"], L["out_w"], L["out_d"],
                L["chem_pre"], L["chem_post"], L["chem_d"], L["chem_par"], L["chem_tr"],
                L["spike_hist"], L["gap_a"], L["gap_b"], L["gap_g"], L["stim_idx"], L["stim_on"],
                L["stim_off"], L["stim_amp"], L["stim_sd"], L["pois_idx"], L["pois_lam"],
                L["pois_ch"], L["pois_w"], self.na_charge, self.syn_charge, L["rec_src"],
                L["rec_row"], L["rec_idx"], L["rec_every"], self.rec_buf)

    @property
    def na_charge(self) -> np.ndarray:
        return self.loop["na_charge"]

    @property
    def syn_charge(self) -> np.ndarray:
        return self.loop["syn_charge"]

    @property
    def rec_buf(self) -> np.ndarray:
        return self.loop["rec_buf"]

    def population_of(self, neuron: int) -> str:
        """Name of the population holding global neuron index ``neuron``."""
        name = ""
        for pop, lo in self.offsets.items():
            if neuron >= lo:
                name = pop
        return name


def _steps(ms: np.ndarray, dt: float, what: str) -> np.ndarray:
    if np.any(ms < 0):
        raise InputError(f"{what}: delays must be >= 0 ms")
    return np.round(ms / dt).astype(I64)


def build(net, n_steps: int) -> Arrays:
    """Flatten ``net`` (a :class:`axonlab.neuro.network.Network`) for ``n_steps`` steps."""
    seed = net.seed if net.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    init_rng, conn_rng, run_seq = (np.random.default_rng(s) for s in
                                   np.random.SeedSequence(seed).spawn(3))
    a = _neurons(net, init_rng, seed)
    n = a.state.shape[1]
    _synapses(net, a, conn_rng, n)
    _inputs(net, a, n_steps)
    _initial_channels(net, a, init_rng)
    _recording(net, a, n_steps)
    a.loop["seg_uniform"] = _uniform_segments(a)
    a.run_seed = int(run_seq.integers(2**31))
    return a


def _uniform_segments(a: Arrays) -> np.ndarray:
    """Per population: do all its neurons share one parameter column (and channel weighting)?
    The kernels then read those parameters once per block instead of once per neuron."""
    uniform = []
    for lo, hi in zip(a.seg_lo, a.seg_hi, strict=True):
        cols = slice(int(lo), int(hi))
        uniform.append(all(bool(np.all(rows[:, cols] == rows[:, cols.start:cols.start + 1]))
                           for rows in (a.params, a.loop["ch_prop"])))
    return np.array(uniform, dtype=np.bool_)


def _neurons(net, rng, seed: int) -> Arrays:
    offsets, kinds, lo, hi, states, params, c_m = {}, [], [], [], [], [], []
    at = 0
    for pop in net.populations.values():
        offsets[pop.name] = at
        model = pop.model
        v0 = resolve(pop.v_init if pop.v_init is not None else model.resting_potential,
                     pop.n, rng, f"{pop.name}.v_init")
        p = model.param_matrix(pop.n, net.dt)
        if isinstance(model, LIF):
            p[6] = np.exp(-net.dt / p[0])
            p[7] = np.round(p[5] / net.dt)
            p[8] = p[0] / p[1]
        kinds.append(model.kind)
        lo.append(at)
        hi.append(at + pop.n)
        states.append(model.initial_state(v0))
        params.append(p)
        c_m.append(model.membrane_capacitance(pop.n))
        at += pop.n
    # unsigned bounds: numba then skips negative-index wraparound in the kernels' loops, which
    # lets LLVM vectorise them (3x faster LIF steps)
    lo, hi = np.array(lo, np.uint64), np.array(hi, np.uint64)
    a = Arrays(net.dt, seed, offsets, np.array(kinds, I64), lo, hi, np.hstack(states),
               np.hstack(params).reshape(N_PARAM, at), np.concatenate(c_m), [], {})
    has_traub = any(isinstance(p.model, TraubMiles) for p in net.populations.values())
    a.loop["gate_table"] = traub_miles_gate_table(net.dt) if has_traub else np.zeros((3, 6))
    return a


def _channel(a: Arrays, syn: Synapse) -> int:
    if isinstance(syn, ExpConductanceSynapse):
        key = (True, float(syn.tau), float(syn.e_rev))
    elif isinstance(syn, ExpCurrentSynapse):
        key = (False, float(syn.tau), 0.0)
    else:
        raise InputError(f"{type(syn).__name__} cannot carry Poisson input; use an Exp* synapse")
    if key not in a.channels:
        a.channels.append(key)
    return a.channels.index(key)


def _synapses(net, a: Arrays, rng, n: int) -> None:
    exp_parts, chem_parts, gap_parts = [], [], []
    for proj in net.projections.values():
        # a self-connection (autapse) exists only within one population: between two
        # populations, pre index i and post index i are different neurons
        allow_self = proj.allow_self or proj.pre is not proj.post
        pre, post = connect(proj.rule, proj.pre.n, proj.post.n, rng, p=proj.p, k=proj.k,
                            pairs=proj.pairs, allow_self=allow_self)
        m = pre.size
        a.n_synapses[proj.name] = m
        w = resolve(proj.weight if proj.weight is not None else proj.synapse.weight, m, rng,
                    f"{proj.name}.weight")
        if not isinstance(proj.synapse, ExpCurrentSynapse) and np.any(w < 0):
            raise InputError(f"projection {proj.name!r}: {int(np.sum(w < 0))} of {m} weights are "
                             f"negative (min {float(w.min()):g}); they are conductances "
                             "(mS/cm2) and must be >= 0 (inhibition comes from e_rev)")
        d = _steps(resolve(proj.delay, m, rng, f"{proj.name}.delay"), net.dt, proj.name)
        pre, post = pre + a.offsets[proj.pre.name], post + a.offsets[proj.post.name]
        syn = proj.synapse
        if isinstance(syn, GapJunction):
            keep = pre != post
            gap_parts.append((pre[keep], post[keep], w[keep]))
        elif isinstance(syn, ChemicalSynapse):
            start = sum(part[0].size for part in chem_parts)
            a.chem_index[proj.name] = slice(start, start + m)
            chem_parts.append((pre, post, d, _chem_params(syn, w, net.dt)))
        else:
            ch = _channel(a, syn)
            a.channel_of[proj.name] = ch
            exp_parts.append((pre, post, np.full(m, ch, I64), w, d))
    _pack_exp(a, exp_parts, n, net.dt)
    _pack_chem(a, chem_parts, n)
    cat = lambda parts, j, dtype: (np.concatenate([p[j] for p in parts]).astype(dtype)  # noqa: E731
                                   if parts else np.zeros(0, dtype))
    a.loop.update(gap_a=cat(gap_parts, 0, I64), gap_b=cat(gap_parts, 1, I64),
                  gap_g=cat(gap_parts, 2, float))


def _chem_params(syn: ChemicalSynapse, g_max: np.ndarray, dt: float) -> np.ndarray:
    c = syn.constants()
    par = np.empty((8, g_max.size))
    par[0] = g_max
    par[1:6] = np.array([c["release"], c["alpha"], c["beta"], c["e_rev"], c["mg"]])[:, None]
    par[6], par[7] = math.exp(-c["k_clear"] * dt), math.exp(-c["k_clear"] * dt / 2)
    return par


def _pack_exp(a: Arrays, parts, n: int, dt: float) -> None:
    k = len(a.channels)
    pre, post, ch, w, d = (np.concatenate([p[j] for p in parts]) if parts else np.zeros(0, I64)
                           for j in range(5))
    order = np.argsort(pre, kind="stable")
    # a synapse is 17 bytes: target (uint32), channel (uint8), weight (float64), delay in steps
    # (uint32); unsigned, like the population bounds (see _neurons), and no wider than int64 so
    # that numba's arithmetic on them stays integer
    n_ring = int(d.max()) + 1 if d.size else 1
    if max(n, n_ring) > 2**32:
        raise InputError(f"{n} neurons, delays of up to {n_ring - 1} steps: the engine takes "
                         "at most 2**32 of either")
    ptr = np.zeros(n + 1, np.uint64)
    ptr[1:] = np.cumsum(np.bincount(pre, minlength=n))
    taus = np.array([c[1] for c in a.channels])
    prop = np.ones((k, n))  # a current channel enters the other models as the current itself
    for g, kind in enumerate(a.seg_kind):
        if kind != LIF.kind:
            continue
        sl = slice(a.seg_lo[g], a.seg_hi[g])
        tau_m, c_m = a.params[0, sl], a.params[1, sl]
        for c, (is_cond, tau_c, _) in enumerate(a.channels):
            if is_cond:
                continue
            same = np.isclose(tau_m, tau_c)
            with np.errstate(divide="ignore", invalid="ignore"):
                exact = (tau_m * tau_c / (c_m * (tau_c - tau_m))
                         * (np.exp(-dt / tau_c) - np.exp(-dt / tau_m)))
            prop[c, sl] = np.where(same, dt / c_m * np.exp(-dt / tau_m), exact)
    a.loop.update(
        ch_val=np.zeros((k, n)), ch_decay=np.exp(-dt / taus) if k else np.zeros(0),
        ch_is_cond=np.array([c[0] for c in a.channels], dtype=np.bool_),
        ch_erev=np.array([c[2] for c in a.channels], dtype=float), ch_prop=prop,
        ring=np.zeros((n_ring, k, n)), out_ptr=ptr, out_post=post[order].astype(np.uint32),
        out_ch=ch[order].astype(np.uint8 if k <= 256 else np.uint16),
        out_w=w[order].astype(float), out_d=d[order].astype(np.uint32),
    )


def _pack_chem(a: Arrays, parts, n: int) -> None:
    pre, post, d = (np.concatenate([p[j] for p in parts]).astype(I64) if parts
                    else np.zeros(0, I64) for j in range(3))
    par = np.hstack([p[3] for p in parts]) if parts else np.zeros((8, 0))
    n_hist = int(d.max()) + 1 if d.size else 1
    a.loop.update(chem_pre=pre, chem_post=post, chem_d=d, chem_par=par,
                  chem_tr=np.zeros((2, pre.size)), spike_hist=np.zeros((n_hist, n), np.bool_))


def _inputs(net, a: Arrays, n_steps: int) -> None:
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
    if net.poisson_inputs and a.loop["ch_val"].shape[0] != len(a.channels):
        _grow_channels(a, net.dt)
    cat = lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype)  # noqa: E731
    a.loop.update(stim_idx=cat(idx, I64), stim_on=cat(on, I64), stim_off=cat(off, I64),
                  stim_amp=cat(amp, float), stim_sd=cat(sd, float), pois_idx=cat(pidx, I64),
                  pois_lam=cat(lam, float), pois_ch=cat(pch, I64), pois_w=cat(pw, float),
                  cur=np.zeros((3, a.state.shape[1])), na_charge=np.zeros(a.state.shape[1]),
                  syn_charge=np.zeros(a.state.shape[1]))


def _grow_channels(a: Arrays, dt: float) -> None:
    """Poisson inputs added channels after the synapses were packed: re-pack the channel arrays."""
    L = a.loop
    n = a.state.shape[1]
    pre = np.repeat(np.arange(n, dtype=I64), np.diff(L["out_ptr"]).astype(I64))
    _pack_exp(a, [(pre, *(L[key].astype(I64) for key in ("out_post", "out_ch")), L["out_w"],
                   L["out_d"].astype(I64))], n, dt)


def _initial_channels(net, a: Arrays, rng) -> None:
    """Start channels at each population's ``synapse_init`` (after any re-packing zeroed them)."""
    for pop in net.populations.values():
        started: dict[int, str] = {}
        for proj_name, value in pop.synapse_init.items():
            proj = net.projections.get(proj_name)
            if proj is None or proj.post is not pop or proj_name not in a.channel_of:
                incoming = sorted(j.name for j in net.projections.values()
                                  if j.post is pop and j.name in a.channel_of)
                raise InputError(f"{pop.name}.synapse_init: {proj_name!r} is not an incoming "
                                 f"projection of exponential synapses; expected one of {incoming}")
            channel = a.channel_of[proj_name]
            if channel in started:  # same (kind, tau, e_rev): both feed one channel
                raise InputError(f"{pop.name}.synapse_init: {started[channel]!r} and "
                                 f"{proj_name!r} share one synaptic channel (same synapse type, "
                                 "tau and e_rev); give its initial value once")
            started[channel] = proj_name
            lo = a.offsets[pop.name]
            a.loop["ch_val"][channel, lo:lo + pop.n] = resolve(
                value, pop.n, rng, f"{pop.name}.synapse_init.{proj_name}")


def _default_monitors(net) -> list:
    """Small populations record v, small chemical projections T and r, unless monitored."""
    from axonlab.neuro.network import DEFAULT_TRACE_LIMIT, Monitor

    watched = {m.target for m in net.monitors}
    out = [Monitor(p.name, ("v",)) for p in net.populations.values()
           if p.name not in watched and p.n <= DEFAULT_TRACE_LIMIT]
    out += [Monitor(j.name, ("T", "r")) for j in net.projections.values()
            if j.name not in watched and isinstance(j.synapse, ChemicalSynapse)
            and j.pre.n * j.post.n <= DEFAULT_TRACE_LIMIT]
    return out


def _source(net, a: Arrays, target: str, var: str) -> tuple[int, int, int, int]:
    """(source code, row, global offset, element count) of ``var`` of ``target``."""
    if target in a.chem_index:
        if var not in ("T", "r"):
            raise InputError(f"monitor {target!r}: a chemical projection records 'T' or 'r'")
        sl = a.chem_index[target]
        return 2, ("T", "r").index(var), sl.start, sl.stop - sl.start
    if target in net.projections:
        raise InputError(f"monitor {target!r}: only chemical projections have state to record")
    pop = net.populations[target]
    size = (a.offsets[pop.name], pop.n)
    if var in pop.model.state_names:
        return (0, pop.model.state_names.index(var)) + size
    if var in CURRENT_ROWS:
        return (4, CURRENT_ROWS[var]) + size
    incoming = {j.name for j in net.projections.values() if j.post is pop}
    if var in incoming and var in a.channel_of:
        return (1, a.channel_of[var]) + size
    allowed = [*pop.model.state_names, *CURRENT_ROWS, *sorted(incoming & set(a.channel_of))]
    raise InputError(f"monitor {target!r}: unknown variable {var!r}; expected one of {allowed}")


def _recording(net, a: Arrays, n_steps: int) -> None:
    src, row, idx, every = [], [], [], []
    for mon in [*net.monitors, *_default_monitors(net)]:
        step = max(1, int(round(mon.every / net.dt))) if mon.every else 1
        for var in mon.variables:
            code, r, offset, count = _source(net, a, mon.target, var)
            chosen = range(count) if mon.neurons is None else mon.neurons
            for i in chosen:
                if not 0 <= i < count:
                    raise InputError(f"monitor {mon.target!r}: index {i} outside 0..{count - 1}")
                a.columns.append(RecordColumn(mon.target, var, int(i), step))
                src.append(code)
                row.append(r)
                idx.append(offset + int(i))
                every.append(step)
    rows = n_steps // min(every, default=1) + 1
    buf = np.full((rows, len(src)), np.nan)
    for col, (code, r, i) in enumerate(zip(src, row, idx, strict=True)):
        buf[0, col] = (a.state[r, i] if code == 0 else a.loop["ch_val"][r, i] if code == 1
                       else 0.0)
    a.loop.update(rec_src=np.array(src, I64), rec_row=np.array(row, I64),
                  rec_idx=np.array(idx, I64), rec_every=np.array(every, I64), rec_buf=buf)
