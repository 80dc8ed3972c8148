"""Running a network: check its memory, build its arrays, run the loop, wrap the result.

:meth:`axonlab.neuro.network.Network.run` calls :func:`run`. This side reads the description
(:mod:`~axonlab.neuro.description`), never the network that runs it, so the two import each other
nowhere.
"""

from __future__ import annotations

import math

from axonlab.errors import InputError, SimulationError
from axonlab.neuro.arrays.build import build
from axonlab.neuro.arrays.memory import check_memory
from axonlab.neuro.description import NetworkDescription
from axonlab.neuro.engine.loop import Unstable, simulate
from axonlab.neuro.results.result import Result


def run(net: NetworkDescription, duration: float, *, memory_limit: int | None = None) -> Result:
    """Simulate ``net`` for ``duration`` ms (see :meth:`axonlab.neuro.network.Network.run`)."""
    if not (math.isfinite(duration) and duration > 0):
        raise InputError(f"`duration` must be a finite number of ms > 0, got {duration}")
    if not net.populations:
        raise InputError("the network has no populations; add one with net.add(...)")
    n_steps = int(round(duration / net.dt))
    if n_steps < 1:
        raise InputError(
            f"`duration` {duration:g} ms is shorter than one step (dt = {net.dt:g} ms)"
        )
    check_memory(net, n_steps, memory_limit)
    arrays = build(net, n_steps)
    try:
        raw = simulate(arrays.loop, net.dt, n_steps, arrays.run_seed)
    except Unstable as err:
        pop = arrays.layout.population_of(err.neuron)
        raise SimulationError(
            f"population {pop!r} went numerically unstable at t = {err.step * net.dt:g} ms "
            f"(membrane potential not finite); try a smaller dt than {net.dt} ms"
        ) from None
    return Result(net, arrays.layout, raw, duration)
