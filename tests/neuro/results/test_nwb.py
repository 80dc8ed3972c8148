"""NWB export (axonlab.neuro.results.nwb): the file passes pynwb's validator and reads back the
run."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from tests.paths import ROOT

pynwb = pytest.importorskip("pynwb", reason="the nwb extra (pynwb) is not installed")


def _run():
    net = neuro.Network(dt=0.05, seed=3)
    net.add("drive", neuro.PoissonSource(rate_hz=80.0), n=5)
    net.add("cells", neuro.LIF(), n=3)
    net.connect("drive", "cells", neuro.ExpConductanceSynapse(weight=0.05), name="syn",
                plasticity=neuro.STDP(w_max=0.1))  # fmt: skip
    net.stimulate("cells", current=[1.0, 2.0, 3.0], start=10.0, stop=80.0)
    net.monitor("cells", ["v", "i_ext"])
    return net.run(100.0)


def test_round_trip_spike_times_traces_and_stimulus(tmp_path):
    from axonlab.neuro.results.nwb import read_nwb_spikes

    result = _run()
    path = result.save(tmp_path / "run.nwb")
    assert pynwb.validate(path=str(path)) == []
    trains = read_nwb_spikes(path)
    for name in ("drive", "cells"):
        sp = result.spikes(name)
        assert len(trains[name]) == sp.n
        for i in range(sp.n):
            np.testing.assert_array_equal(trains[name][i], sp.train(i) * 1e-3)
    assert sum(len(t) for t in trains["drive"]) > 0
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        v = nwb.acquisition["cells.v"]
        assert v.unit == "volts" and v.conversion == pytest.approx(1e-3)
        np.testing.assert_array_equal(v.data[:], np.asarray(result.trace("cells", "v")))
        assert nwb.acquisition["syn.w"].unit == "S/m^2"  # a conductance weight, mS/cm2 -> S/m^2
        stim = nwb.stimulus["stimulus0.cells"]
        np.testing.assert_array_equal(stim.data[0], [1.0, 2.0, 3.0])
        np.testing.assert_allclose(stim.timestamps[:], [0.010, 0.080])


def test_cli_writes_nwb_and_checks_the_name_first(tmp_path):
    from typer.testing import CliRunner

    from axonlab.cli import app

    spec = str(ROOT / "examples/neuro/synapse_pair.yaml")
    out = CliRunner().invoke(app, ["sim", "run", spec, "--nwb", str(tmp_path / "pair.nwb")])
    assert out.exit_code == 0, out.output
    assert pynwb.validate(path=str(tmp_path / "pair.nwb")) == []
    bad = CliRunner().invoke(app, ["sim", "run", spec, "--nwb", str(tmp_path / "pair.h5")])
    assert bad.exit_code == 1 and "`nwb`" in str(bad.exception)  # main() shows it as --nwb
    assert not (tmp_path / "pair.h5").exists()
