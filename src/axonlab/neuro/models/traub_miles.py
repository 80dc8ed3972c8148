"""Traub & Miles (1991, Neuronal Networks of the Hippocampus) HH-type cortical neuron, the cell
of the COBAHH benchmark (Brette et al. 2007, J Comput Neurosci 23:349), densities per cm2."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.drive import membrane_inputs
from axonlab.neuro.models.base import NeuronModel
from axonlab.neuro.models.rates import vtrap

# Rows of the parameter matrix p the kernel reads, named as the class's kernel_params
# (numba compiles these names in as constants)
KERNEL_PARAMS = ("c_m", "g_na", "g_k", "g_l", "e_na", "e_k", "e_l", "v_t", "v_spike")
C_M, G_NA, G_K, G_L, E_NA, E_K, E_L, V_T, V_SPIKE = range(9)


@jit
def traub_miles_rates(x):
    """Rates (1/ms) (am, bm, ah, bh, an, bn) of the Traub–Miles gates at x = V - v_t (mV)."""
    return (
        0.32 * vtrap(13.0 - x, 4.0),
        0.28 * vtrap(x - 40.0, 5.0),
        0.128 * math.exp((17.0 - x) / 18.0),
        4.0 / (1.0 + math.exp((40.0 - x) / 5.0)),
        0.032 * vtrap(15.0 - x, 5.0),
        0.5 * math.exp((10.0 - x) / 40.0),
    )


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

    Row 0 holds the grid (x0, 1/step), so the compiled kernel never depends on module constants.
    Rows 1...: (m_inf, m_decay, h_inf, h_decay, n_inf, n_decay); over one step at fixed V a gate
    moves to inf + (gate - inf) * decay, decay = exp(-dt (alpha + beta)). Interpolated linearly
    (as NEURON's TABLE statement does for its channel rates, there on a 1 mV grid), this replaces
    nine exponentials per neuron and step by twelve loads; the interpolation error is below 1e-5
    (tests/neuro), far under the method's own error at dt = 0.1 ms.
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
    return (
        table[k, 0] + f * (table[k + 1, 0] - table[k, 0]),
        table[k, 1] + f * (table[k + 1, 1] - table[k, 1]),
        table[k, 2] + f * (table[k + 1, 2] - table[k, 2]),
        table[k, 3] + f * (table[k + 1, 3] - table[k, 3]),
        table[k, 4] + f * (table[k + 1, 4] - table[k, 4]),
        table[k, 5] + f * (table[k + 1, 5] - table[k, 5]),
    )


@jit
def step_traub_miles(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
    """Exponential Euler on (V, m, h, n), every variable from the values at t.

    With V held, each gate relaxes exactly towards its steady state (propagators from ``table``,
    see :func:`traub_miles_gate_table`); with the gates held, V is linear in itself and relaxes
    exactly towards the conductance-weighted reversal potential. Rows of p: c_m, g_na, g_k, g_l,
    e_na, e_k, e_l, v_t, v_spike; a spike is an upward crossing of v_spike, linearly
    interpolated (Brian2's COBAHH instead fires while v > -20 mV outside a 3 ms refractory
    period: the same spikes unless a neuron stays depolarised for over 3 ms).
    """
    for i in range(lo, hi):
        v, m, h, n = state[0, i], state[1, i], state[2, i], state[3, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
        g_na = p[G_NA, i] * m * m * m * h
        g_k = p[G_K, i] * n * n * n * n
        na_charge[i] += max(g_na * (p[E_NA, i] - v), 0.0) * dt
        g_total = g_na + g_k + p[G_L, i] + g_in
        drive_current = g_na * p[E_NA, i] + g_k * p[E_K, i] + p[G_L, i] * p[E_L, i] + ge_in + i_in
        # exact relaxation towards v_inf = drive_current / g_total with rate z = dt g_total / c_m;
        # where g_total all but vanishes (initial conductances drawn from a normal distribution
        # can be negative, as in Brian2's COBAHH) V is linear in t to first order instead
        z = dt * g_total / p[C_M, i]
        if abs(z) > 1e-6:
            v_inf = drive_current / g_total
            v_new = v_inf + (v - v_inf) * math.exp(-z)
        else:
            v_new = v + (drive_current - g_total * v) * dt / p[C_M, i]
        m_inf, m_decay, h_inf, h_decay, n_inf, n_decay = _gate_propagators(v - p[V_T, i], table)
        state[1, i] = m_inf + (m - m_inf) * m_decay
        state[2, i] = h_inf + (h - h_inf) * h_decay
        state[3, i] = n_inf + (n - n_inf) * n_decay
        state[0, i] = v_new
        if v < p[V_SPIKE, i] <= v_new:
            spiked[i] = True
            spike_t[i] = t + dt * (p[V_SPIKE, i] - v) / (v_new - v)


@dataclass(repr=False)
class TraubMiles(NeuronModel):
    """Traub & Miles (1991) HH-type cortical neuron, the cell of the COBAHH benchmark network.

    Rates (1/ms) in x = V - v_t: m: 0.32(13-x)/(e^((13-x)/4)-1), 0.28(x-40)/(e^((x-40)/5)-1);
    h: 0.128 e^((17-x)/18), 4/(1+e^((40-x)/5)); n: 0.032(15-x)/(e^((15-x)/5)-1), 0.5 e^((10-x)/40).
    c_m uF/cm2 (> 0); g_na, g_k, g_l mS/cm2 (>= 0); e_na, e_k, e_l, v_t, v_spike mV. Integrated
    with exponential Euler (each variable exactly over the step with the others held), which
    stays stable at dt = 0.1 ms where the fast Na+ activation would push RK4 to its stability
    edge. A spike is an upward crossing of ``v_spike``. Starts at ``e_l`` with the gates at their
    steady state.
    """

    c_m: float = 1.0
    g_na: float = 100.0
    g_k: float = 30.0
    g_l: float = 0.05
    e_na: float = 50.0
    e_k: float = -90.0
    e_l: float = -60.0
    v_t: float = -63.0
    v_spike: float = -20.0

    name: ClassVar[str] = "traub_miles"
    state_names: ClassVar[tuple[str, ...]] = ("v", "m", "h", "n")
    kernel_params: ClassVar[tuple[str, ...]] = KERNEL_PARAMS
    kernel = staticmethod(step_traub_miles)
    positive: ClassVar[tuple[str, ...]] = ("c_m",)
    non_negative: ClassVar[tuple[str, ...]] = ("g_na", "g_k", "g_l")
    has_sodium_current: ClassVar[bool] = True

    @classmethod
    def table(cls, dt: float) -> np.ndarray:
        return traub_miles_gate_table(dt)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        state = super().initial_state(v0)
        v_t = np.broadcast_to(np.asarray(self.v_t, dtype=float), v0.shape)
        for i, v in enumerate(v0):
            state[1:4, i] = traub_miles_gate_kinetics(float(v) - float(v_t[i]))[0::2]
        return state
