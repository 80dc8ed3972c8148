"""The network a user builds and runs.

    net = Network(dt=0.01)                                   # ms
    pre = net.add("pre", HodgkinHuxley(), n=1)
    post = net.add("post", HodgkinHuxley(), n=1)
    net.connect(pre, post, ChemicalSynapse("glutamate", "AMPA", g_max=0.5))
    net.stimulate(pre, current=10.0, start=5, stop=6)        # uA/cm2, ms
    result = net.run(50.0)                                   # ms

What a network is lives in :mod:`axonlab.neuro.description`; :meth:`Network.run` hands it to
:mod:`axonlab.neuro.runner`, which builds the flat arrays (:mod:`axonlab.neuro.arrays.build`), runs
the
numba loop (:mod:`axonlab.neuro.engine.loop`) and wraps what comes back in a :class:`Result`. Those
read the description, never this module, so the two sides import each other nowhere.
"""

from __future__ import annotations

from axonlab.neuro.description import (
    DEFAULT_TRACE_LIMIT,
    Monitor,
    NetworkDescription,
    PoissonInput,
    Population,
    Projection,
    Stimulus,
    Volume,
    default_projection_name,
)
from axonlab.neuro.results.result import Result
from axonlab.neuro.runner import run

__all__ = [
    "DEFAULT_TRACE_LIMIT",
    "Monitor",
    "Network",
    "PoissonInput",
    "Population",
    "Projection",
    "Stimulus",
    "Volume",
    "default_projection_name",
]


class Network(NetworkDescription):
    """A network to simulate with time step ``dt`` (ms) and random ``seed``."""

    def run(
        self, duration: float, *, progress: bool = False, memory_limit: int | None = None
    ) -> Result:
        """Simulate ``duration`` ms and return a :class:`axonlab.neuro.results.result.Result`.

        Before anything is allocated, the run's memory is estimated
        (:func:`axonlab.neuro.arrays.memory.estimate_memory`); a run that needs more than
        ``memory_limit`` bytes (default: the memory available now) raises
        :class:`axonlab.errors.RunTooLargeError` with the largest size and duration
        that fit.
        """
        return run(self, duration, memory_limit=memory_limit)
