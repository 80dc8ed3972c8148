"""Neuron models against reference simulators and closed forms (axonlab.neuro.models)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import CoarseTimeStepWarning

# NEURON 9.0.2 CVODE (atol 1e-8), classic HH, spike = upward 0 mV crossing, linear interpolation
# (from ../shared/reference/neuro/neuron_hh_cvode.json, copied here so tests do not need it).
NEURON_CVODE = {
    7.0: [
        2.3757,
        19.641,
        36.7882,
        53.9331,
        71.0778,
        88.2225,
        105.3672,
        122.5119,
        139.6566,
        156.8013,
        173.946,
        191.0907,
    ],
    10.0: [1.901, 16.823, 31.472, 46.109, 60.745],  # first five of 14 (issue 4 text)
}


RHEOBASE = 2.2367  # uA/cm2, NEURON CVODE and NEST RKF45 agree


def _hh(currents, duration=200.0):
    net = neuro.Network(dt=0.01)
    net.add("hh", neuro.HodgkinHuxley(), n=len(currents))
    net.stimulate("hh", current=list(currents))
    return net.run(duration).spikes("hh")


def test_hh_rests_at_minus_65():
    net = neuro.Network(dt=0.01)
    net.add("hh", neuro.HodgkinHuxley())
    v = net.run(50.0).trace("hh", "v")
    assert abs(v[-1] + 65.0) < 0.01


def test_hh_spike_times_match_neuron_cvode():
    sp = _hh([7.0, 10.0])
    assert len(sp.train(0)) == 12 and len(sp.train(1)) == 14
    assert np.max(np.abs(sp.train(0) - NEURON_CVODE[7.0])) < 0.05
    assert np.max(np.abs(sp.train(1)[:5] - NEURON_CVODE[10.0])) < 0.05


def test_hh_rheobase():
    currents = np.round(np.arange(RHEOBASE - 0.01, RHEOBASE + 0.01, 0.001), 4)
    sp = _hh(currents)
    fired = np.bincount(sp.neurons, minlength=currents.size) > 0
    assert abs(currents[np.argmax(fired)] - RHEOBASE) <= 0.005


def test_lif_matches_closed_form():
    model = neuro.LIF(tau_m=20.0, c_m=1.0, e_l=-65.0, v_th=100.0)
    net = neuro.Network(dt=0.1)
    net.add("lif", model, v_init=-70.0)
    net.stimulate("lif", current=0.5)
    v = net.run(50.0).trace("lif", "v")
    v_inf = -65.0 + 0.5 * 20.0
    expected = v_inf + (-70.0 - v_inf) * np.exp(-v.t / 20.0)
    assert np.max(np.abs(v - expected)) < 1e-9


def test_a_coarse_step_for_hh_warns_when_the_population_is_added():
    with pytest.warns(CoarseTimeStepWarning, match="dt <= 0.05 ms"):
        neuro.Network(dt=0.1).add("hh", neuro.HodgkinHuxley())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        neuro.Network(dt=0.05).add("hh", neuro.HodgkinHuxley())
        neuro.Network(dt=0.1).add("lif", neuro.LIF())


def test_izhikevich_presets_and_adex_fire():
    net = neuro.Network(dt=0.1)
    net.add("rs", neuro.Izhikevich.regular_spiking())
    net.add("fs", neuro.Izhikevich.fast_spiking())
    net.add("adex", neuro.AdEx())
    for name in ("rs", "fs"):
        net.stimulate(name, current=10.0)
    net.stimulate("adex", current=3.0)  # rheobase ~ g_l*(v_t - e_l - delta_t) = 1.9
    res = net.run(200.0)
    assert len(res.spikes("fs")) > len(res.spikes("rs")) > 0
    isi = np.diff(res.spikes("adex").times)
    assert isi.size >= 3 and np.all(np.diff(isi) > 0)  # spike-frequency adaptation


@pytest.mark.parametrize(
    "model",
    [neuro.HodgkinHuxley(), neuro.Izhikevich(), neuro.AdEx(), neuro.TraubMiles()],
    ids=lambda m: type(m).__name__,
)
def test_current_synapse_depolarises_every_model(model):
    def v_after(start_current: float) -> float:
        net = neuro.Network(dt=0.01, seed=1)
        net.add("cell", model, n=1, synapse_init={"self": start_current})
        net.connect("cell", "cell", neuro.ExpCurrentSynapse(weight=0.0, tau=5.0), name="self")
        return float(np.asarray(net.run(1.0).trace("cell", "v"))[-1])

    assert v_after(2.0) > v_after(0.0) + 0.5  # mV: the channel's current reaches the membrane
