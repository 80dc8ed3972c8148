"""numba kernels that advance neurons by one step (the hot inner loops of the engine).

The engine works through each population in blocks of neurons ``lo:hi``. For a block,
:func:`axonlab.neuro.drive.synaptic_drive` first sums what reaches each neuron this step into
``drive[:, i - lo]``, held constant over the step (see its docstring for the rows); then the
model's ``step_*`` function advances the block from t to t + dt and flags spikes in ``spiked``
with their (interpolated) time in ``spike_t``.
"""

from __future__ import annotations

import math

import numpy as np

from axonlab.neuro.compiled import jit, jit_inline
from axonlab.neuro.drive import membrane_inputs


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
def step_hh(lo, hi, t, dt, state, p, drive, spiked, spike_t, na_charge):
    """RK4 on (V, m, h, n); spike = upward 0 mV crossing, linearly interpolated."""
    for i in range(lo, hi):
        v, m, h, n = state[0, i], state[1, i], state[2, i], state[3, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
        i_na = p[1, i] * m * m * m * h * (v - p[4, i])
        na_charge[i] += max(-i_na, 0.0) * dt
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
def step_lif(lo, hi, t, dt, state, p, uniform, drive, spiked, spike_t, has_conductance):
    """Exact integration for inputs constant over the step and exponential current channels.

    Rows of p: tau_m, c_m, e_l, v_th, v_reset, t_ref, exp(-dt/tau_m), refractory steps,
    tau_m/c_m (the inverse leak conductance, so the common path has no division). State rows:
    V, refractory steps left (V is clamped at v_reset while they last).

    Each case has its own loop in its own function (one loop per compiled function is what
    LLVM reliably vectorises): in networks with conductance synapses V relaxes at a rate that
    needs one exponential per neuron that has conductance input; without (CUBA), at the fixed
    membrane rate, and if the block shares one parameter column (``uniform``) it is read once:
    the loop is bound by memory traffic, and six parameter rows would double it.
    """
    if has_conductance:
        _lif_conductance_block(lo, hi, t + dt, dt, state, p, drive, spiked, spike_t)
    elif uniform:
        _lif_current_block(lo, hi, t + dt, state, p[2, lo], p[8, lo], p[6, lo], p[3, lo],
                           p[4, lo], p[7, lo], drive, spiked, spike_t)
    else:
        _lif_current_neurons(lo, hi, t + dt, state, p, drive, spiked, spike_t)


@jit
def _lif_conductance_block(lo, hi, t_spike, dt, state, p, drive, spiked, spike_t):
    for i in range(lo, hi):
        j = i - lo
        if drive[1, j] == 0.0:  # no conductance input now: the current-only update, no exp
            v_free = _relax(state[0, i], p[2, i] + drive[3, j] * p[8, i], p[6, i])
        else:
            c_m = p[1, i]
            g_l = c_m / p[0, i]
            g_total = g_l + drive[1, j]
            v_inf = (g_l * p[2, i] + drive[2, j] + drive[3, j]) / g_total
            v_free = _relax(state[0, i], v_inf, math.exp(-dt * g_total / c_m))
        _threshold(i, v_free + drive[0, j], state, spiked, spike_t, t_spike, p[3, i], p[4, i],
                   p[7, i])


@jit
def _lif_current_block(lo, hi, t_spike, state, e_l, r_m, decay, v_th, v_reset,
                       refractory_steps, drive, spiked, spike_t):
    for i in range(lo, hi):
        j = i - lo
        v_free = _relax(state[0, i], e_l + drive[3, j] * r_m, decay) + drive[0, j]
        _threshold(i, v_free, state, spiked, spike_t, t_spike, v_th, v_reset, refractory_steps)


@jit
def _lif_current_neurons(lo, hi, t_spike, state, p, drive, spiked, spike_t):
    for i in range(lo, hi):
        j = i - lo
        v_free = _relax(state[0, i], p[2, i] + drive[3, j] * p[8, i], p[6, i]) + drive[0, j]
        _threshold(i, v_free, state, spiked, spike_t, t_spike, p[3, i], p[4, i], p[7, i])


@jit_inline
def _relax(v, v_inf, decay):
    """V after one step of exponential relaxation towards v_inf (decay = exp(-dt/tau))."""
    return v_inf + (v - v_inf) * decay


@jit_inline
def _threshold(i, v_free, state, spiked, spike_t, t_spike, v_th, v_reset, refractory_steps):
    """Neuron i takes v_free unless refractory; above v_th it fires and resets.

    Every store is unconditional (``spike_t`` is only read where ``spiked``): a conditional
    store here made LLVM turn all of them into masked stores, five times slower.
    """
    v, refractory = state[0, i], state[1, i]
    active = refractory <= 0.0
    fired = active & (v_free > v_th)
    state[0, i] = v_reset if fired else (v_free if active else v)
    state[1, i] = refractory_steps if fired else max(refractory - 1.0, 0.0)
    spiked[i] = fired
    spike_t[i] = t_spike


@jit
def _izh_rhs(v, u, a, b, i_in, g_in, ge_in):
    dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i_in + ge_in - g_in * v
    return dv, a * (b * v - u)


@jit
def step_izhikevich(lo, hi, t, dt, state, p, drive, spiked, spike_t):
    """RK4 between spikes; v >= v_peak resets v to c and adds d to u. Rows: a, b, c, d, v_peak."""
    for i in range(lo, hi):
        v, u = state[0, i], state[1, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
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
def step_adex(lo, hi, t, dt, state, p, drive, spiked, spike_t):
    """RK4 between spikes. Rows: c_m, g_l, e_l, v_t, delta_t, tau_w, a, b, v_reset, v_peak."""
    for i in range(lo, hi):
        v, w = state[0, i], state[1, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
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


@jit
def traub_miles_rates(x):
    """Rates (1/ms) (am, bm, ah, bh, an, bn) of the Traub–Miles gates at x = V - v_t (mV)."""
    return (0.32 * _vtrap(13.0 - x, 4.0), 0.28 * _vtrap(x - 40.0, 5.0),
            0.128 * math.exp((17.0 - x) / 18.0), 4.0 / (1.0 + math.exp((40.0 - x) / 5.0)),
            0.032 * _vtrap(15.0 - x, 5.0), 0.5 * math.exp((10.0 - x) / 40.0))


@jit
def traub_miles_gate_kinetics(x):
    """(m_inf, m_rate, h_inf, h_rate, n_inf, n_rate) at x = V - v_t (mV): each gate's steady
    state alpha / (alpha + beta) and the rate alpha + beta (1/ms) at which it relaxes there."""
    am, bm, ah, bh, an, bn = traub_miles_rates(x)
    return am / (am + bm), am + bm, ah / (ah + bh), ah + bh, an / (an + bn), an + bn


# Gate table grid over x = V - v_t (mV). Beyond +-200 mV the steady states are saturated, so the
# edge rows stand for everything outside (the decays there are off, but V never gets that far).
GATE_TABLE_X0, GATE_TABLE_STEP, GATE_TABLE_SIZE = -200.0, 0.05, 8001


def traub_miles_gate_table(dt: float) -> np.ndarray:
    """(1 + GATE_TABLE_SIZE, 6) exponential-Euler gate propagators on a 0.05 mV grid of
    x = V - v_t.

    Row 0 holds the grid (x0, 1/step), so the compiled kernel never depends on module constants
    (numba caches the engine by engine.py alone). Rows 1...: (m_inf, m_decay, h_inf, h_decay,
    n_inf, n_decay); over one step at fixed V a gate moves to inf + (gate - inf) * decay,
    decay = exp(-dt (alpha + beta)). Interpolated linearly (as NEURON's TABLE statement does for
    its channel rates, there on a 1 mV grid), this replaces nine exponentials per neuron and step
    by twelve loads; the interpolation error is below 1e-5 (tests/neuro), far under the method's
    own error at dt = 0.1 ms.
    """
    table = np.zeros((1 + GATE_TABLE_SIZE, 6))
    table[0, :2] = GATE_TABLE_X0, 1.0 / GATE_TABLE_STEP
    for k in range(GATE_TABLE_SIZE):
        kinetics = traub_miles_gate_kinetics(GATE_TABLE_X0 + k * GATE_TABLE_STEP)
        for g in range(3):
            table[1 + k, 2 * g] = kinetics[2 * g]
            table[1 + k, 2 * g + 1] = math.exp(-dt * kinetics[2 * g + 1])
    return table


@jit
def _gate_propagators(x, table):
    """(inf, decay) of the m, h, n gates at x = V - v_t, interpolated in the gate table."""
    pos = (x - table[0, 0]) * table[0, 1]
    last = table.shape[0] - 2.000001
    if not pos >= 0.0:  # also NaN: the engine's instability check stops the run after this step
        pos = 0.0
    elif pos > last:
        pos = last
    k = int(pos) + 1
    f = pos - (k - 1)
    return (table[k, 0] + f * (table[k + 1, 0] - table[k, 0]),
            table[k, 1] + f * (table[k + 1, 1] - table[k, 1]),
            table[k, 2] + f * (table[k + 1, 2] - table[k, 2]),
            table[k, 3] + f * (table[k + 1, 3] - table[k, 3]),
            table[k, 4] + f * (table[k + 1, 4] - table[k, 4]),
            table[k, 5] + f * (table[k + 1, 5] - table[k, 5]))


@jit
def step_traub_miles(lo, hi, t, dt, state, p, drive, spiked, spike_t, na_charge, gate_table):
    """Exponential Euler on (V, m, h, n), every variable from the values at t.

    With V held, each gate relaxes exactly towards its steady state (propagators from
    ``gate_table``, see :func:`traub_miles_gate_table`); with the gates held, V is linear in
    itself and relaxes exactly towards the conductance-weighted reversal potential. Rows of p:
    c_m, g_na, g_k, g_l, e_na, e_k, e_l, v_t, v_spike; a spike is an upward crossing of v_spike,
    linearly interpolated (Brian2's COBAHH instead fires while v > -20 mV outside a 3 ms
    refractory period: the same spikes unless a neuron stays depolarised for over 3 ms).
    """
    for i in range(lo, hi):
        v, m, h, n = state[0, i], state[1, i], state[2, i], state[3, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
        g_na = p[1, i] * m * m * m * h
        g_k = p[2, i] * n * n * n * n
        na_charge[i] += max(g_na * (p[4, i] - v), 0.0) * dt
        g_total = g_na + g_k + p[3, i] + g_in
        drive_current = g_na * p[4, i] + g_k * p[5, i] + p[3, i] * p[6, i] + ge_in + i_in
        # exact relaxation towards v_inf = drive_current / g_total with rate z = dt g_total / c_m;
        # where g_total all but vanishes (initial conductances drawn from a normal distribution
        # can be negative, as in Brian2's COBAHH) V is linear in t to first order instead
        z = dt * g_total / p[0, i]
        if abs(z) > 1e-6:
            v_inf = drive_current / g_total
            v_new = v_inf + (v - v_inf) * math.exp(-z)
        else:
            v_new = v + (drive_current - g_total * v) * dt / p[0, i]
        m_inf, m_decay, h_inf, h_decay, n_inf, n_decay = _gate_propagators(v - p[7, i],
                                                                          gate_table)
        state[1, i] = m_inf + (m - m_inf) * m_decay
        state[2, i] = h_inf + (h - h_inf) * h_decay
        state[3, i] = n_inf + (n - n_inf) * n_decay
        state[0, i] = v_new
        if v < p[8, i] <= v_new:
            spiked[i] = True
            spike_t[i] = t + dt * (p[8, i] - v) / (v_new - v)
