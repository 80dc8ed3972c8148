"""Neuron models: what each one is (parameters, state, units), not how it is stepped.

Units (DESIGN.md): time ms, voltage mV, current density uA/cm2, conductance density mS/cm2,
capacitance uF/cm2. Every parameter may be a scalar (whole population) or a sequence of length
``n`` (one value per neuron); :meth:`NeuronModel.param_matrix` broadcasts them.

References:
- Hodgkin & Huxley (1952), J Physiol 117:500 — squid axon, rest -65 mV convention.
- Izhikevich (2003), IEEE Trans Neural Netw 14:1569 — simple model and its presets.
- Brette & Gerstner (2005), J Neurophysiol 94:3637 — adaptive exponential IF, their Fig. 2
  parameters rescaled to C = 1 uF/cm2 (area 281 pF / 1 uF/cm2).
- Traub & Miles (1991), Neuronal Networks of the Hippocampus — the HH-type cortical neuron of the
  COBAHH benchmark (Brette et al. 2007, J Comput Neurosci 23:349), their densities per cm2.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from axonlab.errors import InputError

# Kind codes shared with the numba kernels (axonlab.neuro.kernels).
KIND_HH, KIND_LIF, KIND_IZHIKEVICH, KIND_ADEX, KIND_TRAUB_MILES = 0, 1, 2, 3, 4
N_STATE = 4  # rows of the state matrix: v plus up to three model variables
N_PARAM = 10  # rows of the parameter matrix


class NeuronModel(ABC):
    """Base class: a dataclass of parameters, a kind code, named state variables."""

    kind: ClassVar[int]
    state_names: ClassVar[tuple[str, ...]]
    kernel_params: ClassVar[tuple[str, ...]]
    positive: ClassVar[tuple[str, ...]] = ()
    # conductances (mS/cm2) and durations (ms) that a negative value would turn into nonsense
    # (a negative g_na drives V away from e_na) without the kernels noticing
    non_negative: ClassVar[tuple[str, ...]] = ()
    has_sodium_current: ClassVar[bool] = False  # the kernel integrates its Na+ charge (energy)
    # largest dt (ms) at which the model's integrator is accurate and stable through a spike;
    # None: no limit short of the dynamics themselves
    max_dt: ClassVar[float | None] = None

    def __post_init__(self) -> None:
        for name in self.positive:
            if np.any(np.asarray(getattr(self, name), dtype=float) <= 0):
                raise InputError(f"{type(self).__name__}.{name} must be > 0")
        for name in self.non_negative:
            value = np.asarray(getattr(self, name), dtype=float)
            if np.any(value < 0):
                raise InputError(f"{type(self).__name__}.{name} must be >= 0, got "
                                 f"{float(value.min()):g}")

    def param_matrix(self, n: int, dt: float) -> np.ndarray:
        """(N_PARAM, n) float64 matrix of kernel parameters, each row broadcast to n neurons."""
        out = np.zeros((N_PARAM, n))
        for row, name in enumerate(self.kernel_params):
            value = np.asarray(getattr(self, name), dtype=float)
            if value.ndim and value.shape != (n,):
                raise InputError(
                    f"{type(self).__name__}.{name}: expected a scalar or {n} values, "
                    f"got shape {value.shape}"
                )
            out[row] = value
        return out

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        """(N_STATE, n) initial state for membrane potentials ``v0`` (mV)."""
        state = np.zeros((N_STATE, v0.size))
        state[0] = v0
        return state

    @property
    @abstractmethod
    def resting_potential(self) -> float:
        """Default initial membrane potential (mV)."""

    def membrane_capacitance(self, n: int) -> np.ndarray:
        """(n,) membrane capacitance in uF/cm2 (used by the energy account)."""
        return np.broadcast_to(np.asarray(self.c_m, dtype=float), (n,)).copy()

    def __repr__(self) -> str:
        args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{type(self).__name__}({args})"


def _vtrap(x: float, y: float) -> float:
    """x / (exp(x/y) - 1), continuous at x = 0 (the removable singularity of the HH rates)."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


def hh_steady_gates(v: float) -> tuple[float, float, float]:
    """Steady-state (m, h, n) of the classic HH rates at membrane potential v (mV)."""
    am, bm = 0.1 * _vtrap(-(v + 40.0), 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah, bh = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an, bn = 0.01 * _vtrap(-(v + 55.0), 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


@dataclass(repr=False)
class HodgkinHuxley(NeuronModel):
    """Classic squid-axon Hodgkin–Huxley neuron, integrated with RK4 on (V, m, h, n).

    c_m uF/cm2; g_na, g_k, g_l mS/cm2; e_na, e_k, e_l mV. Starts at ``v_rest`` with the gates
    at their steady state.
    """

    c_m: float = 1.0
    g_na: float = 120.0
    g_k: float = 36.0
    g_l: float = 0.3
    e_na: float = 50.0
    e_k: float = -77.0
    e_l: float = -54.387
    v_rest: float = -65.0

    kind: ClassVar[int] = KIND_HH
    state_names: ClassVar[tuple[str, ...]] = ("v", "m", "h", "n")
    kernel_params: ClassVar[tuple[str, ...]] = ("c_m", "g_na", "g_k", "g_l", "e_na", "e_k", "e_l")
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


@dataclass(repr=False)
class LIF(NeuronModel):
    """Leaky integrate-and-fire, integrated exactly between steps.

    c_m dV/dt = -(c_m/tau_m)(V - e_l) + I. tau_m, t_ref ms; c_m uF/cm2; e_l, v_th, v_reset mV.
    A spike (V > v_th) resets V to v_reset and holds it there for t_ref.
    """

    tau_m: float = 20.0
    c_m: float = 1.0
    e_l: float = -65.0
    v_th: float = -50.0
    v_reset: float = -65.0
    t_ref: float = 2.0

    kind: ClassVar[int] = KIND_LIF
    state_names: ClassVar[tuple[str, ...]] = ("v", "refractory_left")
    kernel_params: ClassVar[tuple[str, ...]] = ("tau_m", "c_m", "e_l", "v_th", "v_reset", "t_ref")
    positive: ClassVar[tuple[str, ...]] = ("tau_m", "c_m")
    non_negative: ClassVar[tuple[str, ...]] = ("t_ref",)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))


@dataclass(repr=False)
class Izhikevich(NeuronModel):
    """Izhikevich (2003) simple model: dv/dt = 0.04v^2 + 5v + 140 - u + I, du/dt = a(bv - u).

    v >= v_peak (mV) resets v to c and adds d to u. Presets: :meth:`regular_spiking`,
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

    kind: ClassVar[int] = KIND_IZHIKEVICH
    state_names: ClassVar[tuple[str, ...]] = ("v", "u")
    kernel_params: ClassVar[tuple[str, ...]] = ("a", "b", "c", "d", "v_peak")

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
        state[1] = np.broadcast_to(self.b, v0.shape) * v0
        return state


@dataclass(repr=False)
class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005), RK4 between spikes.

    c_m dV/dt = -g_l(V - e_l) + g_l delta_t exp((V - v_t)/delta_t) - w + I;
    tau_w dw/dt = a(V - e_l) - w; V >= v_peak: V <- v_reset, w <- w + b.
    c_m uF/cm2; g_l, a mS/cm2; b uA/cm2; tau_w ms; potentials mV.
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

    kind: ClassVar[int] = KIND_ADEX
    state_names: ClassVar[tuple[str, ...]] = ("v", "w")
    kernel_params: ClassVar[tuple[str, ...]] = (
        "c_m", "g_l", "e_l", "v_t", "delta_t", "tau_w", "a", "b", "v_reset", "v_peak",
    )
    positive: ClassVar[tuple[str, ...]] = ("c_m", "delta_t", "tau_w")
    non_negative: ClassVar[tuple[str, ...]] = ("g_l",)

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))


@dataclass(repr=False)
class TraubMiles(NeuronModel):
    """Traub & Miles (1991) HH-type cortical neuron, the cell of the COBAHH benchmark network.

    Rates (1/ms) in x = V - v_t: m: 0.32(13-x)/(e^((13-x)/4)-1), 0.28(x-40)/(e^((x-40)/5)-1);
    h: 0.128 e^((17-x)/18), 4/(1+e^((40-x)/5)); n: 0.032(15-x)/(e^((15-x)/5)-1), 0.5 e^((10-x)/40).
    c_m uF/cm2; g_na, g_k, g_l mS/cm2; potentials mV. Integrated with exponential Euler (each
    variable exactly over the step with the others held), which stays stable at dt = 0.1 ms where
    the fast Na+ activation would push RK4 to its stability edge. A spike is an upward crossing
    of ``v_spike``. Starts at ``e_l`` with the gates at their steady state.
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

    kind: ClassVar[int] = KIND_TRAUB_MILES
    state_names: ClassVar[tuple[str, ...]] = ("v", "m", "h", "n")
    kernel_params: ClassVar[tuple[str, ...]] = (
        "c_m", "g_na", "g_k", "g_l", "e_na", "e_k", "e_l", "v_t", "v_spike",
    )
    positive: ClassVar[tuple[str, ...]] = ("c_m",)
    non_negative: ClassVar[tuple[str, ...]] = ("g_na", "g_k", "g_l")
    has_sodium_current: ClassVar[bool] = True

    @property
    def resting_potential(self) -> float:
        return float(np.mean(self.e_l))

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        from axonlab.neuro.kernels import traub_miles_gate_kinetics  # numba-compiled on use

        state = super().initial_state(v0)
        v_t = np.broadcast_to(np.asarray(self.v_t, dtype=float), v0.shape)
        for i, v in enumerate(v0):
            state[1:4, i] = traub_miles_gate_kinetics(float(v) - float(v_t[i]))[0::2]
        return state


MODELS: dict[str, type[NeuronModel]] = {
    "hh": HodgkinHuxley, "lif": LIF, "izhikevich": Izhikevich, "adex": AdEx,
    "traub_miles": TraubMiles,
}
IZHIKEVICH_PRESETS = ("regular_spiking", "fast_spiking", "bursting", "intrinsically_bursting")
