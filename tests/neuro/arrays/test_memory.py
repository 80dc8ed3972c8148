"""A run's memory is estimated before anything is allocated (axonlab.neuro.arrays.memory)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from axonlab import neuro
from axonlab.neuro.arrays.build import build
from axonlab.neuro.arrays.memory import RunTooLargeError, available_memory, estimate_memory
from axonlab.neuro.engine import loop as engine
from axonlab.neuro.engine.loop import simulate
from tests.paths import ROOT

MB = 1e6


def _sparse(n: int = 8000) -> neuro.Network:
    net = neuro.Network(dt=0.1, seed=1)
    net.add("exc", neuro.LIF(), n=n * 4 // 5)
    net.add("inh", neuro.LIF(), n=n // 5)
    for pre, tau in (("exc", 5.0), ("inh", 10.0)):
        for post in ("exc", "inh"):
            net.connect(
                pre,
                post,
                neuro.ExpCurrentSynapse(0.1, tau=tau),
                rule="fixed_probability",
                p=0.02,
                delay=neuro.Uniform(0.0, 2.0),
            )
    return net


def _recorded() -> neuro.Network:
    net = neuro.Network(dt=0.01, seed=1)
    net.add("pre", neuro.HodgkinHuxley(), n=4)
    net.add("post", neuro.HodgkinHuxley(), n=4)
    net.connect("pre", "post", neuro.ChemicalSynapse(g_max=0.1), delay=1.0)
    net.monitor("post", ["v", "m", "h", "n", "i_syn"])
    return net


def _measured_peak(net: neuro.Network, n_steps: int) -> int:
    # compile (or load numba's cache) first: numba's compiler allocates in Python too, and under
    # tracemalloc a cold compile takes most of a minute
    small = build(_recorded(), 10)
    simulate(small.loop, small.dt, 0, 1)
    tracemalloc.start()
    try:
        arrays = build(net, n_steps)
        simulate(arrays.loop, arrays.dt, 0, 1)  # allocates the spike buffer, runs nothing
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("make", "n_steps"), [(_sparse, 10), (_recorded, 200_000)], ids=["synapses", "recordings"]
)
def test_the_estimate_matches_what_is_allocated(make, n_steps):
    net = make()
    estimate = estimate_memory(net, n_steps).total
    measured = _measured_peak(net, n_steps)
    assert measured > 20 * MB  # big enough for the fixed overheads not to matter
    assert 0.85 < estimate / measured < 1.25, (estimate, measured)


def test_a_run_too_large_is_refused_with_what_fits():
    net = _sparse(2_000_000)  # 80 billion bytes of synapses to build: refused, not allocated
    limit = 2_000_000_000
    with pytest.raises(
        RunTooLargeError,
        match=r"needs about [\d.,]+ TB of memory \(building "
        r"synapses [\d.,]+ TB.*\) and 2.0 GB is "
        r"available; "
        r"what fits: about [\d,]+ neurons",
    ) as err:
        net.run(100.0, memory_limit=limit)
    needed, fits = err.value.needed, err.value.max_neurons
    assert needed == estimate_memory(net, 1000).total > limit
    assert 10_000 < fits < 2_000_000  # p = 0.02: synapses grow with the square of n
    smaller = _sparse(fits)
    assert estimate_memory(smaller, 1000).total <= limit
    assert estimate_memory(_sparse(int(fits * 1.05)), 1000).total > limit


def test_a_run_too_long_to_record_gets_the_longest_duration_that_fits():
    net = _recorded()
    limit = 100 * MB
    with pytest.raises(RunTooLargeError) as err:
        net.run(1e6, memory_limit=limit)  # 1e8 steps x 24 recorded columns x 8 bytes
    longest = err.value.max_duration_ms
    assert 1_000 < longest < 1e6
    steps = int(round(longest / net.dt))
    assert estimate_memory(net, steps).total <= limit < estimate_memory(net, steps * 11 // 10).total
    assert available_memory() is None or available_memory() > 0


def test_the_spike_buffer_grows_when_a_run_fires_more_than_it_holds(monkeypatch):
    def spikes():
        net = neuro.Network(dt=0.1)
        net.add("fast", neuro.LIF(t_ref=0.0), n=100)
        net.stimulate("fast", current=np.linspace(5.0, 20.0, 100))
        return net.run(500.0).spikes("fast")

    roomy = spikes()
    monkeypatch.setattr(engine, "SPIKES_PER_NEURON", 0)  # the smallest buffer, 4096 spikes
    tight = spikes()
    assert len(roomy) > 3 * 4096
    np.testing.assert_array_equal(roomy.times, tight.times)
    np.testing.assert_array_equal(roomy.neurons, tight.neurons)


def test_the_cli_refuses_a_duration_that_cannot_be_recorded(monkeypatch, capsys):
    import sys

    from axonlab.cli import main

    # 1e9 ms at dt = 0.01 ms: 1e11 steps of recorded traces, terabytes
    spec = str(ROOT / "examples/neuro/synapse_pair.yaml")
    monkeypatch.setattr(sys, "argv", ["axonlab", "sim", "run", spec, "--duration", "1e9"])
    with pytest.raises(SystemExit) as done:
        main()
    err = capsys.readouterr().err
    assert done.value.code == 1 and "Traceback" not in err and err.count("\n") == 1
    assert "error: this run needs about" in err and "recordings" in err and "ms at this size" in err
