"""Neurons, synapses with transmitter kinetics, networks, energy (units in DESIGN.md: ms, mV,
uA/cm2, mS/cm2, uF/cm2, mM).

    from axonlab import neuro
    net = neuro.Network(dt=0.01)
    pre = net.add("pre", neuro.HodgkinHuxley(), n=1)
    post = net.add("post", neuro.HodgkinHuxley(), n=1)
    syn = neuro.ChemicalSynapse(transmitter="glutamate", receptor="AMPA", g_max=0.5)
    net.connect(pre, post, syn)
    net.stimulate(pre, current=10.0, start=5, stop=6)
    result = net.run(50.0)
"""

from axonlab.errors import RunTooLargeError
from axonlab.neuro.arrays.memory import estimate_memory
from axonlab.neuro.connect import Normal, Uniform
from axonlab.neuro.models import (
    LIF,
    AdEx,
    HodgkinHuxley,
    Izhikevich,
    NeuronModel,
    PoissonSource,
    TraubMiles,
)
from axonlab.neuro.network import Network, Population, Projection, Volume
from axonlab.neuro.plasticity import STDP, TsodyksMarkram
from axonlab.neuro.results.energy import Energy
from axonlab.neuro.results.result import Result, Spikes, Trace
from axonlab.neuro.spec import load_spec, network_from_spec
from axonlab.neuro.synapses import (
    ChemicalSynapse,
    ExpConductanceSynapse,
    ExpCurrentSynapse,
    GapJunction,
)

__all__ = [
    "LIF",
    "AdEx",
    "ChemicalSynapse",
    "Energy",
    "ExpConductanceSynapse",
    "ExpCurrentSynapse",
    "GapJunction",
    "HodgkinHuxley",
    "Izhikevich",
    "Network",
    "NeuronModel",
    "Normal",
    "PoissonSource",
    "Population",
    "Projection",
    "Result",
    "RunTooLargeError",
    "STDP",
    "Spikes",
    "Trace",
    "TraubMiles",
    "TsodyksMarkram",
    "Uniform",
    "Volume",
    "estimate_memory",
    "load_spec",
    "network_from_spec",
]
