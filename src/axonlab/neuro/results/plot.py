"""matplotlib figures of a run: voltage traces, transmitter/receptor traces, raster, population
rates, and an f-I curve when a population is a current sweep.

Every population keeps one colour in every panel (matplotlib's tab10, in the order the
populations were added); several recorded neurons of one population are shades of it, labelled
with their neuron index (and injected current in a sweep).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.connect import Normal, Uniform
from axonlab.runs import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from axonlab.neuro.results.recorded import Recorded

MAX_TRACES = 8  # lines per population in the voltage panel; more is unreadable
MIN_SWEEP_STEPS = 3  # distinct currents that make a population an f-I sweep
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)  # tab10
CURRENT_UNIT = "µA/cm²"


@dataclass(frozen=True)
class Sweep:
    """A population driven by one constant current per neuron: the data of an f-I curve.

    ``currents`` uA/cm2 and ``rates_hz`` per neuron: the repetitive firing rate during the
    current step ``start``..``stop`` (ms, clipped to the run), 1000 / mean interspike interval
    of the spikes inside it; 0 for a neuron that fires fewer than two (a lone onset spike is
    not repetitive firing: this keeps the classic HH curve's jump from 0 to ~50 Hz).
    """

    population: str
    currents: np.ndarray
    rates_hz: np.ndarray
    start: float
    stop: float


def population_colours(result: Recorded) -> dict[str, str]:
    """One colour per population, in the order they were added."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(result.network.populations)}


def current_sweeps(result: Recorded) -> list[Sweep]:
    """The populations that a stimulus drives with a constant current per neuron taking at
    least :data:`MIN_SWEEP_STEPS` values (no noise): an f-I curve is their natural figure."""
    sweeps, seen = [], set()
    for stim in result.network.stimuli:
        pop = stim.population
        if pop.name in seen or stim.noise or isinstance(stim.current, Uniform | Normal):
            continue
        currents = np.asarray(stim.current, dtype=float)
        if currents.shape != (pop.n,) or np.unique(currents).size < MIN_SWEEP_STEPS:
            continue
        start = min(stim.start, result.duration)
        stop = result.duration if stim.stop is None else min(stim.stop, result.duration)
        if stop <= start:
            continue
        sp = result.spikes(pop.name)
        rates = np.zeros(pop.n)
        for i in range(pop.n):
            train = sp.train(i)
            train = train[(train >= start) & (train < stop)]
            if train.size >= 2:
                rates[i] = 1000.0 * (train.size - 1) / (train[-1] - train[0])
        seen.add(pop.name)
        sweeps.append(Sweep(pop.name, currents, rates, start, stop))
    return sweeps


def plot_result(result: Recorded, path: Path, title: str | None = None) -> Path:
    """Write :func:`make_figure` to ``path`` (atomically; the extension picks the format)."""
    import matplotlib.pyplot as plt

    fig = make_figure(result, title)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, format=path.suffix.lower().lstrip("."))
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", path=path) from None
    finally:
        plt.close(fig)
    return path


def make_figure(result: Recorded, title: str | None = None) -> Figure:
    """A matplotlib Figure with a panel per kind of output that the run has: membrane
    potentials, transmitter/receptor traces, spikes, population rates (sharing the time axis)
    and an f-I curve for each current sweep (:func:`current_sweeps`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recorded = result.recorded()
    voltage = [p for p in result.network.populations if (p, "v") in recorded]
    chemical = [
        j for j in result.network.projections if (j, "T") in recorded or (j, "r") in recorded
    ]
    sweeps = current_sweeps(result)
    colours = population_colours(result)
    timed = [
        p
        for p, has in (("v", voltage), ("chem", chemical), ("raster", True), ("rate", True))
        if has
    ]
    heights = [1.3 if p in ("v", "raster") else 1.0 for p in timed] + [1.3] * bool(sweeps)
    fig = plt.figure(figsize=(8, 0.6 + 2.3 * sum(heights)), layout="constrained")
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    axes = []
    for row, panel in enumerate(timed):
        ax = fig.add_subplot(grid[row], sharex=axes[0] if axes else None)
        axes.append(ax)
        if panel == "v":
            _voltage(ax, result, voltage, colours, sweeps)
        elif panel == "chem":
            _chemical(ax, result, chemical, colours)
        elif panel == "raster":
            _raster(ax, result, colours)
        else:
            _rates(ax, result, colours)
        if row < len(timed) - 1:
            ax.tick_params(labelbottom=False)
    axes[0].set_xlim(0, result.duration)
    axes[-1].set_xlabel("time (ms)")
    if sweeps:
        _fi_curve(fig.add_subplot(grid[len(timed)]), sweeps, colours)
    n = sum(p.n for p in result.network.populations.values())
    about = f"{n:,} neuron{'s' * (n != 1)}, {result.duration:g} ms at dt = {result.dt:g} ms"
    if title:  # a '$' in a spec's name would start matplotlib's mathtext
        title = textwrap.fill(title.replace("$", r"\$"), 80)
    fig.suptitle(f"{title}\n{about}" if title else about, fontsize=10)
    return fig


def _shades(colour: str, count: int) -> list:
    """``count`` shades of ``colour``, from darker to lighter (the colour itself if one)."""
    from matplotlib.colors import to_rgb

    base = np.array(to_rgb(colour))
    if count == 1:
        return [tuple(base)]
    out = []
    for f in np.linspace(-0.45, 0.45, count):  # < 0 towards black, > 0 towards white
        out.append(tuple(base * (1 + f) if f < 0 else base + (1 - base) * f))
    return out


def _voltage(ax, result, populations: Sequence[str], colours, sweeps: list[Sweep]) -> None:
    swept = {s.population: s for s in sweeps}
    for name in populations:
        tr = result.trace(name, "v")
        values = np.asarray(tr).reshape(len(tr.t), -1)[:, :MAX_TRACES]
        ids = tr.neurons[:MAX_TRACES]
        shades = _shades(colours[name], len(ids))
        for j, neuron in enumerate(ids):
            label = name if result.network.populations[name].n == 1 else f"{name} #{neuron}"
            if name in swept:
                label += f" ({swept[name].currents[neuron]:g} {CURRENT_UNIT})"
            ax.plot(tr.t, values[:, j], lw=0.8, color=shades[j], label=label)
    ax.set_title("Membrane potential", fontsize=9, loc="left")
    ax.set_ylabel("V (mV)")
    _legend(ax)


def _chemical(ax, result, projections: Sequence[str], colours) -> None:
    twin = ax.twinx()
    for name in projections:
        proj = result.network.projections[name]
        syn = proj.synapse
        for var, axis, colour, style, what in (
            ("T", ax, colours[proj.pre.name], "-", f"cleft {syn.transmitter} T"),
            ("r", twin, colours[proj.post.name], "--", f"bound {syn.receptor} r"),
        ):
            if (name, var) not in result.recorded():
                continue
            tr = result.trace(name, var)
            values = np.asarray(tr).reshape(len(tr.t), -1)[:, 0]
            axis.plot(tr.t, values, lw=0.9, ls=style, color=colour, label=f"{name}: {what}")
    ax.set_title("Synaptic transmission (first synapse of each projection)", fontsize=9, loc="left")
    ax.set_ylabel("transmitter T (mM)")
    twin.set_ylabel("bound receptor fraction r")
    twin.set_ylim(bottom=0)
    # inside: beside the panel it would sit on the twin axis' label
    ax.legend(handles=ax.lines + twin.lines, fontsize=7, loc="upper right")


def _raster(ax, result, colours) -> None:
    from matplotlib.ticker import FixedLocator, MaxNLocator

    total = sum(p.n for p in result.network.populations.values())
    marker = float(np.clip(100 / total, 1.5, 8.0))  # points: a tick fills its row when few
    offset = 0
    for name, pop in result.network.populations.items():
        sp = result.spikes(name)
        ax.plot(
            sp.times,
            sp.neurons + offset,
            "|",
            ms=marker,
            color=colours[name],
            label=f"{name} ({pop.n:,})",
        )
        if offset:
            ax.axhline(offset - 0.5, color="0.8", lw=0.5)
        offset += pop.n
    ax.set_ylim(-0.5, offset - 0.5)
    # neurons are whole numbers: every one when few, else whole-number steps
    ax.yaxis.set_major_locator(
        FixedLocator(range(total)) if total <= 10 else MaxNLocator(integer=True)
    )
    ax.set_title("Spikes", fontsize=9, loc="left")
    ax.set_ylabel("neuron index")
    _legend(ax, markerscale=max(1.0, 8 / marker))


def _rates(ax, result, colours) -> None:
    bin_ms = max(result.duration / 100, result.dt)
    edges = np.arange(0, result.duration + bin_ms, bin_ms)
    for name, pop in result.network.populations.items():
        counts, _ = np.histogram(result.spikes(name).times, edges)
        ax.step(
            edges[:-1],
            counts / pop.n / (bin_ms * 1e-3),
            where="post",
            color=colours[name],
            label=name,
        )
    ax.set_title(f"Population firing rate ({bin_ms:g} ms bins)", fontsize=9, loc="left")
    ax.set_ylabel("rate (Hz)")
    ax.set_ylim(bottom=0)
    _legend(ax)


def _fi_curve(ax, sweeps: list[Sweep], colours) -> None:
    for s in sweeps:
        order = np.argsort(s.currents, kind="stable")
        ax.plot(
            s.currents[order],
            s.rates_hz[order],
            "o-",
            ms=4,
            color=colours[s.population],
            label=f"{s.population} ({s.start:g}-{s.stop:g} ms)",
        )
    ax.set_title(
        "f-I curve: repetitive firing rate (1 / mean interspike interval) during the current step",
        fontsize=9,
        loc="left",
    )
    ax.set_xlabel(f"injected current ({CURRENT_UNIT})")
    ax.set_ylabel("rate (Hz)")
    ax.set_ylim(bottom=0)
    _legend(ax)


def _legend(ax, handles=None, **kw) -> None:
    """A legend beside the panel, where it hides no data."""
    handles = ax.get_legend_handles_labels()[0] if handles is None else handles
    ax.legend(
        handles=handles,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
        **kw,
    )
