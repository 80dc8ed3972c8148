"""Metabolic cost of activity, in ATP molecules (Attwell & Laughlin 2001, J Cereb Blood Flow
Metab 21:1133).

The Na+/K+ pump exports 3 Na+ per ATP, so ATP = (Na+ charge that entered) / (3 e).
- Action potentials: for Hodgkin–Huxley-type neurons (classic HH, Traub–Miles) the Na+ charge is
  the integral of the inward Na+ current; models without a Na+ current are charged Attwell &
  Laughlin's minimum for one spike, the charge that depolarises the membrane by 100 mV (c_m *
  100 mV per spike).
- Synapses: the inward (depolarising) synaptic current is counted as Na+ charge, as Attwell &
  Laughlin do for glutamatergic currents.
Charges are integrated per cm2 (uA/cm2 * ms = nC/cm2) and scaled by a membrane area.

The supply chain (:meth:`Energy.supply`): the ATP is made from glucose, 2 ATP per glucose by
glycolysis and the rest by the citric-acid cycle and oxidative phosphorylation, which consume
6 O2 per glucose; the full yield is 30-32 ATP per glucose with today's P/O ratios (Rich 2003,
Biochem Soc Trans 31:1095; used by Harris, Jolivet & Attwell 2012, Neuron 75:762; Attwell &
Laughlin 2001 took 33). ``atp_per_glucose`` is a parameter (default 31); all glucose is taken as
fully oxidised (no lactate leaves the cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError

if TYPE_CHECKING:
    from axonlab.neuro.results.recorded import Recorded

ELEMENTARY_CHARGE = 1.602176634e-19  # C
AVOGADRO = 6.02214076e23  # 1/mol
ATP_PER_GLUCOSE = 31.0  # glycolysis + oxidative phosphorylation (30-32; see the docstring)
GLYCOLYSIS_ATP = 2.0  # net ATP per glucose from glycolysis alone
O2_PER_GLUCOSE = 6.0  # C6H12O6 + 6 O2 -> 6 CO2 + 6 H2O
NA_PER_ATP = 3.0
SPIKE_DEPOLARISATION_MV = 100.0


@dataclass(frozen=True)
class Energy:
    """ATP used during a run. Per-neuron arrays (n,), totals per population, per spike."""

    area_um2: float
    spike_atp: dict[str, np.ndarray]
    synaptic_atp: dict[str, np.ndarray]
    n_spikes: dict[str, int]

    def per_neuron(self, population: str) -> np.ndarray:
        """(n,) ATP molecules per neuron (action potentials + synapses)."""
        return self.spike_atp[population] + self.synaptic_atp[population]

    def per_population(self) -> dict[str, float]:
        """Total ATP molecules per population."""
        return {p: float(self.per_neuron(p).sum()) for p in self.spike_atp}

    def per_spike(self) -> dict[str, float | None]:
        """Total ATP per spike fired, per population (None if it did not fire)."""
        return {
            p: (float(self.per_neuron(p).sum() / k) if k else None)
            for p, k in self.n_spikes.items()
        }

    def supply(self, atp_per_glucose: float = ATP_PER_GLUCOSE) -> Supply:
        """Glucose and O2 that made this ATP, at ``atp_per_glucose`` (> 2) ATP per glucose."""
        if not atp_per_glucose > GLYCOLYSIS_ATP:
            raise InputError(
                f"atp_per_glucose must exceed glycolysis' {GLYCOLYSIS_ATP:g}, got {atp_per_glucose}"
            )
        glucose = {p: self.per_neuron(p) / atp_per_glucose for p in self.spike_atp}
        return Supply(atp_per_glucose, glucose, dict(self.n_spikes))

    def as_dict(self) -> dict:
        return {
            "area_um2": self.area_um2,
            "populations": {
                p: {
                    "atp_total": float(self.per_neuron(p).sum()),
                    "atp_action_potentials": float(self.spike_atp[p].sum()),
                    "atp_synaptic": float(self.synaptic_atp[p].sum()),
                    "atp_per_spike": self.per_spike()[p],
                }
                for p in self.spike_atp
            },
        }


@dataclass(frozen=True)
class Supply:
    """Glucose (molecules, per neuron (n,)) and O2 behind an :class:`Energy` account."""

    atp_per_glucose: float
    glucose: dict[str, np.ndarray]
    n_spikes: dict[str, int]

    def o2(self, population: str) -> np.ndarray:
        """(n,) O2 molecules per neuron."""
        return self.glucose[population] * O2_PER_GLUCOSE

    def as_dict(self) -> dict:
        """Per population: glucose and O2 in molecules and mol, per spike, and the share of the
        ATP made by glycolysis."""
        out = {}
        for p, per_neuron in self.glucose.items():
            total = float(per_neuron.sum())
            k = self.n_spikes[p]
            out[p] = {
                "glucose": total,
                "glucose_mol": total / AVOGADRO,
                "o2": total * O2_PER_GLUCOSE,
                "o2_mol": total * O2_PER_GLUCOSE / AVOGADRO,
                "glucose_per_spike": total / k if k else None,
            }
        return {
            "atp_per_glucose": self.atp_per_glucose,
            "glycolysis_share": GLYCOLYSIS_ATP / self.atp_per_glucose,
            "populations": out,
        }


def atp_from_charge(charge_nc_per_cm2: np.ndarray, area_um2: float) -> np.ndarray:
    """ATP molecules needed to pump out a Na+ charge (nC/cm2 over ``area_um2``)."""
    coulombs = np.asarray(charge_nc_per_cm2) * 1e-9 * area_um2 * 1e-8
    return coulombs / ELEMENTARY_CHARGE / NA_PER_ATP


def energy_report(result: Recorded, area_um2: float) -> Energy:
    """Energy account of a :class:`axonlab.neuro.results.result.Result` (its ``layout`` says which
    neurons are whose, its ``output`` holds the charges the loop integrated)."""
    layout, output = result.layout, result.output
    spike_atp, syn_atp, counts = {}, {}, {}
    for pop in result.network.populations.values():
        sl = layout.neurons_of(pop.name)
        sp = result.spikes(pop.name)
        if pop.model.has_sodium_current:
            na = output.na_charge[sl]
        else:
            per_neuron = np.bincount(sp.neurons, minlength=pop.n)
            na = per_neuron * layout.c_m[sl] * SPIKE_DEPOLARISATION_MV
        spike_atp[pop.name] = atp_from_charge(na, area_um2)
        syn_atp[pop.name] = atp_from_charge(output.syn_charge[sl], area_um2)
        counts[pop.name] = len(sp)
    return Energy(area_um2, spike_atp, syn_atp, counts)
