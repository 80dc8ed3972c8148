"""Running a network: delays, seeds, instability, blocks (axonlab.neuro.network)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import CoarseTimeStepWarning, SimulationError


def test_delay_delivers_exactly_d_ms_later():
    net = neuro.Network(dt=0.1)
    net.add("pre", neuro.LIF(t_ref=50.0), v_init=-65.0)
    net.add("post", neuro.LIF(v_th=100.0))
    net.connect("pre", "post", neuro.ExpCurrentSynapse(weight=1.0, tau=5.0), delay=3.0, name="syn")
    net.monitor("post", ["syn"])
    net.stimulate("pre", current=20.0)
    res = net.run(20.0)
    t_spike = res.spikes("pre")[0]
    g = res.trace("post", "syn")
    first = g.t[np.argmax(g > 0)]
    assert first == pytest.approx(t_spike + 3.0, abs=1e-9)


def test_seeded_runs_reproduce_bit_for_bit():
    def run():
        net = neuro.Network(dt=0.1, seed=42)
        net.add("p", neuro.LIF(), n=50, v_init=neuro.Uniform(-65, -50))
        net.connect("p", "p", neuro.ExpCurrentSynapse(0.2), rule="fixed_probability", p=0.1)
        net.stimulate("p", current=0.7, noise=0.5)
        net.poisson("p", 50.0, neuro.ExpCurrentSynapse(0.3), n_sources=5)
        return net.run(100.0).spikes("p")

    a, b = run(), run()
    assert len(a) > 0
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.neurons, b.neurons)


def test_the_reported_seed_reproduces_an_unseeded_run():
    def run(seed):
        net = neuro.Network(dt=0.1, seed=seed)
        net.add("p", neuro.LIF(), n=20, v_init=neuro.Uniform(-65, -50))
        net.connect("p", "p", neuro.ExpCurrentSynapse(0.2), rule="fixed_probability", p=0.2)
        # above rheobase, so that every seed spikes (~150 spikes) and the comparison means something
        net.stimulate("p", current=1.5, noise=0.5)
        return net.run(100.0)

    first = run(None)
    assert run(42).seed == 42
    again = run(first.seed)
    assert len(first.spikes("p")) > 0
    np.testing.assert_array_equal(first.spikes("p").times, again.spikes("p").times)


def test_instability_raises_simulation_error():
    net = neuro.Network(dt=0.5)
    with pytest.warns(CoarseTimeStepWarning):  # warned when added, stopped when it blows up
        net.add("fast", neuro.HodgkinHuxley())
    net.stimulate("fast", current=50.0)
    with pytest.raises(SimulationError, match="fast.*smaller dt"):
        net.run(50.0)


def test_blocks_of_a_large_population_keep_each_neuron_its_own_input():
    # the engine steps neurons in blocks of 2048: neurons on both sides of a block edge must
    # fire exactly as they do alone
    currents = 0.7 + 1e-4 * np.arange(5000)  # uA/cm2: around the LIF's 0.75 threshold current
    net = neuro.Network(dt=0.1)
    net.add("big", neuro.LIF(), n=5000)
    net.stimulate("big", current=currents)
    big = net.run(200.0).spikes("big")
    for i in (0, 2047, 2048, 4095, 4096, 4999):
        alone = neuro.Network(dt=0.1)
        alone.add("one", neuro.LIF(), n=1)
        alone.stimulate("one", current=float(currents[i]))
        np.testing.assert_array_equal(big.train(i), alone.run(200.0).spikes("one").train(0))
