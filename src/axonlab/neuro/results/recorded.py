"""What a run recorded, read back through its layout: spike times, traces, final weights, rates.

:class:`axonlab.neuro.results.result.Result` is this with what is made from it (energy, files,
figures);
the modules that make those read this class, so none of them imports the result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError

if TYPE_CHECKING:
    from axonlab.neuro.arrays.layout import Layout
    from axonlab.neuro.description import NetworkDescription
    from axonlab.neuro.engine.loop import RawOutput


@dataclass(frozen=True)
class Spikes:
    """Spikes of one population: ``times`` (ms, ascending) and the ``neurons`` that fired them.

    Iterating, indexing and ``len`` act on the times, so for a population of one neuron a
    ``Spikes`` reads as the flat sequence of its spike times.
    """

    times: np.ndarray
    neurons: np.ndarray
    n: int
    duration: float

    def __len__(self) -> int:
        return self.times.size

    def __iter__(self) -> Iterator[float]:
        return iter(self.times.tolist())

    def __getitem__(self, i):
        return self.times[i]

    def __array__(self, dtype=None, copy=None):
        return self.times if dtype is None else self.times.astype(dtype)

    def train(self, neuron: int) -> np.ndarray:
        """Spike times (ms) of one neuron."""
        return self.times[self.neurons == neuron]

    @property
    def rate_hz(self) -> float:
        """Mean firing rate over neurons and the whole run (Hz)."""
        return float(self.times.size / self.n / (self.duration * 1e-3))


class Trace(np.ndarray):
    """A recorded variable: values (n_samples,) or (n_samples, n_recorded), ``.t`` in ms;
    ``.neurons`` holds the index (within the population or projection) of each recorded
    element, column by column."""

    t: np.ndarray
    neurons: np.ndarray

    def __array_finalize__(self, obj) -> None:
        self.t = getattr(obj, "t", None)
        self.neurons = getattr(obj, "neurons", None)


class Recorded:
    """What a run recorded. ``sim_seconds`` is the wall time of the simulation loop; ``layout``
    says where each population and recorded column sits in ``output``, what the loop produced
    (a :class:`~axonlab.neuro.engine.loop.RawOutput`: spikes, recordings, charges)."""

    def __init__(self, net: NetworkDescription, layout: Layout, output: RawOutput, duration: float):
        self.network, self.duration, self.dt = net, float(duration), net.dt
        self.sim_seconds = output.sim_seconds
        self.seed = layout.seed
        self.layout, self.output = layout, output
        order = np.argsort(output.spike_time, kind="stable")
        self._spk_idx, self._spk_t = output.spike_index[order], output.spike_time[order]

    def __repr__(self) -> str:
        pops = self.summary()["populations"]
        rates = ", ".join(f"{k}: {v['rate_hz']:.2f} Hz" for k, v in pops.items())
        return f"{type(self).__name__}({self.duration:g} ms, {rates})"

    def spikes(self, population: str) -> Spikes:
        """Spike times (ms) of ``population``; see :class:`Spikes`."""
        pop = self._population(population)
        lo = self.layout.offsets[pop.name]
        keep = (self._spk_idx >= lo) & (self._spk_idx < lo + pop.n)
        return Spikes(self._spk_t[keep], self._spk_idx[keep] - lo, pop.n, self.duration)

    def trace(self, target: str, var: str = "v") -> Trace:
        """Recorded ``var`` of a population (or T/r of a chemical projection); ``.t`` in ms.

        Shape (n_samples,) for one recorded element, else (n_samples, n_elements).
        """
        cols = [
            c for c, rc in enumerate(self.layout.columns) if rc.target == target and rc.var == var
        ]
        if not cols:
            have = sorted({f"{c.target}.{c.var}" for c in self.layout.columns})
            raise InputError(
                f"nothing recorded for {target}.{var}; recorded: {have}. "
                f"Add net.monitor({target!r}, [{var!r}]) before run()"
            )
        every = self.layout.columns[cols[0]].every
        n_rows = int(round(self.duration / self.dt)) // every + 1
        values = self.output.recordings[:n_rows, cols]
        out = (values[:, 0] if len(cols) == 1 else values).copy().view(Trace)
        out.t = np.arange(n_rows) * every * self.dt
        out.neurons = np.array([self.layout.columns[c].index for c in cols], dtype=np.int64)
        return out

    def recorded(self) -> list[tuple[str, str]]:
        """The (target, variable) pairs that can be passed to :meth:`trace`."""
        return sorted({(c.target, c.var) for c in self.layout.columns})

    def weights(self, projection: str) -> np.ndarray:
        """(m,) the final weights of a plastic projection (in the order its connection rule made
        its synapses; mS/cm2 or uA/cm2), or the fixed weights of a chemical one (g_max)."""
        if projection in self.layout.plastic:
            return self.output.weights[self.layout.plastic[projection]].copy()
        if projection in self.layout.chemical:
            return self.output.chemical_g_max[self.layout.chemical[projection]].copy()
        if projection in self.network.projections:
            raise InputError(
                f"projection {projection!r} neither learns nor is chemical: its weights are "
                "the ones it was built with"
            )
        raise InputError(
            f"no projection named {projection!r}; have {sorted(self.network.projections)}"
        )

    def summary(self) -> dict:
        """Spike counts and mean rates per population, and the loop time (JSON-ready)."""
        pops = {}
        for name in self.network.populations:
            sp = self.spikes(name)
            pops[name] = {"n": sp.n, "n_spikes": len(sp), "rate_hz": sp.rate_hz}
        summary = {
            "duration_ms": self.duration,
            "dt_ms": self.dt,
            "seed": self.seed,
            "sim_seconds": self.sim_seconds,
            "populations": pops,
        }
        if self.layout.plastic:
            summary["projections"] = {
                name: self.weight_summary(name) for name in self.layout.plastic
            }
        return summary

    def weight_summary(self, projection: str) -> dict:
        """Final weights of a plastic projection, their bounds and how many sit near them."""
        rule = self.network.projections[projection].plasticity
        w = self.weights(projection)
        span = rule.w_max - rule.w_min
        return {
            "w_min": rule.w_min,
            "w_max": rule.w_max,
            "mean_weight": float(w.mean()) if w.size else None,
            "fraction_above_90pct": float(np.mean(w > rule.w_min + 0.9 * span)) if w.size else None,
            "fraction_below_10pct": float(np.mean(w < rule.w_min + 0.1 * span)) if w.size else None,
            "final_weights": w.tolist(),
        }

    def _population(self, name: str):
        if name not in self.network.populations:
            have = sorted(self.network.populations)
            raise InputError(f"no population named {name!r}; have {have}")
        return self.network.populations[name]
