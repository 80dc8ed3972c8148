"""Rate functions of Hodgkin–Huxley-type gates, written once: the kernels call them every step
and the models' steady states (``initial_state``) call the same compiled functions.

A gate x opens at rate alpha(V) and closes at beta(V) (1/ms): dx/dt = alpha (1 - x) - beta x,
steady state alpha / (alpha + beta).
"""

from __future__ import annotations

import math

from axonlab.neuro.engine.compiled import jit


@jit
def vtrap(x, y):
    """x / (exp(x/y) - 1), continuous at x = 0 (the removable singularity of the HH rates)."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


@jit
def hh_rates(v):
    """(am, bm, ah, bh, an, bn) in 1/ms of the classic squid-axon gates (Hodgkin & Huxley 1952,
    rest at -65 mV) at membrane potential v (mV)."""
    return (
        0.1 * vtrap(-(v + 40.0), 10.0),
        4.0 * math.exp(-(v + 65.0) / 18.0),
        0.07 * math.exp(-(v + 65.0) / 20.0),
        1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0)),
        0.01 * vtrap(-(v + 55.0), 10.0),
        0.125 * math.exp(-(v + 65.0) / 80.0),
    )


@jit
def steady_gates(rates):
    """(m, h, n) steady states alpha / (alpha + beta) of the rates (am, bm, ah, bh, an, bn)."""
    am, bm, ah, bh, an, bn = rates
    return am / (am + bm), ah / (ah + bh), an / (an + bn)
