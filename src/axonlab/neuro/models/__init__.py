"""Neuron models, one module each, and the registry that the engine, the YAML spec and the docs
read.

Each module holds a model whole (see :mod:`axonlab.neuro.models.base`): parameters with units
and checks, derived per-dt terms, the numba kernel, the steady state. A kernel has one
signature for all models, so that the engine's dispatch is a table lookup by kind code::

    kernel(lo, hi, t, dt, state, p, uniform, has_conductance, drive, spiked, spike_t,
           na_charge, table)

``lo:hi`` the neurons (global indices) to advance from t to t + dt (ms); ``state`` (N_STATE, n)
and ``p`` (N_PARAM, n) the state and parameter matrices; ``uniform``: the block shares one
parameter column; ``has_conductance``: the network has conductance channels; ``drive`` the
block's synaptic drive (see :func:`axonlab.neuro.engine.drive.synaptic_drive`);
``spiked``/``spike_t``
set for neurons that fire; ``na_charge`` (n,) Na+ charge in nC/cm2 for the energy account;
``table`` the model's lookup table (:meth:`NeuronModel.table`) or a placeholder. A kernel reads
what it needs and ignores the rest.

Adding a model = writing one module like ``lif.py`` and listing its class in :data:`REGISTRY`
(docs/neuro.md, "Writing a neuron model").
"""

from __future__ import annotations

from axonlab.neuro.models.adex import AdEx
from axonlab.neuro.models.base import N_PARAM, N_STATE, NeuronModel
from axonlab.neuro.models.hodgkin_huxley import HodgkinHuxley, hh_steady_gates
from axonlab.neuro.models.izhikevich import Izhikevich
from axonlab.neuro.models.lif import LIF
from axonlab.neuro.models.poisson import PoissonSource
from axonlab.neuro.models.traub_miles import TraubMiles

# The order gives the kind codes (the engine's dispatch slots); the names are the YAML spec's
# ``model:`` values, in the order its error messages list them.
REGISTRY: tuple[type[NeuronModel], ...] = (
    HodgkinHuxley,
    LIF,
    Izhikevich,
    AdEx,
    TraubMiles,
    PoissonSource,
)
for _kind, _model in enumerate(REGISTRY):
    _model.kind = _kind
MODELS: dict[str, type[NeuronModel]] = {m.name: m for m in REGISTRY}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)
# every preset name of every model (a preset is a classmethod returning a parameter set)
PRESETS: tuple[str, ...] = tuple(dict.fromkeys(p for m in REGISTRY for p in m.presets))
IZHIKEVICH_PRESETS = Izhikevich.presets  # the earlier name

__all__ = [
    "LIF",
    "MODELS",
    "MODEL_NAMES",
    "N_PARAM",
    "N_STATE",
    "PRESETS",
    "REGISTRY",
    "AdEx",
    "HodgkinHuxley",
    "Izhikevich",
    "NeuronModel",
    "PoissonSource",
    "TraubMiles",
    "hh_steady_gates",
]
