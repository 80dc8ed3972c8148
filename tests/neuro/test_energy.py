"""The ATP account of a run (axonlab.neuro.energy)."""

from __future__ import annotations

from tests.neuro.helpers import chemical_pair


def test_energy_counts_spikes():
    res = chemical_pair("AMPA", "glutamate")
    e = res.energy(area_um2=1000.0)
    assert e.per_population()["pre"] > 0 and e.per_spike()["pre"] > 1e6
    assert e.synaptic_atp["post"][0] > 0
