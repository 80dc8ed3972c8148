"""Chemical synapses and gap junctions (axonlab.neuro.synapses, transmitters)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from tests.neuro.helpers import chemical_pair


def test_transmitter_clears_at_configured_rate_and_psp_sign():
    res = chemical_pair("AMPA", "glutamate")
    T = res.trace("pre->post", "T")
    t_spike = res.spikes("pre")[0]
    after = (T.t > t_spike + 1) & (T.t < t_spike + 4)
    rate = -np.polyfit(T.t[after], np.log(T[after]), 1)[0]
    assert rate == pytest.approx(1.0, rel=1e-6)  # glutamate k_clear 1/ms
    assert res.trace("post", "v").max() > -64.0  # depolarising PSP
    inh = chemical_pair("GABA_A", "gaba")
    assert inh.trace("post", "v")[T.t > t_spike].min() < -65.5


def _gapchemical_pair(g: float):
    net = neuro.Network(dt=0.01)
    net.add("a", neuro.HodgkinHuxley(), v_init=-70.0)
    net.add("b", neuro.HodgkinHuxley(), v_init=-60.0)
    net.connect("a", "b", neuro.GapJunction(g=g))
    net.monitor("a", ["v", "i_gap"])
    net.monitor("b", ["v", "i_gap"])
    return net.run(5.0)


def test_gap_junction_symmetric_and_synchronising():
    res, free = _gapchemical_pair(0.5), _gapchemical_pair(0.0)
    ia, ib = res.trace("a", "i_gap"), res.trace("b", "i_gap")
    assert np.abs(ia).max() > 0
    np.testing.assert_allclose(ia[1:], -ib[1:], atol=1e-12)
    gap = np.abs(res.trace("a", "v") - res.trace("b", "v"))
    free_gap = np.abs(free.trace("a", "v") - free.trace("b", "v"))
    assert gap[-1] < 0.5 * free_gap[-1]
