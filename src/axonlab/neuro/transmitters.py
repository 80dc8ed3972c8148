"""Neurotransmitters and receptors: the literature constants of the kinetic synapse.

A presynaptic spike releases ``release`` mM of transmitter into the cleft; the concentration
T(t) is cleared at rate ``k_clear`` (dT/dt = -k_clear*T + release); receptors bind it with
first-order kinetics dr/dt = alpha*T*(1 - r) - beta*r, and the current is g_max*r*(E_rev - V)
(times the Mg2+ block for NMDA).

Receptor constants: Destexhe, Mainen & Sejnowski (1994), J Comput Neurosci 1:195, Table 1 and
their 1998 review "Kinetic models of synaptic transmission" (Methods in Neuronal Modeling, ch. 1):
AMPA alpha 1.1 /mM/ms, beta 0.19 /ms, E 0 mV; NMDA alpha 0.072, beta 0.0066, E 0 mV with the
Jahr & Stevens (1990) block 1/(1 + [Mg]/3.57 exp(-0.062 V)); GABA_A alpha 5, beta 0.18, E -80;
GABA_B in its first-order simplification alpha 0.016, beta 0.0047, E -95 mV.
Nicotinic ACh: first-order fit to the fast nAChR current (rise < 1 ms, decay ~ 3 ms), alpha 1.0,
beta 0.33, E 0 mV — an approximation, not a Destexhe table entry.
Dopamine acts by volume transmission (:class:`axonlab.neuro.network.Volume`): released into the
extracellular space rather than a cleft, it is cleared slowly (tau ~200 ms, k_clear 0.005 /ms) and
each release adds ~0.5 uM (Izhikevich 2007, Cereb Cortex 17:2443, after Garris et al. 1994).
Release: a 1 mM pulse equivalent (Destexhe 1994 used 1 mM for 1 ms); clearance ~1 /ms for
glutamate and GABA (uptake), faster (4 /ms) for acetylcholine (acetylcholinesterase).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transmitter:
    """A neurotransmitter: release per spike (mM) and clearance rate (1/ms)."""

    name: str
    release: float
    k_clear: float


@dataclass(frozen=True)
class Receptor:
    """A receptor: binding alpha (1/(mM ms)), unbinding beta (1/ms), reversal e_rev (mV)."""

    name: str
    transmitter: str
    alpha: float
    beta: float
    e_rev: float
    mg_block: bool = False


TRANSMITTERS: dict[str, Transmitter] = {
    "glutamate": Transmitter("glutamate", release=1.0, k_clear=1.0),
    "gaba": Transmitter("gaba", release=1.0, k_clear=1.0),
    "acetylcholine": Transmitter("acetylcholine", release=1.0, k_clear=4.0),
    "dopamine": Transmitter("dopamine", release=0.5e-3, k_clear=0.005),
}

RECEPTORS: dict[str, Receptor] = {
    "ampa": Receptor("AMPA", "glutamate", alpha=1.1, beta=0.19, e_rev=0.0),
    "nmda": Receptor("NMDA", "glutamate", alpha=0.072, beta=0.0066, e_rev=0.0, mg_block=True),
    "gaba_a": Receptor("GABA_A", "gaba", alpha=5.0, beta=0.18, e_rev=-80.0),
    "gaba_b": Receptor("GABA_B", "gaba", alpha=0.016, beta=0.0047, e_rev=-95.0),
    "nicotinic": Receptor("nicotinic", "acetylcholine", alpha=1.0, beta=0.33, e_rev=0.0),
}

ALIASES = {"ach": "acetylcholine", "glu": "glutamate", "nachr": "nicotinic", "da": "dopamine"}


def _key(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    return ALIASES.get(key, key)


def transmitter(name: str) -> Transmitter:
    """Look up a transmitter preset by name (case-insensitive)."""
    try:
        return TRANSMITTERS[_key(name)]
    except KeyError:
        known = sorted(TRANSMITTERS)
        raise KeyError(f"unknown transmitter {name!r}; expected one of {known}") from None


def receptor(name: str) -> Receptor:
    """Look up a receptor preset by name (case-insensitive: 'AMPA', 'GABA_A', ...)."""
    try:
        return RECEPTORS[_key(name)]
    except KeyError:
        raise KeyError(f"unknown receptor {name!r}; expected one of {sorted(RECEPTORS)}") from None
