"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005, J Neurophysiol
94:3637), their Fig. 2 parameters rescaled to c_m = 1 uF/cm2 (area 281 pF / 1 uF/cm2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.drive import membrane_inputs
from axonlab.neuro.models.base import NeuronModel

# Rows of the parameter matrix p the kernel reads, named as the class's kernel_params
# (numba compiles these names in as constants)
KERNEL_PARAMS = ("c_m", "g_l", "e_l", "v_t", "delta_t", "tau_w", "a", "b", "v_reset", "v_peak")
C_M, G_L, E_L, V_T, DELTA_T, TAU_W, A, B, V_RESET, V_PEAK = range(10)


@jit
def _adex_rhs(v, w, p, i, i_in, g_in, ge_in):
    # RK4 stages beyond v_peak are clamped to it: the upswing ends there (reset) and the
    # exponential would otherwise throw w (driven by v) far off within one step
    v = min(v, p[V_PEAK, i])
    arg = (v - p[V_T, i]) / p[DELTA_T, i]
    dv = (
        -p[G_L, i] * (v - p[E_L, i])
        + p[G_L, i] * p[DELTA_T, i] * math.exp(arg)
        - w
        + i_in
        + ge_in
        - g_in * v
    ) / p[C_M, i]
    return dv, (p[A, i] * (v - p[E_L, i]) - w) / p[TAU_W, i]


@jit
def step_adex(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
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
        if v >= p[V_PEAK, i]:
            spiked[i] = True
            spike_t[i] = t + dt
            v = p[V_RESET, i]
            w += p[B, i]
        state[0, i], state[1, i] = v, w


@dataclass(repr=False)
class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005), RK4 between spikes.

    c_m dV/dt = -g_l(V - e_l) + g_l delta_t exp((V - v_t)/delta_t) - w + I;
    tau_w dw/dt = a(V - e_l) - w; V >= v_peak: V <- v_reset, w <- w + b.
    c_m uF/cm2 (> 0); g_l (>= 0), a mS/cm2; b uA/cm2; tau_w ms (> 0); delta_t mV (> 0);
    e_l, v_t, v_reset, v_peak mV (v_reset < v_peak).
    """

    c_m: float = 1.0
    g_l: float = 0.1068
    e_l: float = -70.6
    v_t: float = -50.4
    delta_t: float = 2.0
    tau_w: float = 144.0
    a: float = 0.01423
    b: float = 0.2865
    v_reset: float = -70.6
    v_peak: float = 0.0

    name: ClassVar[str] = "adex"
    state_names: ClassVar[tuple[str, ...]] = ("v", "w")
    kernel_params: ClassVar[tuple[str, ...]] = KERNEL_PARAMS
    kernel = staticmethod(step_adex)
    positive: ClassVar[tuple[str, ...]] = ("c_m", "delta_t", "tau_w")
    non_negative: ClassVar[tuple[str, ...]] = ("g_l",)
    ordered: ClassVar[tuple[tuple[str, str], ...]] = (("v_reset", "v_peak"),)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))
