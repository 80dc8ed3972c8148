"""Behaviour of axonlab.neuro against reference figures and closed forms."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import CoarseTimeStepWarning, InputError, SimulationError

ROOT = Path(__file__).resolve().parents[2]
# NEURON 9.0.2 CVODE (atol 1e-8), classic HH, spike = upward 0 mV crossing, linear interpolation
# (from ../shared/reference/neuro/neuron_hh_cvode.json, copied here so tests do not need it).
NEURON_CVODE = {
    7.0: [2.3757, 19.641, 36.7882, 53.9331, 71.0778, 88.2225, 105.3672, 122.5119, 139.6566,
          156.8013, 173.946, 191.0907],
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


def _pair(receptor: str, transmitter: str):
    net = neuro.Network(dt=0.01, seed=1)
    net.add("pre", neuro.HodgkinHuxley())
    net.add("post", neuro.HodgkinHuxley())
    net.connect("pre", "post", neuro.ChemicalSynapse(transmitter, receptor, g_max=0.05))
    net.stimulate("pre", current=10.0, start=5, stop=6)
    return net.run(40.0)


def test_transmitter_clears_at_configured_rate_and_psp_sign():
    res = _pair("AMPA", "glutamate")
    T = res.trace("pre->post", "T")
    t_spike = res.spikes("pre")[0]
    after = (T.t > t_spike + 1) & (T.t < t_spike + 4)
    rate = -np.polyfit(T.t[after], np.log(T[after]), 1)[0]
    assert rate == pytest.approx(1.0, rel=1e-6)  # glutamate k_clear 1/ms
    assert res.trace("post", "v").max() > -64.0  # depolarising PSP
    inh = _pair("GABA_A", "gaba")
    assert inh.trace("post", "v")[T.t > t_spike].min() < -65.5


def test_delay_delivers_exactly_d_ms_later():
    net = neuro.Network(dt=0.1)
    net.add("pre", neuro.LIF(t_ref=50.0), v_init=-65.0)
    net.add("post", neuro.LIF(v_th=100.0))
    net.connect("pre", "post", neuro.ExpCurrentSynapse(weight=1.0, tau=5.0), delay=3.0,
                name="syn")
    net.monitor("post", ["syn"])
    net.stimulate("pre", current=20.0)
    res = net.run(20.0)
    t_spike = res.spikes("pre")[0]
    g = res.trace("post", "syn")
    first = g.t[np.argmax(g > 0)]
    assert first == pytest.approx(t_spike + 3.0, abs=1e-9)


def _gap_pair(g: float):
    net = neuro.Network(dt=0.01)
    net.add("a", neuro.HodgkinHuxley(), v_init=-70.0)
    net.add("b", neuro.HodgkinHuxley(), v_init=-60.0)
    net.connect("a", "b", neuro.GapJunction(g=g))
    net.monitor("a", ["v", "i_gap"])
    net.monitor("b", ["v", "i_gap"])
    return net.run(5.0)


def test_gap_junction_symmetric_and_synchronising():
    res, free = _gap_pair(0.5), _gap_pair(0.0)
    ia, ib = res.trace("a", "i_gap"), res.trace("b", "i_gap")
    assert np.abs(ia).max() > 0
    np.testing.assert_allclose(ia[1:], -ib[1:], atol=1e-12)
    gap = np.abs(res.trace("a", "v") - res.trace("b", "v"))
    free_gap = np.abs(free.trace("a", "v") - free.trace("b", "v"))
    assert gap[-1] < 0.5 * free_gap[-1]


def test_seeded_runs_reproduce_bit_for_bit():
    def run():
        net = neuro.Network(dt=0.1, seed=42)
        net.add("p", neuro.LIF(), n=50, v_init=neuro.Uniform(-65, -50))
        net.connect("p", "p", neuro.ExpCurrentSynapse(0.2), rule="fixed_probability", p=0.1)
        net.stimulate("p", current=0.7, noise=0.5)
        net.poisson("p", 50.0, neuro.ExpCurrentSynapse(0.3), n_sources=5)
        return net.run(100.0).spikes("p")

    a, b = run(), run()
    assert len(a) > 0
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.neurons, b.neurons)


def test_the_reported_seed_reproduces_an_unseeded_run():
    def run(seed):
        net = neuro.Network(dt=0.1, seed=seed)
        net.add("p", neuro.LIF(), n=20, v_init=neuro.Uniform(-65, -50))
        net.connect("p", "p", neuro.ExpCurrentSynapse(0.2), rule="fixed_probability", p=0.2)
        net.stimulate("p", current=0.7, noise=0.5)
        return net.run(100.0)

    first = run(None)
    assert run(42).seed == 42
    again = run(first.seed)
    assert len(first.spikes("p")) > 0
    np.testing.assert_array_equal(first.spikes("p").times, again.spikes("p").times)


def test_instability_raises_simulation_error():
    net = neuro.Network(dt=0.5)
    with pytest.warns(CoarseTimeStepWarning):  # warned when added, stopped when it blows up
        net.add("fast", neuro.HodgkinHuxley())
    net.stimulate("fast", current=50.0)
    with pytest.raises(SimulationError, match="fast.*smaller dt"):
        net.run(50.0)


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


def test_energy_counts_spikes():
    res = _pair("AMPA", "glutamate")
    e = res.energy(area_um2=1000.0)
    assert e.per_population()["pre"] > 0 and e.per_spike()["pre"] > 1e6
    assert e.synaptic_atp["post"][0] > 0


def test_spec_error_names_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("duration: 10\npopulations:\n  a: {model: lif, n: 0}\n")
    with pytest.raises(InputError, match=r"populations\.a\.n"):
        neuro.load_spec(bad)
    bad.write_text("duration: 10\npopulations:\n  a: {model: lif, params: {tau: 3}}\n")
    with pytest.raises(InputError, match=r"populations\.a.*tau"):
        neuro.load_spec(bad)
    bad.write_text("duration: 10\npopulations:\n  a: {model: lif, synapse_init: {b->a: 0.1}}\n"
                   "  c: {model: lif}\nconnections:\n"
                   "  - {pre: c, post: a, synapse: {type: exp_current}}\n")
    with pytest.raises(InputError, match=r"populations\.a\.synapse_init\.b->a.*\['c->a'\]"):
        neuro.load_spec(bad)


@pytest.mark.parametrize("spec", sorted((ROOT / "examples" / "neuro").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_bundled_examples_run(spec, tmp_path):
    parsed = neuro.load_spec(spec)
    res = neuro.network_from_spec(parsed).run(min(parsed.duration, 50.0))
    assert math.isfinite(res.sim_seconds)
    res.plot(tmp_path / "fig.png")
    res.save(tmp_path / "out.npz")
    assert (tmp_path / "fig.png").stat().st_size > 1000
    assert np.load(tmp_path / "out.npz").files


def test_cli_json_contract():
    from typer.testing import CliRunner

    from axonlab.cli import app

    out = CliRunner().invoke(app, ["sim", "run", str(ROOT / "examples/neuro/cuba.yaml"),
                                   "--duration", "50", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["sim_seconds"] > 0
    assert data["populations"]["exc"]["n_spikes"] > 0 and data["inh"]["rate_hz"] > 0


def test_blocks_of_a_large_population_keep_each_neuron_its_own_input():
    # the engine steps neurons in blocks of 2048: neurons on both sides of a block edge must
    # fire exactly as they do alone
    currents = 0.7 + 1e-4 * np.arange(5000)  # uA/cm2: around the LIF's 0.75 threshold current
    net = neuro.Network(dt=0.1)
    net.add("big", neuro.LIF(), n=5000)
    net.stimulate("big", current=currents)
    big = net.run(200.0).spikes("big")
    for i in (0, 2047, 2048, 4095, 4096, 4999):
        alone = neuro.Network(dt=0.1)
        alone.add("one", neuro.LIF(), n=1)
        alone.stimulate("one", current=float(currents[i]))
        np.testing.assert_array_equal(big.train(i), alone.run(200.0).spikes("one").train(0))


@pytest.mark.parametrize("model", [neuro.HodgkinHuxley(), neuro.Izhikevich(), neuro.AdEx(),
                                   neuro.TraubMiles()], ids=lambda m: type(m).__name__)
def test_current_synapse_depolarises_every_model(model):
    def v_after(start_current: float) -> float:
        net = neuro.Network(dt=0.01, seed=1)
        net.add("cell", model, n=1, synapse_init={"self": start_current})
        net.connect("cell", "cell", neuro.ExpCurrentSynapse(weight=0.0, tau=5.0), name="self")
        return float(np.asarray(net.run(1.0).trace("cell", "v"))[-1])

    assert v_after(2.0) > v_after(0.0) + 0.5  # mV: the channel's current reaches the membrane
