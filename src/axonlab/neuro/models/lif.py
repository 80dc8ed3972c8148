"""Leaky integrate-and-fire neuron, integrated exactly between steps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit, jit_inline
from axonlab.neuro.models.base import NeuronModel

# Rows of the parameter matrix p the kernel reads: the class's kernel_params, then its
# derived_params (numba compiles these names in as constants)
KERNEL_PARAMS = ("tau_m", "c_m", "e_l", "v_th", "v_reset", "t_ref")
DERIVED_PARAMS = ("decay", "refractory_steps", "r_m")
TAU_M, C_M, E_L, V_TH, V_RESET, T_REF, DECAY, REFRACTORY_STEPS, R_M = range(9)


@jit
def step_lif(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
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
        _lif_current_block(
            lo,
            hi,
            t + dt,
            state,
            p[E_L, lo],
            p[R_M, lo],
            p[DECAY, lo],
            p[V_TH, lo],
            p[V_RESET, lo],
            p[REFRACTORY_STEPS, lo],
            drive,
            spiked,
            spike_t,
        )
    else:
        _lif_current_neurons(lo, hi, t + dt, state, p, drive, spiked, spike_t)


@jit
def _lif_conductance_block(lo, hi, t_spike, dt, state, p, drive, spiked, spike_t):
    for i in range(lo, hi):
        j = i - lo
        if drive[1, j] == 0.0:  # no conductance input now: the current-only update, no exp
            v_free = _relax(state[0, i], p[E_L, i] + drive[3, j] * p[R_M, i], p[DECAY, i])
        else:
            c_m = p[C_M, i]
            g_l = c_m / p[TAU_M, i]
            g_total = g_l + drive[1, j]
            v_inf = (g_l * p[E_L, i] + drive[2, j] + drive[3, j]) / g_total
            v_free = _relax(state[0, i], v_inf, math.exp(-dt * g_total / c_m))
        _threshold(
            i,
            v_free + drive[0, j],
            state,
            spiked,
            spike_t,
            t_spike,
            p[V_TH, i],
            p[V_RESET, i],
            p[REFRACTORY_STEPS, i],
        )


@jit
def _lif_current_block(
    lo, hi, t_spike, state, e_l, r_m, decay, v_th, v_reset, refractory_steps, drive, spiked, spike_t
):
    for i in range(lo, hi):
        j = i - lo
        v_free = _relax(state[0, i], e_l + drive[3, j] * r_m, decay) + drive[0, j]
        _threshold(i, v_free, state, spiked, spike_t, t_spike, v_th, v_reset, refractory_steps)


@jit
def _lif_current_neurons(lo, hi, t_spike, state, p, drive, spiked, spike_t):
    for i in range(lo, hi):
        j = i - lo
        v_free = _relax(state[0, i], p[E_L, i] + drive[3, j] * p[R_M, i], p[DECAY, i]) + drive[0, j]
        _threshold(
            i,
            v_free,
            state,
            spiked,
            spike_t,
            t_spike,
            p[V_TH, i],
            p[V_RESET, i],
            p[REFRACTORY_STEPS, i],
        )


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


@dataclass(repr=False)
class LIF(NeuronModel):
    """Leaky integrate-and-fire, integrated exactly between steps.

    c_m dV/dt = -(c_m/tau_m)(V - e_l) + I. tau_m ms (> 0), c_m uF/cm2 (> 0), t_ref ms (>= 0);
    e_l, v_th, v_reset mV (v_reset < v_th). A spike (V > v_th) resets V to v_reset and holds it
    there for t_ref.
    """

    tau_m: float = 20.0
    c_m: float = 1.0
    e_l: float = -65.0
    v_th: float = -50.0
    v_reset: float = -65.0
    t_ref: float = 2.0

    name: ClassVar[str] = "lif"
    state_names: ClassVar[tuple[str, ...]] = ("v", "refractory_left")
    kernel_params: ClassVar[tuple[str, ...]] = KERNEL_PARAMS
    # exp(-dt/tau_m); t_ref in whole steps; tau_m/c_m (ms cm2/uF = 1/(mS/cm2))
    derived_params: ClassVar[tuple[str, ...]] = DERIVED_PARAMS
    kernel = staticmethod(step_lif)
    positive: ClassVar[tuple[str, ...]] = ("tau_m", "c_m")
    non_negative: ClassVar[tuple[str, ...]] = ("t_ref",)
    ordered: ClassVar[tuple[tuple[str, str], ...]] = (("v_reset", "v_th"),)

    def derive(self, p: np.ndarray, dt: float) -> None:
        p[DECAY] = np.exp(-dt / p[TAU_M])
        p[REFRACTORY_STEPS] = np.round(p[T_REF] / dt)
        p[R_M] = p[TAU_M] / p[C_M]

    def channel_weight(self, p: np.ndarray, tau_c: float, dt: float) -> np.ndarray:
        """The exact jump of V over one step (mV per uA/cm2 of channel current at t): the
        channel decays with tau_c while V relaxes with tau_m."""
        tau_m, c_m = p[TAU_M], p[C_M]
        same = np.isclose(tau_m, tau_c)
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = (
                tau_m
                * tau_c
                / (c_m * (tau_c - tau_m))
                * (np.exp(-dt / tau_c) - np.exp(-dt / tau_m))
            )
        return np.where(same, dt / c_m * np.exp(-dt / tau_m), exact)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))
