"""Poisson spike source: a 'neuron' that fires at random at a set rate and has no membrane (the
inputs of Song, Miller & Abbott 2000; Brian2's PoissonGroup, NEST's parrot of poisson_generator).

Unlike :meth:`Network.poisson` (anonymous events into a synaptic channel), each source is a
neuron of its own, so its spikes can be recorded, connected by any rule and paired by STDP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from axonlab.neuro.engine.compiled import jit
from axonlab.neuro.models.base import NeuronModel

RATE_HZ, P_SPIKE = 0, 1


@jit
def step_poisson(
    lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t, na_charge, table
):
    """Each source fires in a step with probability rate * dt (its input is ignored).

    Sources sharing one rate (``uniform``) are visited by geometric skips, one random number
    per spike instead of one per source: the gap to the next source that fires is
    floor(log(U) / log(1 - p)) sources, the same Bernoulli trials at a few percent of the cost.
    """
    prob = p[P_SPIKE, lo]
    if uniform and prob <= 0.0:
        return
    if uniform and prob < 1.0:
        log_miss = math.log1p(-prob)
        i = np.int64(lo) + np.int64(math.log(1.0 - np.random.random()) / log_miss)
        end = np.int64(hi)
        while i < end:
            spiked[i] = True
            spike_t[i] = t + dt
            i += 1 + np.int64(math.log(1.0 - np.random.random()) / log_miss)
        return
    for i in range(lo, hi):
        if np.random.random() < p[P_SPIKE, i]:
            spiked[i] = True
            spike_t[i] = t + dt


@dataclass(repr=False)
class PoissonSource(NeuronModel):
    """Independent Poisson spike trains at ``rate_hz`` (Hz, >= 0; one value or one per source).
    Input to a source is ignored; it costs no energy (it has no membrane)."""

    rate_hz: float = 10.0

    name: ClassVar[str] = "poisson"
    state_names: ClassVar[tuple[str, ...]] = ("v",)
    kernel_params: ClassVar[tuple[str, ...]] = ("rate_hz",)
    derived_params: ClassVar[tuple[str, ...]] = ("p_spike",)  # rate * dt: firing probability
    kernel = staticmethod(step_poisson)
    non_negative: ClassVar[tuple[str, ...]] = ("rate_hz",)

    def derive(self, p: np.ndarray, dt: float) -> None:
        p[P_SPIKE] = p[RATE_HZ] * dt * 1e-3

    @property
    def resting_potential(self) -> float:
        return 0.0

    def membrane_capacitance(self, n: int) -> np.ndarray:
        return np.zeros(n)
