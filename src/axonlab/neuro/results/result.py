"""What a run returns: what it recorded (:mod:`axonlab.neuro.results.recorded`), its energy, saved
to
.npz or NWB, plotted."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.results.energy import Energy, energy_report
from axonlab.neuro.results.outputs import check_data_path, check_figure_path
from axonlab.neuro.results.recorded import Recorded, Spikes, Trace
from axonlab.runs import atomic_path

__all__ = ["Result", "Spikes", "Trace"]


class Result(Recorded):
    """Output of :meth:`axonlab.neuro.network.Network.run`: spikes (:meth:`spikes`), traces
    (:meth:`trace`), final weights (:meth:`weights`) and rates (:meth:`summary`), with the
    energy account, the file and the figure made from them."""

    def energy(self, area_um2: float = 1000.0) -> Energy:
        """ATP used per neuron, population and spike (see :mod:`axonlab.neuro.results.energy`)."""
        return energy_report(self, area_um2)

    def save(self, path: str | Path) -> Path:
        """Write spikes and traces to an ``.npz`` file (atomically), or to an NWB file if the
        name ends in ``.nwb`` (:mod:`axonlab.neuro.results.nwb`; needs the ``nwb`` extra).

        Keys: ``spikes/POP/times`` (ms), ``spikes/POP/neurons``; ``trace/TARGET/VAR`` (values,
        one column per recorded element), ``trace/TARGET/VAR/t`` (ms) and
        ``trace/TARGET/VAR/neurons`` (which element each column is); ``dt_ms``, ``duration_ms``.
        """
        path = check_data_path(path)
        if path.suffix.lower() == ".nwb":
            from axonlab.neuro.results.nwb import save_nwb

            return save_nwb(self, path)
        arrays: dict[str, np.ndarray] = {
            "dt_ms": np.float64(self.dt),
            "duration_ms": np.float64(self.duration),
        }
        for name in self.network.populations:
            sp = self.spikes(name)
            arrays[f"spikes/{name}/times"], arrays[f"spikes/{name}/neurons"] = sp.times, sp.neurons
        for target, var in self.recorded():
            tr = self.trace(target, var)
            arrays[f"trace/{target}/{var}"] = np.asarray(tr)
            arrays[f"trace/{target}/{var}/t"] = tr.t
            arrays[f"trace/{target}/{var}/neurons"] = tr.neurons
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
        except OSError as err:
            raise InputError(f"cannot write: {err.strerror or err}", path=path) from None
        return path

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Save a figure: voltage traces, transmitter/receptor traces, raster, population rates,
        and an f-I curve when a population is a current sweep (see
        :mod:`axonlab.neuro.results.plot`).
        The extension picks the format (.png, .pdf, .svg, ...)."""
        from axonlab.neuro.results.plot import plot_result

        return plot_result(self, check_figure_path(path), title=title)
