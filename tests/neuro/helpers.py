"""Networks several neuro test modules share."""

from __future__ import annotations

from axonlab import neuro


def chemical_pair(receptor: str, transmitter: str):
    """Two HH neurons joined by one chemical synapse (g_max 0.05 mS/cm2); the presynaptic one
    fires once, from a 10 uA/cm2 pulse at 5-6 ms; 40 ms at dt = 0.01 ms."""
    net = neuro.Network(dt=0.01, seed=1)
    net.add("pre", neuro.HodgkinHuxley())
    net.add("post", neuro.HodgkinHuxley())
    net.connect("pre", "post", neuro.ChemicalSynapse(transmitter, receptor, g_max=0.05))
    net.stimulate("pre", current=10.0, start=5, stop=6)
    return net.run(40.0)
