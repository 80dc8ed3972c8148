"""matplotlib figures of a run: voltage traces, raster, transmitter/receptor traces, rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from axonlab.runs import atomic_path

MAX_TRACES = 8  # lines per panel; more is unreadable


def plot_result(result, path: Path) -> Path:
    """Write one figure with a panel per kind of output that the run has."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recorded = result.recorded()
    voltage = [(t, v) for t, v in recorded if v == "v"]
    chemical = [(t, v) for t, v in recorded if v in ("T", "r")]
    panels = [p for p, has in (("v", voltage), ("chem", chemical), ("raster", True),
                               ("rate", True)) if has]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.3 * len(panels)), sharex=True,
                             squeeze=False)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel == "v":
            _lines(ax, result, voltage, "membrane potential (mV)")
        elif panel == "chem":
            _chemical(ax, result, chemical)
        elif panel == "raster":
            _raster(ax, result)
        else:
            _rates(ax, result)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path


def _lines(ax, result, pairs, ylabel: str) -> None:
    for target, var in pairs:
        tr = result.trace(target, var)
        values = np.asarray(tr).reshape(len(tr.t), -1)[:, :MAX_TRACES]
        for j in range(values.shape[1]):
            label = target if values.shape[1] == 1 else f"{target}[{j}]"
            ax.plot(tr.t, values[:, j], lw=0.8, label=label)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, loc="upper right")


def _chemical(ax, result, pairs) -> None:
    twin = ax.twinx()
    for target, var in pairs:
        tr = result.trace(target, var)
        values = np.asarray(tr).reshape(len(tr.t), -1)[:, 0]
        (twin if var == "r" else ax).plot(tr.t, values, lw=0.9,
                                          ls="-" if var == "T" else "--", label=f"{target} {var}")
    ax.set_ylabel("cleft transmitter T (mM)")
    twin.set_ylabel("bound receptors r")
    ax.legend(fontsize=7, loc="upper left")
    twin.legend(fontsize=7, loc="upper right")


def _raster(ax, result) -> None:
    offset = 0
    for name, pop in result.network.populations.items():
        sp = result.spikes(name)
        ax.plot(sp.times, sp.neurons + offset, "|", ms=2, label=name)
        offset += pop.n
    ax.set_ylabel("neuron")
    ax.legend(fontsize=7, loc="upper right")


def _rates(ax, result) -> None:
    bin_ms = max(result.duration / 100, result.dt)
    edges = np.arange(0, result.duration + bin_ms, bin_ms)
    for name, pop in result.network.populations.items():
        counts, _ = np.histogram(result.spikes(name).times, edges)
        ax.step(edges[:-1], counts / pop.n / (bin_ms * 1e-3), where="post", label=name)
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=7, loc="upper right")
