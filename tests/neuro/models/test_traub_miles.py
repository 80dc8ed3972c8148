"""Traub–Miles neurons and the COBAHH network against Brian2's exponential Euler."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from axonlab.neuro.models.traub_miles import (
    _gate_propagators,
    traub_miles_gate_table,
    traub_miles_rates,
)

# Brian2 2.11, numpy target, method="exponential_euler", dt = 0.1 ms: one Traub–Miles neuron of
# Brian2's COBAHH example (area 20000 um2, no synapses) per constant current (uA/cm2), starting at
# -65 mV with the gates at their steady state; v sampled every 5 ms from t = 0 and the spike
# times (Brian2 stamps a spike with the start of the step in which v crossed -20 mV). Made here
# with Brian2's COBAHH equations and I = current * 2e-4 cm2.
BRIAN2_V = {
    2.0: [
        -65.0,
        -49.559273,
        -78.577525,
        -65.616817,
        -52.35125,
        -79.405051,
        -66.262513,
        -54.02245,
        -80.238126,
        -66.912146,
        -55.193682,
        -81.056246,
        -67.549926,
        -56.099236,
        -81.887756,
        -68.198158,
        -56.879594,
        -82.761097,
        -68.879426,
        -57.606583,
    ],
    5.0: [
        -65.0,
        -84.100798,
        -56.553951,
        -74.597037,
        46.735353,
        -65.634098,
        -84.759844,
        -57.229721,
        -75.339559,
        47.915027,
        -66.338459,
        -85.365544,
        -57.896273,
        -76.050069,
        6.558072,
        -67.022826,
        -85.91945,
        -58.591476,
        -76.783809,
        -29.418439,
    ],
}
BRIAN2_SPIKES = {
    0.0: [38.6],
    0.5: [13.3, 46.8, 80.4],
    2.0: [5.4, 20.7, 36.0, 51.2, 66.5, 81.8, 97.1],
    5.0: [2.9, 11.2, 19.6, 28.0, 36.4, 44.7, 53.1, 61.5, 69.9, 78.3, 86.6, 95.0],
}


def test_gate_table_matches_exact_propagators():
    dt = 0.1
    table = traub_miles_gate_table(dt)
    worst = 0.0
    for x in np.random.default_rng(0).uniform(-120.0, 160.0, 2000):
        am, bm, ah, bh, an, bn = traub_miles_rates(x)
        exact = [
            am / (am + bm),
            np.exp(-dt * (am + bm)),
            ah / (ah + bh),
            np.exp(-dt * (ah + bh)),
            an / (an + bn),
            np.exp(-dt * (an + bn)),
        ]
        worst = max(worst, float(np.max(np.abs(np.array(_gate_propagators(x, table)) - exact))))
    assert worst < 1e-5


def test_traub_miles_matches_brian2_exponential_euler():
    currents = list(BRIAN2_SPIKES)
    net = neuro.Network(dt=0.1)
    net.add("tm", neuro.TraubMiles(), n=len(currents), v_init=-65.0)
    net.stimulate("tm", current=currents)
    net.monitor("tm", ["v"], every=5.0)
    res = net.run(100.0)
    v = np.asarray(res.trace("tm", "v"))
    for j, current in enumerate(currents):
        if current in BRIAN2_V:
            assert np.abs(v[:20, j] - BRIAN2_V[current]).max() < 0.025  # mV, spikes included
        ours, theirs = res.spikes("tm").train(j), np.array(BRIAN2_SPIKES[current])
        assert ours.size == theirs.size
        assert np.all((ours > theirs) & (ours <= theirs + 0.1 + 1e-9))  # inside Brian2's step


def test_traub_miles_energy_counts_sodium_charge():
    net = neuro.Network(dt=0.1)
    net.add("tm", neuro.TraubMiles(), n=2, v_init=-60.0)
    net.stimulate("tm", current=[0.0, 5.0])
    res = net.run(100.0)
    atp = res.energy(area_um2=20000.0).spike_atp["tm"]
    assert atp[1] > 5 * atp[0] > 0  # the firing neuron pumps far more Na+


def _coupled_pair(synapse_init):
    net = neuro.Network(dt=0.1, seed=3)
    net.add("a", neuro.TraubMiles(), n=2, synapse_init=synapse_init)
    net.connect("a", "a", neuro.ExpConductanceSynapse(weight=0.0, tau=5.0, e_rev=0.0), name="exc")
    net.monitor("a", ["exc", "v"])
    return net


def test_synapse_init_sets_and_decays_the_channel():
    res = _coupled_pair({"exc": [0.2, 0.0]}).run(10.0)
    g = np.asarray(res.trace("a", "exc"))
    assert g[0, 0] == pytest.approx(0.2) and g[0, 1] == 0.0
    assert g[50, 0] == pytest.approx(0.2 * np.exp(-5.0 / 5.0), rel=1e-9)
    v = np.asarray(res.trace("a", "v"))
    assert v[20, 0] > v[20, 1] + 5.0  # the excitatory conductance depolarises neuron 0


def test_synapse_init_refuses_two_values_for_one_channel():
    net = _coupled_pair({})
    net.connect("a", "a", neuro.ExpConductanceSynapse(weight=0.0, tau=5.0, e_rev=0.0), name="exc2")
    net.populations["a"].synapse_init.update({"exc": 0.1, "exc2": 0.2})
    with pytest.raises(InputError, match="share one synaptic channel"):
        net.run(1.0)


def test_vanishing_total_conductance_stays_finite():
    # a negative initial conductance cancelling leak and channels (possible with COBAHH's normal
    # initial values, as in Brian2): the exact V update must not divide by zero
    m = neuro.TraubMiles()
    _, m_gate, h_gate, n_gate = m.initial_state(np.array([-65.0]))[:, 0]
    g_rest = m.g_l + m.g_na * m_gate**3 * h_gate + m.g_k * n_gate**4
    net = neuro.Network(dt=0.1)
    net.add("tm", m, n=1, v_init=-65.0, synapse_init={"inh": -g_rest})
    net.connect(
        "tm", "tm", neuro.ExpConductanceSynapse(weight=0.0, tau=10.0, e_rev=-80.0), name="inh"
    )
    v = np.asarray(net.run(5.0).trace("tm", "v"))
    assert np.all(np.isfinite(v)) and abs(v[1] + 65.0) < 5.0


def test_synapse_init_names_an_incoming_projection():
    with pytest.raises(InputError, match=r"synapse_init: 'inh' is not an incoming.*\['exc'\]"):
        _coupled_pair({"inh": 0.1}).run(1.0)
