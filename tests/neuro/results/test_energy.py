"""The ATP account of a run (axonlab.neuro.results.energy)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.neuro.results.energy import atp_from_charge
from tests.neuro.helpers import chemical_pair


def test_energy_counts_spikes():
    res = chemical_pair("AMPA", "glutamate")
    e = res.energy(area_um2=1000.0)
    assert e.per_population()["pre"] > 0 and e.per_spike()["pre"] > 1e6
    assert e.synaptic_atp["post"][0] > 0


# Hand calculation: the charge that takes 1 uF/cm2 through 100 mV is 1e-6 F/cm2 * 0.1 V =
# 100 nC/cm2; over 1000 um2 (1e-5 cm2) that is 1e-12 C = 6.2415e6 Na+ ions (/ 1.602177e-19 C),
# pumped out at 3 per ATP: 2.0805e6 ATP.
ATP_PER_MINIMAL_SPIKE = 2.0805e6


def test_charge_to_atp_by_hand():
    assert atp_from_charge(100.0, 1000.0) == pytest.approx(ATP_PER_MINIMAL_SPIKE, rel=1e-4)
    assert atp_from_charge(100.0, 2000.0) == pytest.approx(2 * ATP_PER_MINIMAL_SPIKE, rel=1e-4)


def test_a_lif_spike_costs_attwell_and_laughlins_minimum():
    net = neuro.Network(dt=0.1)
    net.add("lif", neuro.LIF(c_m=np.array([1.0, 2.0])), n=2)
    net.stimulate("lif", current=[1.5, 3.0])  # same drive per capacitance: same spike train
    res = net.run(100.0)
    counts = np.bincount(res.spikes("lif").neurons, minlength=2)
    assert counts[0] == counts[1] > 3
    e = res.energy(area_um2=1000.0)
    # c_m = 2 uF/cm2 doubles the charge per spike
    np.testing.assert_allclose(
        e.spike_atp["lif"], counts * [1, 2] * ATP_PER_MINIMAL_SPIKE, rtol=1e-4
    )
    assert e.per_spike()["lif"] == pytest.approx(1.5 * ATP_PER_MINIMAL_SPIKE, rel=1e-4)
    assert e.synaptic_atp["lif"].tolist() == [0.0, 0.0]  # a stimulus is not a synapse


def test_synaptic_atp_counts_the_inward_synaptic_charge():
    # a 2 uA/cm2 current channel decaying with tau = 5 ms, read once per 0.1 ms step for
    # 100 ms: 2 * 0.1 * (1 - e^-20) / (1 - e^-0.02) = 10.1003 nC/cm2 (the continuous
    # integral, 2 uA/cm2 * 5 ms, is 10); an outward (inhibitory) current costs nothing
    net = neuro.Network(dt=0.1)
    net.add("cells", neuro.LIF(v_th=1e3), n=2, synapse_init={"in": [2.0, -2.0]})
    net.connect("cells", "cells", neuro.ExpCurrentSynapse(weight=0.0, tau=5.0), name="in")
    e = net.run(100.0).energy(area_um2=1000.0)
    charge = 2.0 * 0.1 * (1 - np.exp(-20.0)) / (1 - np.exp(-0.02))
    assert charge == pytest.approx(10.1003, rel=1e-5)
    np.testing.assert_allclose(
        e.synaptic_atp["cells"], [charge / 100.0 * ATP_PER_MINIMAL_SPIKE, 0.0], rtol=1e-4
    )
    assert e.as_dict()["populations"]["cells"]["atp_per_spike"] is None  # no spikes


def test_hh_sodium_charge_is_the_integral_of_its_sodium_current():
    net = neuro.Network(dt=0.01)
    hh = neuro.HodgkinHuxley()
    net.add("hh", hh)
    net.stimulate("hh", current=10.0)
    net.monitor("hh", ["v", "m", "h"])
    res = net.run(50.0)
    v, m, h = (np.asarray(res.trace("hh", x)) for x in ("v", "m", "h"))
    inward = np.maximum(hh.g_na * m[:-1] ** 3 * h[:-1] * (hh.e_na - v[:-1]), 0.0)
    charge = inward.sum() * 0.01  # nC/cm2: the state at each step's start, over the step
    e = res.energy(area_um2=1000.0)
    assert len(res.spikes("hh")) >= 3
    assert e.spike_atp["hh"][0] == pytest.approx(charge / 100.0 * ATP_PER_MINIMAL_SPIKE, rel=1e-4)
    # squid HH spends several times the minimum per spike (Na+ and K+ currents overlap, and
    # Na+ keeps flowing between spikes under a steady drive)
    assert e.per_spike()["hh"] > 2 * ATP_PER_MINIMAL_SPIKE


def test_glucose_and_oxygen_follow_from_the_atp_by_hand():
    from axonlab import neuro
    from axonlab.neuro.results.energy import AVOGADRO

    net = neuro.Network(dt=0.1, seed=0)
    net.add("cell", neuro.LIF(c_m=1.0), n=1)
    net.stimulate("cell", current=5.0)
    result = net.run(200.0)
    energy = result.energy(area_um2=1000.0)
    spikes = len(result.spikes("cell"))
    assert spikes > 0
    # a LIF spike costs the charge that depolarises 1 uF/cm2 by 100 mV: 100 nC/cm2, over
    # 1000 um2 = 1e-5 cm2: 1e-12 C = 6.24e6 Na+, / 3 per ATP
    atp = spikes * 100e-9 * 1e-5 / 1.602176634e-19 / 3
    assert energy.per_population()["cell"] == pytest.approx(atp, rel=1e-9)
    supply = energy.supply(atp_per_glucose=30.0).as_dict()
    cell = supply["populations"]["cell"]
    assert cell["glucose"] == pytest.approx(atp / 30.0)
    assert cell["o2"] == pytest.approx(6 * atp / 30.0)
    assert cell["glucose_mol"] == pytest.approx(atp / 30.0 / AVOGADRO)
    assert cell["glucose_per_spike"] == pytest.approx(atp / 30.0 / spikes)
    assert supply["glycolysis_share"] == pytest.approx(2 / 30)
    with pytest.raises(Exception, match="atp_per_glucose"):
        energy.supply(atp_per_glucose=1.5)
