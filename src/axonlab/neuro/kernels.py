"""numba kernels that advance neurons by one step (the hot inner loops of the engine).

Each ``step_*`` function advances the neurons ``lo:hi`` of one population from t to t + dt.
Inputs held constant over the step: ``cur[0]`` external, ``cur[1]`` gap-junction and
``cur[2]`` chemical-synapse current (uA/cm2). Exponential synapse channels (rows of ``ch_val``)
are currents (uA/cm2) or conductances (mS/cm2, current g*(e_rev - V)). The total synaptic
current at the start of the step is written back to ``cur[2]`` so it can be recorded.
Spikes are flagged in ``spiked`` with their (interpolated) time in ``spike_t``.
"""

from __future__ import annotations

import math

import numba as nb

jit = nb.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")


@jit
def _vtrap(x, y):
    # x / (exp(x/y) - 1) with its removable singularity at x = 0
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


@jit
def hh_derivatives(v, m, h, n, p, i, i_in, g_in, ge_in):
    """dV/dt, dm/dt, dh/dt, dn/dt of the classic HH model (p: parameter matrix, i: column)."""
    am = 0.1 * _vtrap(-(v + 40.0), 10.0)
    bm = 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an = 0.01 * _vtrap(-(v + 55.0), 10.0)
    bn = 0.125 * math.exp(-(v + 65.0) / 80.0)
    i_ion = (
        p[1, i] * m * m * m * h * (v - p[4, i])
        + p[2, i] * n * n * n * n * (v - p[5, i])
        + p[3, i] * (v - p[6, i])
    )
    dv = (i_in + ge_in - g_in * v - i_ion) / p[0, i]
    return dv, am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h, an * (1.0 - n) - bn * n


@jit
def gather_inputs(i, v, cur, ch_val, ch_is_cond, ch_erev, include_current):
    """Input of neuron i at potential v: (constant current, sum g, sum g*E, positive part).

    Current channels are included only if ``include_current`` (LIF integrates them exactly).
    """
    syn = cur[2, i]  # chemical synapses, already summed for this step
    i_in = cur[0, i] + cur[1, i] + syn
    inward = max(syn, 0.0)
    g_in = 0.0
    ge_in = 0.0
    for c in range(ch_val.shape[0]):
        val = ch_val[c, i]
        if ch_is_cond[c]:
            g_in += val
            ge_in += val * ch_erev[c]
            inward += max(val * (ch_erev[c] - v), 0.0)
            syn += val * (ch_erev[c] - v)
        else:
            syn += val
            inward += max(val, 0.0)
            if include_current:
                i_in += val
    cur[2, i] = syn
    return i_in, g_in, ge_in, inward


@jit
def step_hh(lo, hi, t, dt, state, p, cur, ch_val, ch_is_cond, ch_erev,
            spiked, spike_t, na_charge, syn_charge):
    """RK4 on (V, m, h, n); spike = upward 0 mV crossing, linearly interpolated."""
    for i in range(lo, hi):
        v, m, h, n = state[0, i], state[1, i], state[2, i], state[3, i]
        i_in, g_in, ge_in, inward = gather_inputs(i, v, cur, ch_val, ch_is_cond, ch_erev, True)
        i_na = p[1, i] * m * m * m * h * (v - p[4, i])
        na_charge[i] += max(-i_na, 0.0) * dt
        syn_charge[i] += inward * dt
        k1 = hh_derivatives(v, m, h, n, p, i, i_in, g_in, ge_in)
        k2 = hh_derivatives(v + 0.5 * dt * k1[0], m + 0.5 * dt * k1[1], h + 0.5 * dt * k1[2],
                            n + 0.5 * dt * k1[3], p, i, i_in, g_in, ge_in)
        k3 = hh_derivatives(v + 0.5 * dt * k2[0], m + 0.5 * dt * k2[1], h + 0.5 * dt * k2[2],
                            n + 0.5 * dt * k2[3], p, i, i_in, g_in, ge_in)
        k4 = hh_derivatives(v + dt * k3[0], m + dt * k3[1], h + dt * k3[2], n + dt * k3[3],
                            p, i, i_in, g_in, ge_in)
        v_new = v + dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        state[1, i] = m + dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        state[2, i] = h + dt / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        state[3, i] = n + dt / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
        state[0, i] = v_new
        if v < 0.0 <= v_new:
            spiked[i] = True
            spike_t[i] = t + dt * (0.0 - v) / (v_new - v)


@jit
def _lif_channel_inputs(lo, hi, state, cur, ch_val, ch_is_cond, ch_erev, ch_prop, scratch):
    """Sum the exponential channels of neurons lo:hi into ``scratch`` one channel at a time.

    Channel-major so each pass is a branch-free loop over neurons that LLVM vectorises; the LIF
    step is cheap enough that a per-neuron loop over channels would dominate it. Rows of scratch:
    0 voltage jump from current channels (exact propagator), 1 sum g, 2 sum g*E, 3 inward current.
    """
    for i in range(lo, hi):
        scratch[0, i] = 0.0
        scratch[1, i] = 0.0
        scratch[2, i] = 0.0
        scratch[3, i] = max(cur[2, i], 0.0)
    for c in range(ch_val.shape[0]):
        if ch_is_cond[c]:
            e_rev = ch_erev[c]
            for i in range(lo, hi):
                g = ch_val[c, i]
                i_syn = g * (e_rev - state[0, i])
                scratch[1, i] += g
                scratch[2, i] += g * e_rev
                scratch[3, i] += max(i_syn, 0.0)
                cur[2, i] += i_syn
        else:
            for i in range(lo, hi):
                val = ch_val[c, i]
                scratch[0, i] += val * ch_prop[c, i]
                scratch[3, i] += max(val, 0.0)
                cur[2, i] += val


@jit
def step_lif(lo, hi, t, dt, state, p, cur, ch_val, ch_is_cond, ch_erev, ch_prop,
             spiked, spike_t, syn_charge, scratch):
    """Exact integration for inputs constant over the step and exponential current channels.

    Rows of p: tau_m, c_m, e_l, v_th, v_reset, t_ref, exp(-dt/tau_m), refractory steps,
    tau_m/c_m (the inverse leak conductance, so the common path has no division). ``scratch``
    (5, n): rows 0-3 as in :func:`_lif_channel_inputs`, row 4 the external + gap + chemical current.
    """
    i_chem = cur[2]  # chemical-synapse current, before the channels are added for recording
    has_conductance = False
    for c in range(ch_val.shape[0]):
        has_conductance |= ch_is_cond[c]
    for i in range(lo, hi):
        scratch[4, i] = cur[0, i] + cur[1, i] + i_chem[i]
    _lif_channel_inputs(lo, hi, state, cur, ch_val, ch_is_cond, ch_erev, ch_prop, scratch)
    for i in range(lo, hi):
        syn_charge[i] += scratch[3, i] * dt
        if state[1, i] > 0.0:  # refractory: clamped at v_reset
            state[1, i] -= 1.0
            continue
        v = state[0, i]
        g_in = scratch[1, i] if has_conductance else 0.0
        if g_in == 0.0:
            v_inf = p[2, i] + scratch[4, i] * p[8, i]
            v = v_inf + (v - v_inf) * p[6, i]
        else:
            c_m = p[1, i]
            g_l = c_m / p[0, i]
            g_tot = g_l + g_in
            v_inf = (g_l * p[2, i] + scratch[2, i] + scratch[4, i]) / g_tot
            v = v_inf + (v - v_inf) * math.exp(-dt * g_tot / c_m)
        v += scratch[0, i]
        if v > p[3, i]:
            spiked[i] = True
            spike_t[i] = t + dt
            v = p[4, i]
            state[1, i] = p[7, i]
        state[0, i] = v


@jit
def _izh_rhs(v, u, a, b, i_in, g_in, ge_in):
    dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i_in + ge_in - g_in * v
    return dv, a * (b * v - u)


@jit
def step_izhikevich(lo, hi, t, dt, state, p, cur, ch_val, ch_is_cond, ch_erev,
                    spiked, spike_t, syn_charge):
    """RK4 between spikes; v >= v_peak resets v to c and adds d to u. Rows: a, b, c, d, v_peak."""
    for i in range(lo, hi):
        v, u = state[0, i], state[1, i]
        i_in, g_in, ge_in, inward = gather_inputs(i, v, cur, ch_val, ch_is_cond, ch_erev, True)
        syn_charge[i] += inward * dt
        a, b = p[0, i], p[1, i]
        k1 = _izh_rhs(v, u, a, b, i_in, g_in, ge_in)
        k2 = _izh_rhs(v + 0.5 * dt * k1[0], u + 0.5 * dt * k1[1], a, b, i_in, g_in, ge_in)
        k3 = _izh_rhs(v + 0.5 * dt * k2[0], u + 0.5 * dt * k2[1], a, b, i_in, g_in, ge_in)
        k4 = _izh_rhs(v + dt * k3[0], u + dt * k3[1], a, b, i_in, g_in, ge_in)
        v += dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        u += dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        if v >= p[4, i]:
            spiked[i] = True
            spike_t[i] = t + dt
            v = p[2, i]
            u += p[3, i]
        state[0, i], state[1, i] = v, u


@jit
def _adex_rhs(v, w, p, i, i_in, g_in, ge_in):
    # RK4 stages beyond v_peak are clamped to it: the upswing ends there (reset) and the
    # exponential would otherwise throw w (driven by v) far off within one step
    v = min(v, p[9, i])
    arg = (v - p[3, i]) / p[4, i]
    dv = (-p[1, i] * (v - p[2, i]) + p[1, i] * p[4, i] * math.exp(arg) - w
          + i_in + ge_in - g_in * v) / p[0, i]
    return dv, (p[6, i] * (v - p[2, i]) - w) / p[5, i]


@jit
def step_adex(lo, hi, t, dt, state, p, cur, ch_val, ch_is_cond, ch_erev,
              spiked, spike_t, syn_charge):
    """RK4 between spikes. Rows: c_m, g_l, e_l, v_t, delta_t, tau_w, a, b, v_reset, v_peak."""
    for i in range(lo, hi):
        v, w = state[0, i], state[1, i]
        i_in, g_in, ge_in, inward = gather_inputs(i, v, cur, ch_val, ch_is_cond, ch_erev, True)
        syn_charge[i] += inward * dt
        k1 = _adex_rhs(v, w, p, i, i_in, g_in, ge_in)
        k2 = _adex_rhs(v + 0.5 * dt * k1[0], w + 0.5 * dt * k1[1], p, i, i_in, g_in, ge_in)
        k3 = _adex_rhs(v + 0.5 * dt * k2[0], w + 0.5 * dt * k2[1], p, i, i_in, g_in, ge_in)
        k4 = _adex_rhs(v + dt * k3[0], w + dt * k3[1], p, i, i_in, g_in, ge_in)
        v += dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        w += dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        if v >= p[9, i]:
            spiked[i] = True
            spike_t[i] = t + dt
            v = p[8, i]
            w += p[7, i]
        state[0, i], state[1, i] = v, w
