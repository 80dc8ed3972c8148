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
   fraction r are advanced.

A spike at the end of step s (time (s+1)*dt) with delay d ms is therefore delivered at exactly
t_spike + d. Everything is a flat numpy array (see :class:`axonlab.neuro.build.Arrays`).

Developer note: see :mod:`axonlab.neuro.compiled` on numba's on-disk cache after editing the
kernels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from axonlab.neuro.compiled import jit
from axonlab.neuro.drive import synaptic_drive
from axonlab.neuro.kernels import step_adex, step_hh, step_izhikevich, step_lif, step_traub_miles
from axonlab.neuro.models import KIND_ADEX, KIND_HH, KIND_IZHIKEVICH, KIND_LIF, KIND_TRAUB_MILES

OK, BUFFER_FULL, UNSTABLE = 0, 1, 2
# Neurons are stepped in blocks of this many, so a block's drive (4 x 8 bytes per neuron, 64 KB)
# stays in L2 cache between being summed and being used; unsigned like the population bounds.
BLOCK = np.uint64(2048)
# initial spike buffer: room for this many spikes per neuron (16 bytes each; it doubles when
# full). 16 covers 1 s at 16 Hz; more would reserve memory that most runs never touch, and the
# memory estimate (axonlab.neuro.memory) counts it in full
SPIKES_PER_NEURON = 16


@jit
def seed_numba(seed):
    np.random.seed(seed)


@jit
def _inputs(s, dt, a_state, cur, stim_idx, stim_on, stim_off, stim_amp, stim_sd,
            gap_a, gap_b, gap_g, chem_pre, chem_post, chem_par, chem_tr):
    """Currents at t into ``cur`` (rows as in :func:`synaptic_drive`)."""
    cur[:, :] = 0.0
    for k in range(stim_idx.size):
        if stim_on[k] <= s < stim_off[k]:
            noise = stim_sd[k] * np.random.standard_normal() if stim_sd[k] > 0.0 else 0.0
            cur[0, stim_idx[k]] += stim_amp[k] + noise
    for k in range(gap_a.size):
        i_ab = gap_g[k] * (a_state[0, gap_b[k]] - a_state[0, gap_a[k]])  # into a
        cur[1, gap_a[k]] += i_ab
        cur[1, gap_b[k]] -= i_ab
    for j in range(chem_pre.size):
        v = a_state[0, chem_post[j]]
        block = 1.0
        if chem_par[5, j] > 0.0:  # Mg2+ block (Jahr & Stevens 1990)
            block = 1.0 / (1.0 + chem_par[5, j] / 3.57 * math.exp(-0.062 * v))
        cur[2, chem_post[j]] += chem_par[0, j] * chem_tr[1, j] * (chem_par[4, j] - v) * block


@jit
def _deliver(s, n_ring, new_spikes, out_ptr, out_post, out_ch, out_w, out_d, ch_val, ring):
    """Spikes of step s reach their channels: without delay straight into the values at t + dt
    (the channels were advanced while the drive was summed), otherwise d steps later through
    the ring's slot (s + d), which :func:`synaptic_drive` adds in at step s + d."""
    for i in new_spikes:
        for k in range(out_ptr[i], out_ptr[i + 1]):  # uint64: no wraparound checks
            if out_d[k] == 0:
                ch_val[out_ch[k], out_post[k]] += out_w[k]
            else:
                ring[(s + out_d[k]) % n_ring, out_ch[k], out_post[k]] += out_w[k]


@jit
def _poisson_arrivals(ch_val, pois_idx, pois_lam, pois_ch, pois_w):
    for k in range(pois_idx.size):
        ch_val[pois_ch[k], pois_idx[k]] += pois_w[k] * np.random.poisson(pois_lam[k])


@jit
def _advance_chemical(s, dt, n_hist, spike_hist, chem_pre, chem_d, chem_par, chem_tr):
    # chem_par rows: g_max, release, alpha, beta, e_rev, mg, exp(-k dt), exp(-k dt/2)
    for j in range(chem_pre.size):
        t_mid = chem_tr[0, j] * chem_par[7, j]  # T at mid-step drives binding
        rate = chem_par[2, j] * t_mid + chem_par[3, j]
        r_inf = chem_par[2, j] * t_mid / rate
        chem_tr[1, j] = r_inf + (chem_tr[1, j] - r_inf) * math.exp(-dt * rate)
        chem_tr[0, j] *= chem_par[6, j]
        if spike_hist[(s - chem_d[j]) % n_hist, chem_pre[j]]:
            chem_tr[0, j] += chem_par[1, j]


@jit
def _record(s, ch_val, state, cur, chem_tr, rec_src, rec_row, rec_idx, rec_every, rec_buf):
    for col in range(rec_src.size):
        if (s + 1) % rec_every[col] != 0:
            continue
        row, idx, src = rec_row[col], rec_idx[col], rec_src[col]
        if src == 0:
            val = state[row, idx]
        elif src == 1:
            val = ch_val[row, idx]
        elif src == 2:
            val = chem_tr[row, idx]
        else:
            val = cur[row, idx]
        rec_buf[(s + 1) // rec_every[col], col] = val


@jit
def run_steps(s0, s1, dt, seg_kind, seg_lo, seg_hi, seg_uniform, state, params, gate_table, cur,
              ch_val, ch_decay, ch_is_cond, ch_erev, ch_prop, ring,
              out_ptr, out_post, out_ch, out_w, out_d,
              chem_pre, chem_post, chem_d, chem_par, chem_tr, spike_hist,
              gap_a, gap_b, gap_g, stim_idx, stim_on, stim_off, stim_amp, stim_sd,
              pois_idx, pois_lam, pois_ch, pois_w, na_charge, syn_charge,
              rec_src, rec_row, rec_idx, rec_every, rec_buf, spk_idx, spk_t, status):
    """Advance steps s0..s1-1. status: [code, step reached, spikes stored, bad neuron]."""
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
        track_currents |= rec_src[col] == 4
    n_ring, n_hist = ring.shape[0], spike_hist.shape[0]
    n_spk = status[2]
    for s in range(s0, s1):
        if n_spk + n > spk_idx.size:
            status[0], status[1], status[2] = BUFFER_FULL, s, n_spk
            return
        t = s * dt
        if track_currents:
            _inputs(s, dt, state, cur, stim_idx, stim_on, stim_off, stim_amp, stim_sd,
                    gap_a, gap_b, gap_g, chem_pre, chem_post, chem_par, chem_tr)
        spiked[:] = False
        for g in range(seg_kind.size):
            kind, uniform = seg_kind[g], seg_uniform[g]
            for lo in range(seg_lo[g], seg_hi[g], BLOCK):
                hi = min(lo + BLOCK, seg_hi[g])
                synaptic_drive(lo, hi, dt, uniform, has_conductance, track_currents, state, cur,
                               ch_val, ch_decay, ch_is_cond, ch_erev, ch_prop, ring, s % n_ring,
                               drive, syn_charge)
                if kind == KIND_HH:
                    step_hh(lo, hi, t, dt, state, params, drive, spiked, spike_t, na_charge)
                elif kind == KIND_LIF:
                    step_lif(lo, hi, t, dt, state, params, uniform, drive, spiked, spike_t,
                             has_conductance)
                elif kind == KIND_IZHIKEVICH:
                    step_izhikevich(lo, hi, t, dt, state, params, drive, spiked, spike_t)
                elif kind == KIND_ADEX:
                    step_adex(lo, hi, t, dt, state, params, drive, spiked, spike_t)
                elif kind == KIND_TRAUB_MILES:
                    step_traub_miles(lo, hi, t, dt, state, params, drive, spiked, spike_t,
                                     na_charge, gate_table)
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
        _deliver(s, n_ring, spk_idx[first_new:n_spk], out_ptr, out_post, out_ch, out_w, out_d,
                 ch_val, ring)
        _poisson_arrivals(ch_val, pois_idx, pois_lam, pois_ch, pois_w)
        _advance_chemical(s, dt, n_hist, spike_hist, chem_pre, chem_d, chem_par, chem_tr)
        _record(s, ch_val, state, cur, chem_tr, rec_src, rec_row, rec_idx, rec_every, rec_buf)
    status[0], status[1], status[2] = OK, s1, n_spk


@dataclass
class RawOutput:
    """What the loop produced: spikes (global index, ms), recordings, energy accumulators."""

    spike_index: np.ndarray
    spike_time: np.ndarray
    recordings: np.ndarray
    na_charge: np.ndarray
    syn_charge: np.ndarray
    sim_seconds: float


class Unstable(Exception):
    """Raised by :func:`simulate` with the step and global neuron index that blew up."""

    def __init__(self, step: int, neuron: int):
        super().__init__(step, neuron)
        self.step, self.neuron = step, neuron


def spike_buffer_capacity(n: int) -> int:
    """Spikes (16 bytes each: index and time) the buffer first holds for ``n`` neurons; it
    doubles when full."""
    return max(n * SPIKES_PER_NEURON, 4096)


def simulate(a, n_steps: int, seed: int) -> RawOutput:
    """Run the loop for ``n_steps`` on the arrays ``a`` (an :class:`Arrays`); time the loop only."""
    seed_numba(seed)
    status = np.zeros(4, dtype=np.int64)
    capacity = spike_buffer_capacity(a.state.shape[1])
    spk_idx, spk_t = np.empty(capacity, np.int64), np.empty(capacity)
    # zero steps: compiles run_steps (or loads numba's cache) outside the timed loop
    run_steps(0, 0, a.dt, *a.loop_arguments(), spk_idx, spk_t, status)
    s, elapsed = 0, 0.0
    while True:
        start = time.perf_counter()
        run_steps(s, n_steps, a.dt, *a.loop_arguments(), spk_idx, spk_t, status)
        elapsed += time.perf_counter() - start
        if status[0] == UNSTABLE:
            raise Unstable(int(status[1]), int(status[3]))
        if status[0] == OK:
            break
        s = int(status[1])  # buffer full: grow and resume where it stopped
        spk_idx = np.concatenate([spk_idx, np.empty_like(spk_idx)])
        spk_t = np.concatenate([spk_t, np.empty_like(spk_t)])
    n_spk = int(status[2])
    return RawOutput(spk_idx[:n_spk], spk_t[:n_spk], a.rec_buf, a.na_charge, a.syn_charge,
                     elapsed)
