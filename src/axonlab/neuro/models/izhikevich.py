"""Izhikevich (2003) simple model (IEEE Trans Neural Netw 14:1569) and its presets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.engine.drive import membrane_inputs
from axonlab.neuro.models.base import NeuronModel

# Rows of the parameter matrix p the kernel reads, named as the class's kernel_params
# (numba compiles these names in as constants)
KERNEL_PARAMS = ("a", "b", "c", "d", "v_peak")
A, B, C, D, V_PEAK = range(5)


@jit
def _izh_rhs(v, u, a, b, i_in, g_in, ge_in):
    dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i_in + ge_in - g_in * v
    return dv, a * (b * v - u)


@jit
def step_izhikevich(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
    """RK4 between spikes; v >= v_peak resets v to c and adds d to u. Rows: a, b, c, d, v_peak."""
    for i in range(lo, hi):
        v, u = state[0, i], state[1, i]
        i_in, g_in, ge_in = membrane_inputs(drive, i - lo)
        a, b = p[A, i], p[B, i]
        k1 = _izh_rhs(v, u, a, b, i_in, g_in, ge_in)
        k2 = _izh_rhs(v + 0.5 * dt * k1[0], u + 0.5 * dt * k1[1], a, b, i_in, g_in, ge_in)
        k3 = _izh_rhs(v + 0.5 * dt * k2[0], u + 0.5 * dt * k2[1], a, b, i_in, g_in, ge_in)
        k4 = _izh_rhs(v + dt * k3[0], u + dt * k3[1], a, b, i_in, g_in, ge_in)
        v += dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        u += dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        if v >= p[V_PEAK, i]:
            spiked[i] = True
            spike_t[i] = t + dt
            v = p[C, i]
            u += p[D, i]
        state[0, i], state[1, i] = v, u


@dataclass(repr=False)
class Izhikevich(NeuronModel):
    """Izhikevich (2003) simple model: dv/dt = 0.04v^2 + 5v + 140 - u + I, du/dt = a(bv - u).

    v >= v_peak (mV) resets v to c (mV, < v_peak) and adds d to u. a (1/ms), b (dimensionless),
    d and u in the model's own units; v_rest mV. Presets: :meth:`regular_spiking`,
    :meth:`fast_spiking`, :meth:`bursting` (chattering), :meth:`intrinsically_bursting`.
    I is in uA/cm2 with an implied c_m = 1 uF/cm2.
    """

    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0
    v_rest: float = -65.0
    c_m: float = 1.0

    name: ClassVar[str] = "izhikevich"
    state_names: ClassVar[tuple[str, ...]] = ("v", "u")
    kernel_params: ClassVar[tuple[str, ...]] = KERNEL_PARAMS
    kernel = staticmethod(step_izhikevich)
    positive: ClassVar[tuple[str, ...]] = ("c_m",)
    ordered: ClassVar[tuple[tuple[str, str], ...]] = (("c", "v_peak"),)
    presets: ClassVar[tuple[str, ...]] = (
        "regular_spiking",
        "fast_spiking",
        "bursting",
        "intrinsically_bursting",
    )

    @classmethod
    def regular_spiking(cls) -> Izhikevich:
        return cls(a=0.02, b=0.2, c=-65.0, d=8.0)

    @classmethod
    def fast_spiking(cls) -> Izhikevich:
        return cls(a=0.1, b=0.2, c=-65.0, d=2.0)

    @classmethod
    def bursting(cls) -> Izhikevich:
        return cls(a=0.02, b=0.2, c=-50.0, d=2.0)

    @classmethod
    def intrinsically_bursting(cls) -> Izhikevich:
        return cls(a=0.02, b=0.2, c=-55.0, d=4.0)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.v_rest))

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        state = super().initial_state(v0)
        state[1] = np.broadcast_to(self.b, v0.shape) * v0  # u's nullcline at v0
        return state
