"""Figures of a run (axonlab.neuro.results.plot): what a reader of the figure needs to see."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from axonlab import neuro
from axonlab.neuro.results.plot import current_sweeps, make_figure, population_colours
from tests.paths import ROOT

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fi_result():
    spec = neuro.load_spec(ROOT / "examples/neuro/hh_fi.yaml")
    return neuro.network_from_spec(spec).run(60.0)


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def _panel(fig, title: str):
    return next(ax for ax in fig.axes if ax.get_title(loc="left").startswith(title))


def test_traces_are_labelled_by_neuron_index_not_column(fi_result, close_figures):
    # hh_fi records neurons 0, 5 and 8: the second line is neuron 5 (7 uA/cm2), not "hh[1]"
    fig = make_figure(fi_result)
    labels = [line.get_label() for line in _panel(fig, "Membrane potential").lines]
    assert labels == ["hh #0 (0 µA/cm²)", "hh #5 (7 µA/cm²)", "hh #8 (20 µA/cm²)"]
    assert fi_result.trace("hh", "v").neurons.tolist() == [0, 5, 8]


def test_an_f_i_sweep_gets_an_f_i_curve(fi_result, close_figures):
    (sweep,) = current_sweeps(fi_result)
    sp = fi_result.spikes("hh")
    trains = [sp.train(i) for i in range(9)]
    # 1 / mean interspike interval (Hz), 0 without two spikes
    expected = [1000 * (t.size - 1) / (t[-1] - t[0]) if t.size > 1 else 0.0 for t in trains]
    np.testing.assert_allclose(sweep.rates_hz, expected)
    # classic HH is a type II neuron: 3 and 5 uA/cm2 give one onset spike and no repetitive
    # firing, 6.5 already ~50 Hz; 7 uA/cm2 fires every 17.15 ms (NEURON CVODE: 58.3 Hz)
    assert [len(t) for t in trains[2:4]] == [1, 1] and sweep.rates_hz[:4].tolist() == [0] * 4
    assert sweep.rates_hz[4] > 45 and sweep.rates_hz[-1] > 80
    assert abs(sweep.rates_hz[5] - 1000 / 17.15) < 0.5
    ax = _panel(make_figure(fi_result), "f-I curve")
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [0, 2, 3, 5, 6.5, 7, 10, 15, 20])
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert "µA/cm²" in ax.get_xlabel() and "Hz" in ax.get_ylabel()


def test_no_f_i_curve_without_a_sweep(close_figures):
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF(), n=3)
    net.stimulate("a", current=1.0)
    res = net.run(20.0)
    assert current_sweeps(res) == []
    assert not any(ax.get_title(loc="left").startswith("f-I") for ax in make_figure(res).axes)


def test_each_population_has_one_colour_in_every_panel(close_figures):
    spec = neuro.load_spec(ROOT / "examples/neuro/synapse_pair.yaml")
    res = neuro.network_from_spec(spec).run(20.0)
    fig = make_figure(res, title="synapse_pair")
    colours = population_colours(res)
    assert colours["pre"] != colours["post"]
    for title in ("Membrane potential", "Spikes", "Population firing rate"):
        ax = _panel(fig, title)
        for line in ax.lines:
            if line.get_label().startswith("_"):  # separators between populations
                continue
            pop = line.get_label().split(" ")[0]
            assert matplotlib.colors.same_color(line.get_color(), colours[pop]), (title, pop)
    chem = _panel(fig, "Synaptic transmission")
    transmitter = [ln for ln in chem.lines if "cleft" in ln.get_label()]
    assert transmitter and matplotlib.colors.same_color(transmitter[0].get_color(), colours["pre"])
    assert fig.get_suptitle() == "synapse_pair\n2 neurons, 20 ms at dt = 0.01 ms"


@pytest.mark.parametrize("n", [1, 3, 9])
def test_a_small_raster_has_whole_neuron_ticks(n, close_figures):
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF(), n=n)
    net.stimulate("a", current=2.0)
    fig = make_figure(net.run(30.0))
    ax = _panel(fig, "Spikes")
    fig.canvas.draw()
    ticks = [t for t in ax.get_yticks() if -0.5 <= t <= n - 0.5]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert ax.get_ylabel() == "neuron index"


def test_every_time_panel_has_a_title_and_units(fi_result, close_figures):
    fig = make_figure(fi_result)
    units = {"Membrane potential": "(mV)", "Population firing rate": "(Hz)"}
    for ax in fig.axes:
        assert ax.get_title(loc="left"), ax
    for title, unit in units.items():
        assert unit in _panel(fig, title).get_ylabel()
    assert "time (ms)" in [ax.get_xlabel() for ax in fig.axes]
