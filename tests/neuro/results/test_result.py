"""What a run returns and saves (axonlab.neuro.results.result)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError


def _run():
    net = neuro.Network(dt=0.1, seed=3)
    net.add("a", neuro.LIF(), n=20)
    net.stimulate("a", current=np.linspace(0.5, 2.0, 20))
    net.monitor("a", ["v"], neurons=[3, 17], every=0.5)
    return net.run(50.0)


def test_the_npz_says_which_neurons_were_traced(tmp_path):
    res = _run()
    path = res.save(tmp_path / "run.npz")
    data = np.load(path)
    assert data["trace/a/v/neurons"].tolist() == [3, 17]
    np.testing.assert_array_equal(data["trace/a/v"], np.asarray(res.trace("a", "v")))
    np.testing.assert_allclose(data["trace/a/v/t"], np.arange(101) * 0.5)
    assert float(data["dt_ms"]) == 0.1 and float(data["duration_ms"]) == 50.0
    sp = res.spikes("a")
    assert len(sp) > 0
    np.testing.assert_array_equal(data["spikes/a/times"], sp.times)
    np.testing.assert_array_equal(data["spikes/a/neurons"], sp.neurons)


def test_a_trace_knows_its_neurons():
    tr = _run().trace("a", "v")
    assert tr.shape == (101, 2) and tr.neurons.tolist() == [3, 17]
    net = neuro.Network(dt=0.1, seed=3)  # the same run, every neuron recorded
    net.add("a", neuro.LIF(), n=20)
    net.stimulate("a", current=np.linspace(0.5, 2.0, 20))
    net.monitor("a", ["v"], every=0.5)
    everything = net.run(50.0).trace("a", "v")
    assert everything.neurons.tolist() == list(range(20))
    np.testing.assert_array_equal(tr, np.asarray(everything)[:, [3, 17]])


@pytest.mark.parametrize(
    ("name", "needle"),
    [("", "is a folder"), ("x.csv", "extension .csv"), ("f/run.npz", "is a file, not a folder")],
)
def test_save_and_plot_refuse_bad_paths_with_a_typed_error(tmp_path, name, needle):
    (tmp_path / "f").write_text("mine")
    res = _run()
    with pytest.raises(InputError, match=needle):
        res.save(tmp_path / name)
    with pytest.raises(InputError, match="is a folder"):
        res.plot(tmp_path)
    with pytest.raises(InputError, match="extension .npz"):
        res.plot(tmp_path / "fig.npz")
    assert (tmp_path / "f").read_text() == "mine"
