"""Clock-driven engine: one numba loop advances the whole network step by step.

Per step s (time t = s*dt -> t + dt):
1. chemical synapses and gap junctions turn the potentials at t into currents (held over the step);
   external current steps, noise (skipped in networks that have none of these, such as CUBA);
2. every population is advanced by its model kernel, a block of neurons at a time, right after
   the block's synaptic drive (currents plus exponential channels at t) is summed; in the same
   pass each channel moves on to t + dt: it decays and takes the arrivals that a delay ring slot
   holds for this step; spikes are flagged;
3. spikes reach their targets: exponential synapses without delay add their weight to the
   channel's value at t + dt (effect from the next step, as in Brian2), with delay d to ring slot
   (s + d); chemical synapses see the spike d steps later and release transmitter;
4. Poisson inputs arrive (like spikes without delay); the cleft concentration T and bound
   fraction r are advanced (a spike's release scaled by its Tsodyks–Markram efficacy);
5. plastic synapses learn from the step's spikes, volumes of transmitter (dopamine) are
   released and cleared (:mod:`axonlab.neuro.engine.learning`).

A spike at the end of step s (time (s+1)*dt) with delay d ms is therefore delivered at exactly
t_spike + d. Everything is a flat numpy array, handed over in named groups
(:mod:`axonlab.neuro.arrays.layout`).

Each population is advanced by its model's kernel, found by kind code in the model registry
(:data:`axonlab.neuro.models.REGISTRY`): the loop's dispatch has one slot per registered model.
Developer note: see :mod:`axonlab.neuro.engine.compiled` on numba's on-disk cache.

This module is over the ~400-line budget on purpose: :func:`run_steps` is the whole loop in one
compiled function (about 290 lines), and a reader should see the order of the stages in one
place. Its stages live in :mod:`~axonlab.neuro.engine.stages`, :mod:`~axonlab.neuro.engine.drive`
and :mod:`~axonlab.neuro.engine.learning`; splitting the loop body itself would put a numba call
boundary inside the step, which is where the time goes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from axonlab.neuro.arrays.layout import CHEM_G_MAX, REC_CURRENT, Loop
from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.drive import synaptic_drive
from axonlab.neuro.engine.learning import (
    modulate,
    pair_spikes,
    plastic_weights,
    release_into_volumes,
)
from axonlab.neuro.engine.stages import (
    advance_chemical,
    currents_in,
    deliver,
    poisson_arrivals,
    record,
)
from axonlab.neuro.models import REGISTRY

OK, BUFFER_FULL, UNSTABLE = 0, 1, 2
# Neurons are stepped in blocks of this many, so a block's drive (4 x 8 bytes per neuron, 64 KB)
# stays in L2 cache between being summed and being used; unsigned like the population bounds.
BLOCK = np.uint64(2048)
# initial spike buffer: room for this many spikes per neuron (16 bytes each; it doubles when
# full). 16 covers 1 s at 16 Hz; more would reserve memory that most runs never touch, and the
# memory estimate (axonlab.neuro.arrays.memory) counts it in full
SPIKES_PER_NEURON = 16


@jit
def seed_numba(seed):
    np.random.seed(seed)


# The loop takes arrays, not the named groups: run_steps unpacks the groups once per call, because
# every read of a group's field inside the step loop would take (and drop) a reference on its
# array, per block or per step (a few percent of the CUBA loop).

# The dispatch: slot k runs the kernel of the model of kind code k (the registry's order);
# slots past the registered models do nothing. Eight slots, so that a new model needs no edit
# here; the loop's code is recompiled when the registry changes (see axonlab.neuro.engine.compiled).
MAX_MODELS = 8


@jit
def _no_kernel(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
    pass


if len(REGISTRY) > MAX_MODELS:
    raise ImportError(
        f"{len(REGISTRY)} neuron models are registered; the engine's dispatch has "
        f"{MAX_MODELS} slots: raise MAX_MODELS in axonlab/neuro/engine/loop.py"
    )
_K0, _K1, _K2, _K3, _K4, _K5, _K6, _K7 = (
    *(model.kernel for model in REGISTRY),
    *(_no_kernel,) * (MAX_MODELS - len(REGISTRY)),
)


@jit
def run_steps(s0, s1, dt, loop, spk_idx, spk_t, status):
    """Advance steps s0..s1-1 of ``loop`` (a :class:`~axonlab.neuro.arrays.layout.Loop`), storing
    spikes (global neuron index, ms) in ``spk_idx``/``spk_t``. status: [code, step reached,
    spikes stored, bad neuron]."""
    # every field read here, by name, once per call (see the note above the helpers)
    nrn, chn, exp, chem, rec = loop.neurons, loop.channels, loop.exp, loop.chem, loop.rec
    seg_kind, seg_lo, seg_hi, seg_uniform = nrn.kind, nrn.lo, nrn.hi, nrn.uniform
    table_of, tables, state, params = nrn.table_of, nrn.tables, nrn.state, nrn.params
    ch_val, ch_decay, ch_is_cond, ch_erev = chn.val, chn.decay, chn.is_cond, chn.erev
    ch_prop, ring = chn.prop, chn.ring
    out_ptr, out_post, out_ch, out_w, out_d = exp.ptr, exp.post, exp.ch, exp.w, exp.d
    chem_pre, chem_post, chem_d, chem_par = chem.pre, chem.post, chem.d, chem.par
    chem_tr, spike_hist = chem.tr, chem.spike_hist
    pl = loop.plastic
    pl_on_chem, pl_where, pl_rule, pl_rules, pl_state = (
        pl.on_chem,
        pl.where,
        pl.rule,
        pl.rules,
        pl.state,
    )
    pl_pre_ptr, pl_pre_syn, pl_post_ptr, pl_post_syn = (
        pl.pre_ptr,
        pl.pre_syn,
        pl.post_ptr,
        pl.post_syn,
    )
    pl_gated = pl.gated
    vol = loop.volumes
    vol_conc, vol_base, vol_decay, vol_release, vol_lo, vol_hi = (
        vol.conc,
        vol.baseline,
        vol.decay,
        vol.release,
        vol.lo,
        vol.hi,
    )
    gap_a, gap_b, gap_g = loop.gaps.a, loop.gaps.b, loop.gaps.g
    stim_idx, stim_on, stim_off = loop.stimuli.idx, loop.stimuli.on, loop.stimuli.off
    stim_amp, stim_sd = loop.stimuli.amp, loop.stimuli.sd
    pois_idx, pois_lam, pois_ch, pois_w = (
        loop.poisson.idx,
        loop.poisson.lam,
        loop.poisson.ch,
        loop.poisson.w,
    )
    cur, na_charge, syn_charge = loop.acc.cur, loop.acc.na_charge, loop.acc.syn_charge
    rec_src, rec_row, rec_idx, rec_every, rec_buf = rec.src, rec.row, rec.idx, rec.every, rec.buf
    n = state.shape[1]
    # padded to whole 64-bit words so that the spike scan can skip 8 silent neurons at a time
    spiked = np.zeros((n + 7) // 8 * 8, dtype=np.bool_)
    spiked_words = spiked.view(np.uint64)
    spike_t = np.zeros(n)
    drive = np.zeros((4, BLOCK))
    has_conductance = False
    for c in range(ch_is_cond.size):
        has_conductance |= ch_is_cond[c]
    # currents other than the exponential channels: only then is ``cur`` kept (CUBA has none)
    track_currents = stim_idx.size + gap_a.size + chem_pre.size > 0
    for col in range(rec_src.size):
        track_currents |= rec_src[col] == REC_CURRENT
    n_ring, n_hist = ring.shape[0], spike_hist.shape[0]
    n_spk = status[2]
    for s in range(s0, s1):
        if n_spk + n > spk_idx.size:
            status[0], status[1], status[2] = BUFFER_FULL, s, n_spk
            return
        t = s * dt
        if track_currents:
            currents_in(
                s,
                state,
                cur,
                stim_idx,
                stim_on,
                stim_off,
                stim_amp,
                stim_sd,
                gap_a,
                gap_b,
                gap_g,
                chem_pre,
                chem_post,
                chem_par,
                chem_tr,
            )
        spiked[:] = False
        for g in range(seg_kind.size):
            kind, uniform = seg_kind[g], seg_uniform[g]
            table = tables[table_of[g]]
            for lo in range(seg_lo[g], seg_hi[g], BLOCK):
                hi = min(lo + BLOCK, seg_hi[g])
                synaptic_drive(
                    lo,
                    hi,
                    dt,
                    uniform,
                    has_conductance,
                    track_currents,
                    state,
                    cur,
                    ch_val,
                    ch_decay,
                    ch_is_cond,
                    ch_erev,
                    ch_prop,
                    ring,
                    s % n_ring,
                    drive,
                    syn_charge,
                )
                # the arguments written out in each call: a tuple of them, star-expanded, would
                # take a reference on each of its arrays per block (CUBA's step is ~10 us)
                if kind == 0:
                    _K0(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 1:
                    _K1(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 2:
                    _K2(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 3:
                    _K3(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 4:
                    _K4(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 5:
                    _K5(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 6:
                    _K6(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
                elif kind == 7:
                    _K7(
                        lo,
                        hi,
                        t,
                        dt,
                        state,
                        params,
                        uniform,
                        has_conductance,
                        drive,
                        spiked,
                        spike_t,
                        na_charge,
                        table,
                    )
        finite = True
        for i in range(n):  # branch-free, so it vectorises; the rare failure is located below
            finite &= abs(state[0, i]) < 1e6  # also catches NaN
        if not finite:
            bad = 0
            while abs(state[0, bad]) < 1e6:
                bad += 1
            status[0], status[1], status[2], status[3] = UNSTABLE, s, n_spk, bad
            return
        if chem_pre.size:
            spike_hist[s % n_hist, :] = spiked[:n]
        first_new = n_spk
        for w in range(spiked_words.size):
            if spiked_words[w]:
                for i in range(8 * w, 8 * w + 8):
                    if spiked[i]:
                        spk_idx[n_spk] = i
                        spk_t[n_spk] = spike_t[i]
                        n_spk += 1
        deliver(
            s,
            n_ring,
            spk_idx[first_new:n_spk],
            out_ptr,
            out_post,
            out_ch,
            out_w,
            out_d,
            ch_val,
            ring,
        )
        poisson_arrivals(ch_val, pois_idx, pois_lam, pois_ch, pois_w)
        advance_chemical(s, dt, n_hist, spike_hist, chem_pre, chem_d, chem_par, chem_tr)
        new_spikes = spk_idx[first_new:n_spk]
        if vol_conc.size:
            release_into_volumes(new_spikes, vol_conc, vol_base, vol_decay, vol_release, vol_lo,
                                 vol_hi)  # fmt: skip
        if pl_rule.size:
            pair_spikes((s + 1) * dt, new_spikes, pl_on_chem, pl_where, pl_rule, pl_rules,
                        pl_state, pl_pre_ptr, pl_pre_syn, pl_post_ptr, pl_post_syn, out_w,
                        chem_par)  # fmt: skip
            modulate(dt, pl_gated, pl_on_chem, pl_where, pl_rule, pl_rules, pl_state, vol_conc,
                     out_w, chem_par)  # fmt: skip
        record(s, ch_val, state, cur, chem_tr, pl_on_chem, pl_where, pl_state, out_w, chem_par,
                vol_conc, rec_src, rec_row, rec_idx, rec_every, rec_buf)  # fmt: skip
    status[0], status[1], status[2] = OK, s1, n_spk


@dataclass
class RawOutput:
    """What the loop produced: spikes (global neuron index, ms), recordings (one column per
    :class:`~axonlab.neuro.arrays.layout.RecordColumn`), and per global neuron index the Na+ charge
    through the models' own Na+ current and the inward synaptic charge (nC/cm2, the energy
    account); ``sim_seconds`` the loop's wall time."""

    spike_index: np.ndarray
    spike_time: np.ndarray
    recordings: np.ndarray
    na_charge: np.ndarray
    syn_charge: np.ndarray
    sim_seconds: float
    weights: np.ndarray  # (m,) final weight of each plastic synapse (PlasticSynapses order)
    chemical_g_max: np.ndarray  # (m,) final g_max of each chemical synapse (mS/cm2)


class Unstable(Exception):
    """Raised by :func:`simulate` with the step and global neuron index that blew up."""

    def __init__(self, step: int, neuron: int):
        super().__init__(step, neuron)
        self.step, self.neuron = step, neuron


def spike_buffer_capacity(n: int) -> int:
    """Spikes (16 bytes each: index and time) the buffer first holds for ``n`` neurons; it
    doubles when full."""
    return max(n * SPIKES_PER_NEURON, 4096)


def simulate(loop: Loop, dt: float, n_steps: int, seed: int) -> RawOutput:
    """Run ``loop`` for ``n_steps`` steps of ``dt`` ms, the loop's random stream seeded with
    ``seed``; ``sim_seconds`` times the loop only."""
    seed_numba(seed)
    status = np.zeros(4, dtype=np.int64)
    capacity = spike_buffer_capacity(loop.neurons.state.shape[1])
    spk_idx, spk_t = np.empty(capacity, np.int64), np.empty(capacity)
    # zero steps: compiles run_steps (or loads numba's cache) outside the timed loop
    run_steps(0, 0, dt, loop, spk_idx, spk_t, status)
    s, elapsed = 0, 0.0
    while True:
        start = time.perf_counter()
        run_steps(s, n_steps, dt, loop, spk_idx, spk_t, status)
        elapsed += time.perf_counter() - start
        if status[0] == UNSTABLE:
            raise Unstable(int(status[1]), int(status[3]))
        if status[0] == OK:
            break
        s = int(status[1])  # buffer full: grow and resume where it stopped
        spk_idx = np.concatenate([spk_idx, np.empty_like(spk_idx)])
        spk_t = np.concatenate([spk_t, np.empty_like(spk_t)])
    n_spk = int(status[2])
    return RawOutput(
        spk_idx[:n_spk],
        spk_t[:n_spk],
        loop.rec.buf,
        loop.acc.na_charge,
        loop.acc.syn_charge,
        elapsed,
        plastic_weights(loop.plastic.on_chem, loop.plastic.where, loop.exp.w, loop.chem.par),
        loop.chem.par[CHEM_G_MAX].copy(),
    )
