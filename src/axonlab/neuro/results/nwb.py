"""Neurodata Without Borders (NWB 2) export of a run, with ``pynwb`` (the ``nwb`` extra).

What goes where: every neuron is a row of the units table (its spike times in s, with columns
``population`` and ``neuron``, its index in the population); each recorded variable is a
``TimeSeries`` in ``acquisition`` named ``TARGET.VAR`` (one column per recorded element, in
NWB's SI units through ``conversion``: mV -> V, uA/cm2 -> A/m^2, mS/cm2 -> S/m^2, mM ->
mol/m^3); each current step is a ``TimeSeries`` in ``stimulus`` (its amplitude per neuron at
its start and 0 at its stop). The spec's duration, dt and seed are in the session description.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.runs import atomic_path

if TYPE_CHECKING:
    from axonlab.neuro.results.recorded import Recorded

# variable -> (NWB unit, factor from axonlab's unit to it)
CURRENT, CONDUCTANCE = ("A/m^2", 1e-2), ("S/m^2", 10.0)
UNITS = {
    "v": ("volts", 1e-3),
    "i_ext": CURRENT,
    "i_syn": CURRENT,
    "i_gap": CURRENT,
    "T": ("mol/m^3", 1.0),
    "concentration": ("mol/m^3", 1.0),
    "r": ("dimensionless", 1.0),
    "m": ("dimensionless", 1.0),
    "h": ("dimensionless", 1.0),
    "n": ("dimensionless", 1.0),
}


def require_pynwb():  # noqa: ANN201 (the module)
    """The pynwb module, or :class:`InputError` saying how to install it."""
    try:
        import pynwb
    except ImportError:
        raise InputError("writing .nwb needs pynwb: pip install 'axonlab[nwb]'") from None
    return pynwb


def _unit(result: Recorded, target: str, var: str) -> tuple[str, float]:
    from axonlab.neuro.synapses import ExpCurrentSynapse

    if var in UNITS:
        return UNITS[var]
    projections = result.network.projections
    # a projection's weight or eligibility, or a population's channel named after a projection
    proj = projections.get(target) if var in ("w", "eligibility") else projections.get(var)
    if proj is not None:
        return CURRENT if isinstance(proj.synapse, ExpCurrentSynapse) else CONDUCTANCE
    return ("axonlab unit (see docs/neuro.md)", 1.0)


def save_nwb(result: Recorded, path: str | Path) -> Path:
    """Write ``result`` to the NWB file ``path`` (atomically); see the module docstring."""
    pynwb = require_pynwb()
    path = Path(path)
    net = result.network
    nwb = pynwb.NWBFile(
        session_description=f"axonlab simulation: {result.duration:g} ms at dt {result.dt:g} "
        f"ms, seed {result.seed}; populations {', '.join(net.populations)}",
        identifier=str(uuid.uuid4()),
        session_start_time=datetime.now(UTC),
        source_script="axonlab",
        source_script_file_name="axonlab.neuro",
    )
    nwb.add_unit_column("population", "the population the neuron belongs to")
    nwb.add_unit_column("neuron", "the neuron's index within its population")
    for name, pop in net.populations.items():
        sp = result.spikes(name)
        order = np.lexsort((sp.times, sp.neurons))
        times, neurons = sp.times[order] * 1e-3, sp.neurons[order]
        bounds = np.searchsorted(neurons, np.arange(pop.n + 1))
        for i in range(pop.n):
            nwb.add_unit(spike_times=times[bounds[i] : bounds[i + 1]], population=name, neuron=i)
    for target, var in result.recorded():
        trace = result.trace(target, var)
        unit, conversion = _unit(result, target, var)
        step_s = float(trace.t[1] - trace.t[0]) * 1e-3 if trace.t.size > 1 else result.dt * 1e-3
        nwb.add_acquisition(
            pynwb.TimeSeries(
                name=f"{target}.{var}",
                data=np.asarray(trace),
                unit=unit,
                conversion=conversion,
                starting_time=0.0,
                rate=1.0 / step_s,
                description=f"{var} of {target}, elements {trace.neurons.tolist()}",
            )
        )
    for k, stim in enumerate(net.stimuli):
        stop = result.duration if stim.stop is None else stim.stop
        amp = np.broadcast_to(np.asarray(stim.current, dtype=float), (stim.population.n,))
        nwb.add_stimulus(
            pynwb.TimeSeries(
                name=f"stimulus{k}.{stim.population.name}",
                data=np.stack([amp, np.zeros_like(amp)]),
                unit=CURRENT[0],
                conversion=CURRENT[1],
                timestamps=np.array([stim.start, stop]) * 1e-3,
                description=f"current step into {stim.population.name} (per neuron), "
                f"noise std {stim.noise:g} uA/cm2",
            )
        )
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings():
            # the temporary name does not end in .nwb; the file it becomes does
            warnings.filterwarnings("ignore", message=".*does not end in '.nwb'")
            with pynwb.NWBHDF5IO(str(tmp), "w") as io:
                io.write(nwb)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", path=path) from None
    return path


def read_nwb_spikes(path: str | Path) -> dict[str, list[np.ndarray]]:
    """Spike times (s) per population and neuron from an NWB file written by :func:`save_nwb`."""
    pynwb = require_pynwb()
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        units = io.read().units.to_dataframe()
        found: dict[str, dict[int, np.ndarray]] = {}
        for population, neuron, times in zip(
            units["population"], units["neuron"], units["spike_times"], strict=True
        ):
            found.setdefault(str(population), {})[int(neuron)] = np.asarray(times, dtype=float)
    return {pop: [trains[i] for i in sorted(trains)] for pop, trains in found.items()}
