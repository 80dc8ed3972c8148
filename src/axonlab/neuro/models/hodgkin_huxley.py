"""Classic Hodgkin–Huxley squid-axon neuron (Hodgkin & Huxley 1952, J Physiol 117:500; rest
-65 mV convention), integrated with RK4 on (V, m, h, n)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.drive import membrane_inputs
from axonlab.neuro.models.base import NeuronModel
from axonlab.neuro.models.rates import hh_rates, steady_gates

# Rows of the parameter matrix p the kernel reads, named as the class's kernel_params
# (numba compiles these names in as constants)
KERNEL_PARAMS = ("c_m", "g_na", "g_k", "g_l", "e_na", "e_k", "e_l")
C_M, G_NA, G_K, G_L, E_NA, E_K, E_L = range(7)


@jit
def hh_derivatives(v, m, h, n, p, i, i_in, g_in, ge_in):
    """dV/dt, dm/dt, dh/dt, dn/dt of the classic HH model (p: parameter matrix, i: column)."""
    am, bm, ah, bh, an, bn = hh_rates(v)
    i_ion = (
        p[G_NA, i] * m * m * m * h * (v - p[E_NA, i])
        + p[G_K, i] * n * n * n * n * (v - p[E_K, i])
        + p[G_L, i] * (v - p[E_L, i])
    )
    dv = (i_in + ge_in - g_in * v - i_ion) / p[C_M, i]
    return dv, am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h, an * (1.0 - n) - bn * n


@jit
def step_hh(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
    """RK4 on (V, m, h, n); spike = upward 0 mV crossing, linearly interpolated."""
    for i in range(lo, hi):
        v, m, h, n = state[0, i], state[1, i], state[2, i], state[3, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
        i_na = p[G_NA, i] * m * m * m * h * (v - p[E_NA, i])
        na_charge[i] += max(-i_na, 0.0) * dt
        k1 = hh_derivatives(v, m, h, n, p, i, i_in, g_in, ge_in)
        k2 = hh_derivatives(
            v + 0.5 * dt * k1[0],
            m + 0.5 * dt * k1[1],
            h + 0.5 * dt * k1[2],
            n + 0.5 * dt * k1[3],
            p,
            i,
            i_in,
            g_in,
            ge_in,
        )
        k3 = hh_derivatives(
            v + 0.5 * dt * k2[0],
            m + 0.5 * dt * k2[1],
            h + 0.5 * dt * k2[2],
            n + 0.5 * dt * k2[3],
            p,
            i,
            i_in,
            g_in,
            ge_in,
        )
        k4 = hh_derivatives(
            v + dt * k3[0], m + dt * k3[1], h + dt * k3[2], n + dt * k3[3], p, i, i_in, g_in, ge_in
        )
        v_new = v + dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        state[1, i] = m + dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        state[2, i] = h + dt / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        state[3, i] = n + dt / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
        state[0, i] = v_new
        if v < 0.0 <= v_new:
            spiked[i] = True
            spike_t[i] = t + dt * (0.0 - v) / (v_new - v)


def hh_steady_gates(v: float) -> tuple[float, float, float]:
    """Steady-state (m, h, n) of the classic HH rates at membrane potential v (mV)."""
    return steady_gates(hh_rates(float(v)))


@dataclass(repr=False)
class HodgkinHuxley(NeuronModel):
    """Classic squid-axon Hodgkin–Huxley neuron, integrated with RK4 on (V, m, h, n).

    c_m uF/cm2 (> 0); g_na, g_k, g_l mS/cm2 (>= 0); e_na, e_k, e_l, v_rest mV. Starts at
    ``v_rest`` with the gates at their steady state.
    """

    c_m: float = 1.0
    g_na: float = 120.0
    g_k: float = 36.0
    g_l: float = 0.3
    e_na: float = 50.0
    e_k: float = -77.0
    e_l: float = -54.387
    v_rest: float = -65.0

    name: ClassVar[str] = "hh"
    state_names: ClassVar[tuple[str, ...]] = ("v", "m", "h", "n")
    kernel_params: ClassVar[tuple[str, ...]] = KERNEL_PARAMS
    kernel = staticmethod(step_hh)
    positive: ClassVar[tuple[str, ...]] = ("c_m",)
    non_negative: ClassVar[tuple[str, ...]] = ("g_na", "g_k", "g_l")
    has_sodium_current: ClassVar[bool] = True
    # RK4 here: spike times within 0.001 ms of NEURON CVODE up to dt = 0.05 ms; unstable during
    # strong firing from ~0.09 ms (measured at 50 uA/cm2)
    max_dt: ClassVar[float | None] = 0.05

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.v_rest))

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        state = super().initial_state(v0)
        for i, v in enumerate(v0):
            state[1:4, i] = hh_steady_gates(float(v))
        return state
