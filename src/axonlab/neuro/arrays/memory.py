"""How much memory a run will take, estimated from the network description before anything is
allocated, so that a run too large for the machine is refused with figures instead of dying
with MemoryError (or swapping) minutes into building it.

The figures per element are what :mod:`axonlab.neuro.arrays.build` and
:mod:`axonlab.neuro.engine.loop`
allocate: measured with tracemalloc on networks of 20,000 neurons and 8 million synapses.
Building needs more than running: the connection rules produce int64 index arrays that are
concatenated and sorted before a synapse is packed into its 17 bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import RunTooLargeError  # noqa: F401  (also importable from here)
from axonlab.neuro.connect import Normal, Uniform, Value
from axonlab.neuro.description import DEFAULT_TRACE_LIMIT
from axonlab.neuro.engine.loop import spike_buffer_capacity
from axonlab.neuro.models import N_PARAM, N_STATE
from axonlab.neuro.synapses import ChemicalSynapse, ExpConductanceSynapse, GapJunction

# bytes per neuron while running: state, parameters, c_m, three current rows, two energy
# accumulators (float64), plus the loop's spike flag and last spike time
NEURON_BYTES = (N_STATE + N_PARAM + 1 + 3 + 2) * 8 + 9
NEURON_BUILD_BYTES = 80  # extra while building (initial values, per-population matrices)
EXP_SYNAPSE_BYTES = 17  # target uint32, channel uint8, weight float64, delay uint32
EXP_SYNAPSE_BUILD_BYTES = 113  # measured peak per synapse while the rule's output is packed
# pre, post, delay (int64), 11 kinetic and short-term parameters, 5 state values (T, r, u, R, last)
CHEMICAL_SYNAPSE_BYTES = 152
CHEMICAL_SYNAPSE_BUILD_BYTES = 249
# a plastic synapse, besides its weight: flag, position, pre, post, rule (int64), 4 state values,
# and its place in the by-pre and by-post indexes (see layout.PlasticSynapses)
PLASTIC_SYNAPSE_BYTES = 1 + 4 * 8 + 4 * 8 + 2 * 8
PLASTIC_SYNAPSE_BUILD_BYTES = 96  # argsorts and index arrays while the indexes are made
GAP_BYTES = 24  # two int64 ends and a float64 conductance
GAP_BUILD_BYTES = 64
SPIKE_BYTES = 16  # int64 neuron index and float64 time per stored spike
INPUT_BYTES = 40  # per neuron and stimulus or Poisson input (index, window, amplitudes)
GB = 1e9

if TYPE_CHECKING:
    from axonlab.neuro.description import NetworkDescription, Projection


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run will need at its peak, and what they are for (``parts``: neurons,
    synapses, channels, recordings, spikes). ``building`` is the peak while the network's
    arrays are made, ``running`` the peak while it runs; ``total`` the larger."""

    parts: dict[str, int]
    building: int
    running: int
    n_neurons: int
    recording_bytes_per_row: int
    record_every: int  # steps between recorded rows

    @property
    def total(self) -> int:
        return max(self.building, self.running)


def available_memory() -> int | None:
    """Bytes the system can give without swapping (MemAvailable of /proc/meminfo; elsewhere
    the free physical pages), or None if neither can be read."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate_memory(net: NetworkDescription, n_steps: int, scale: float = 1.0) -> MemoryEstimate:
    """Estimate the memory of running ``net`` for ``n_steps`` steps (with every population
    ``scale`` times its size: used to find the largest network that fits)."""
    sizes = {name: max(1, int(pop.n * scale)) for name, pop in net.populations.items()}
    n = sum(sizes.values())
    exp = chem = gap = plastic = 0
    channels, ring, hist = set(), 1, 1
    for proj in net.projections.values():
        m = _expected_synapses(proj, sizes[proj.pre.name], sizes[proj.post.name])
        plastic += m if proj.plasticity is not None else 0
        delay_steps = int(round(_upper(proj.delay) / net.dt)) + 1
        if isinstance(proj.synapse, GapJunction):
            gap += m
        elif isinstance(proj.synapse, ChemicalSynapse):
            chem += m
            hist = max(hist, delay_steps)
        else:
            exp += m
            channels.add(_channel_key(proj.synapse))
            ring = max(ring, delay_steps)
    channels |= {_channel_key(item.synapse) for item in net.poisson_inputs}
    inputs = sum(sizes[s.population.name] for s in net.stimuli)
    inputs += sum(sizes[p.population.name] for p in net.poisson_inputs)
    columns, every = _recorded_columns(net, sizes)
    rows = n_steps // every + 1
    parts = {
        "neurons": n * NEURON_BYTES + inputs * INPUT_BYTES + (hist * n if chem else 0),
        "channels": len(channels) * n * 8 * (2 + (ring if ring > 1 else 1)),
        "synapses": exp * EXP_SYNAPSE_BYTES
        + chem * CHEMICAL_SYNAPSE_BYTES
        + gap * GAP_BYTES
        + plastic * PLASTIC_SYNAPSE_BYTES,
        "recordings": rows * columns * 8,
        "spike buffer": spike_buffer_capacity(n) * SPIKE_BYTES,
    }
    parts["building synapses"] = (
        exp * EXP_SYNAPSE_BUILD_BYTES
        + chem * CHEMICAL_SYNAPSE_BUILD_BYTES
        + gap * GAP_BUILD_BYTES
        + plastic * PLASTIC_SYNAPSE_BUILD_BYTES
    )
    building = (
        parts["neurons"] + parts["channels"] + n * NEURON_BUILD_BYTES + parts["building synapses"]
    )
    running = sum(v for k, v in parts.items() if k != "building synapses")
    return MemoryEstimate(parts, int(building), int(running), n, columns * 8, every)


def check_memory(net: NetworkDescription, n_steps: int, limit: int | None = None) -> MemoryEstimate:
    """Raise :class:`RunTooLargeError` if running ``net`` for ``n_steps`` steps needs more
    than ``limit`` bytes (default: :func:`available_memory`); else return the estimate."""
    est = estimate_memory(net, n_steps)
    limit = available_memory() if limit is None else limit
    if limit is None or est.total <= limit:
        return est
    max_duration = _max_duration(est, limit, net.dt)
    max_neurons = _max_neurons(net, n_steps, limit)
    fits = []
    if max_neurons is not None:
        fits.append(f"about {max_neurons:,} neurons at this duration and connectivity")
    if max_duration is not None:
        shown = f"{max_duration:,.0f}" if max_duration >= 1 else f"{max_duration:.3g}"
        fits.append(
            f"{shown} ms at this size (fewer recorded variables or a larger monitor "
            "'every' stretch it)"
        )
    biggest = sorted(est.parts.items(), key=lambda kv: -kv[1])[:2]
    what = ", ".join(f"{name} {_gb(size)}" for name, size in biggest)
    raise RunTooLargeError(
        f"this run needs about {_gb(est.total)} of memory ({what}) and {_gb(limit)} is "
        "available; "
        + (f"what fits: {' or '.join(fits)}" if fits else "nothing of this shape fits"),
        needed=est.total,
        available=limit,
        max_neurons=max_neurons,
        max_duration_ms=max_duration,
    )


def _gb(size: float) -> str:
    """A byte count for a reader: TB, GB (one decimal) or MB."""
    if size >= 1e6 * 1000 * GB:  # absurd sizes (dt = 1e-300 ms) stay readable
        return f"{size / (1000 * GB):.3g} TB"
    if size >= 1000 * GB:
        return f"{size / (1000 * GB):,.1f} TB"
    return f"{size / GB:.1f} GB" if size >= 0.1 * GB else f"{size / 1e6:.3g} MB"


def _max_duration(est: MemoryEstimate, limit: int, dt: float) -> float | None:
    """Longest run at this size (recordings grow with the duration; nothing else does)."""
    if not est.recording_bytes_per_row or est.building > limit:
        return None
    spare = limit - (est.running - est.parts["recordings"])
    rows = spare // est.recording_bytes_per_row
    longest = (rows - 1) * est.record_every * dt
    return longest if rows >= 2 and longest >= dt else None


def _max_neurons(net: NetworkDescription, n_steps: int, limit: int) -> int | None:
    """Most neurons (every population scaled alike) that fit for ``n_steps`` steps."""
    lo, hi = 0.0, 1.0
    if estimate_memory(net, n_steps, 1e-9).total > limit:
        return None
    for _ in range(40):  # bisection on the scale factor
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if estimate_memory(net, n_steps, mid).total <= limit else (lo, mid)
    return estimate_memory(net, n_steps, lo).n_neurons if lo > 0 else None


def _expected_synapses(proj: Projection, n_pre: int, n_post: int) -> int:
    autapses = proj.pre is proj.post and not proj.allow_self
    if proj.rule == "all_to_all":
        return n_pre * n_post - (min(n_pre, n_post) if autapses else 0)
    if proj.rule == "one_to_one":
        return 0 if autapses else n_pre
    if proj.rule == "fixed_probability":
        return int(np.ceil((proj.p or 0.0) * n_pre * n_post))
    if proj.rule == "fixed_indegree":
        return (proj.k or 0) * n_post
    return len(proj.pairs or ())


def _upper(value: Value) -> float:
    """A value's largest likely draw (ms for delays): 5 standard deviations for a Normal."""
    if isinstance(value, Uniform):
        return float(max(value.low, value.high))
    if isinstance(value, Normal):
        return float(value.mean + 5 * abs(value.std))
    arr = np.asarray(value, dtype=float)
    return float(arr.max()) if arr.size else 0.0


def _channel_key(synapse) -> tuple:
    if isinstance(synapse, ExpConductanceSynapse):
        return (True, float(synapse.tau), float(synapse.e_rev))
    return (False, float(getattr(synapse, "tau", 0.0)), 0.0)


def _recorded_columns(net: NetworkDescription, sizes: dict[str, int]) -> tuple[int, int]:
    """(recorded columns, fewest steps between recorded rows) of the monitors and the default
    monitors (small populations and chemical projections; see build._default_monitors)."""
    columns, every = 0, []
    watched = {m.target for m in net.monitors}
    for mon in net.monitors:
        if mon.neurons is not None:
            count = len(mon.neurons)
        elif mon.target in sizes:
            count = sizes[mon.target]
        else:
            proj = net.projections[mon.target]
            count = _expected_synapses(proj, sizes[proj.pre.name], sizes[proj.post.name])
        columns += count * len(mon.variables)
        every.append(max(1, int(round(mon.every / net.dt))) if mon.every else 1)
    for name, pop in net.populations.items():
        if name not in watched and pop.n <= DEFAULT_TRACE_LIMIT:
            columns += sizes[name]
            every.append(1)
    for name, proj in net.projections.items():
        if (
            name not in watched
            and isinstance(proj.synapse, ChemicalSynapse)
            and proj.pre.n * proj.post.n <= DEFAULT_TRACE_LIMIT
        ):
            columns += 2 * _expected_synapses(proj, sizes[proj.pre.name], sizes[proj.post.name])
            every.append(1)
    return columns, min(every, default=1)
