"""The stages of one step of the engine's loop (:func:`axonlab.neuro.engine.loop.run_steps`), other
than the neurons' own kernels: currents into the neurons, spikes delivered to exponential
synapses, Poisson arrivals, the cleft of chemical synapses (with short-term plasticity), and the
recording of the step. Each takes arrays, not the named groups (see the note in the engine).
"""

from __future__ import annotations

import math

import numpy as np

from axonlab.neuro.arrays.layout import (
    CHEM_ALPHA,
    CHEM_BETA,
    CHEM_CLEAR_DECAY,
    CHEM_CLEAR_HALF_DECAY,
    CHEM_E_REV,
    CHEM_G_MAX,
    CHEM_LAST,
    CHEM_MG,
    CHEM_R,
    CHEM_RELEASE,
    CHEM_STP_R,
    CHEM_STP_U,
    CHEM_T,
    CHEM_TAU_FACIL,
    CHEM_TAU_REC,
    CHEM_U,
    I_EXT,
    I_GAP,
    I_SYN,
    PL_ELIG,
    REC_CHANNEL,
    REC_CHEMICAL,
    REC_CURRENT,
    REC_STATE,
    REC_VOLUME,
)
from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.learning import weight_of


@jit
def currents_in(
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
):
    """Currents at t into ``cur`` (rows I_EXT, I_GAP, I_SYN; see :func:`synaptic_drive`)."""
    cur[:, :] = 0.0
    for k in range(stim_idx.size):
        if stim_on[k] <= s < stim_off[k]:
            noise = stim_sd[k] * np.random.standard_normal() if stim_sd[k] > 0.0 else 0.0
            cur[I_EXT, stim_idx[k]] += stim_amp[k] + noise
    for k in range(gap_a.size):
        i_ab = gap_g[k] * (state[0, gap_b[k]] - state[0, gap_a[k]])  # into a
        cur[I_GAP, gap_a[k]] += i_ab
        cur[I_GAP, gap_b[k]] -= i_ab
    for j in range(chem_pre.size):
        v = state[0, chem_post[j]]
        block = 1.0
        if chem_par[CHEM_MG, j] > 0.0:  # Mg2+ block (Jahr & Stevens 1990)
            block = 1.0 / (1.0 + chem_par[CHEM_MG, j] / 3.57 * math.exp(-0.062 * v))
        cur[I_SYN, chem_post[j]] += (
            chem_par[CHEM_G_MAX, j] * chem_tr[CHEM_R, j] * (chem_par[CHEM_E_REV, j] - v) * block
        )


@jit
def deliver(s, n_ring, new_spikes, out_ptr, out_post, out_ch, out_w, out_d, ch_val, ring):
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
def poisson_arrivals(ch_val, pois_idx, pois_lam, pois_ch, pois_w):
    for k in range(pois_idx.size):
        ch_val[pois_ch[k], pois_idx[k]] += pois_w[k] * np.random.poisson(pois_lam[k])


@jit
def advance_chemical(s, dt, n_hist, spike_hist, chem_pre, chem_d, chem_par, chem_tr):
    for j in range(chem_pre.size):
        # T at mid-step drives binding
        t_mid = chem_tr[CHEM_T, j] * chem_par[CHEM_CLEAR_HALF_DECAY, j]
        rate = chem_par[CHEM_ALPHA, j] * t_mid + chem_par[CHEM_BETA, j]
        r_inf = chem_par[CHEM_ALPHA, j] * t_mid / rate
        chem_tr[CHEM_R, j] = r_inf + (chem_tr[CHEM_R, j] - r_inf) * math.exp(-dt * rate)
        chem_tr[CHEM_T, j] *= chem_par[CHEM_CLEAR_DECAY, j]
        if spike_hist[(s - chem_d[j]) % n_hist, chem_pre[j]]:
            efficacy = 1.0
            if chem_par[CHEM_U, j] > 0.0:
                efficacy = _short_term(j, (s + 1) * dt, chem_par, chem_tr)
            chem_tr[CHEM_T, j] += chem_par[CHEM_RELEASE, j] * efficacy


@jit
def _short_term(j, t, chem_par, chem_tr):
    """u_n * R_n of the spike arriving at synapse j at t (ms): the Tsodyks–Markram recursion
    (see :class:`axonlab.neuro.plasticity.TsodyksMarkram`), carried from its last arrival."""
    big_u = chem_par[CHEM_U, j]
    u, r = big_u, 1.0
    if chem_tr[CHEM_LAST, j] >= 0.0:
        gap = t - chem_tr[CHEM_LAST, j]
        u, r = chem_tr[CHEM_STP_U, j], chem_tr[CHEM_STP_R, j]
        r = 1.0 + (r - r * u - 1.0) * math.exp(-gap / chem_par[CHEM_TAU_REC, j])
        tau_facil = chem_par[CHEM_TAU_FACIL, j]
        u = big_u + u * (1.0 - big_u) * (math.exp(-gap / tau_facil) if tau_facil > 0.0 else 0.0)
    chem_tr[CHEM_STP_U, j], chem_tr[CHEM_STP_R, j], chem_tr[CHEM_LAST, j] = u, r, t
    return u * r


@jit
def record(s, ch_val, state, cur, chem_tr, pl_on_chem, pl_where, pl_state, exp_w, chem_par,
            vol_conc, rec_src, rec_row, rec_idx, rec_every, rec_buf):  # fmt: skip
    for col in range(rec_src.size):
        if (s + 1) % rec_every[col] != 0:
            continue
        row, idx, src = rec_row[col], rec_idx[col], rec_src[col]
        if src == REC_STATE:
            val = state[row, idx]
        elif src == REC_CHANNEL:
            val = ch_val[row, idx]
        elif src == REC_CHEMICAL:
            val = chem_tr[row, idx]
        elif src == REC_VOLUME:
            val = vol_conc[idx]
        elif src == REC_CURRENT:
            val = cur[row, idx]
        elif row == 0:  # REC_WEIGHT
            val = weight_of(idx, pl_on_chem, pl_where, exp_w, chem_par)
        else:
            val = pl_state[PL_ELIG, idx]
        rec_buf[(s + 1) // rec_every[col], col] = val
