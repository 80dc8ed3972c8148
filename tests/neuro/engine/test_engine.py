"""The engine's fast paths give the same answers as the general ones (axonlab.neuro.engine.loop)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.neuro.arrays.build import build
from axonlab.neuro.engine.loop import simulate


def _cuba_like(n: int = 205, seed: int = 3) -> neuro.Network:
    # CUBA's cells (resting above threshold, so they fire without input) and synapses, small;
    # the inhibitory cells differ in every parameter the kernels read, so that reading another
    # population's parameters shows, and n is not a multiple of 8 (the spike scan's word)
    net = neuro.Network(dt=0.1, seed=seed)
    exc = neuro.LIF(tau_m=20.0, c_m=1.0, e_l=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    inh = neuro.LIF(tau_m=10.0, c_m=0.5, e_l=-48.0, v_th=-51.0, v_reset=-62.0, t_ref=2.0)
    net.add("exc", exc, n=n * 4 // 5, v_init=neuro.Uniform(-60.0, -50.0))
    net.add("inh", inh, n=n - n * 4 // 5, v_init=neuro.Uniform(-60.0, -50.0))
    for pre, weight, tau in (("exc", 0.081 * 5, 5.0), ("inh", -0.45 * 5, 10.0)):
        for post in ("exc", "inh"):
            net.connect(
                pre,
                post,
                neuro.ExpCurrentSynapse(weight, tau=tau),
                rule="fixed_probability",
                p=0.1,
                name=f"{pre}->{post}",
            )
    return net


def test_shared_parameter_loops_match_the_per_neuron_loops():
    net = _cuba_like()
    shared = build(net, 2000)
    assert shared.loop.neurons.uniform.all()  # one parameter set per population
    per_neuron = build(net, 2000)
    per_neuron.loop.neurons.uniform[:] = False
    a = simulate(shared.loop, shared.dt, 2000, shared.run_seed)
    b = simulate(per_neuron.loop, per_neuron.dt, 2000, per_neuron.run_seed)
    assert a.spike_index.size > 100
    np.testing.assert_array_equal(a.spike_index, b.spike_index)
    np.testing.assert_array_equal(a.spike_time, b.spike_time)
    np.testing.assert_array_equal(a.syn_charge, b.syn_charge)


def test_lif_parameters_per_neuron_act_per_neuron():
    thresholds = np.array([-55.0, -52.0, -50.0])
    net = neuro.Network(dt=0.1)
    net.add("three", neuro.LIF(v_th=thresholds), n=3)
    net.stimulate("three", current=0.8)
    three = net.run(100.0).spikes("three")
    for i, v_th in enumerate(thresholds):
        alone = neuro.Network(dt=0.1)
        alone.add("one", neuro.LIF(v_th=float(v_th)))
        alone.stimulate("one", current=0.8)
        expected = alone.run(100.0).spikes("one").train(0)
        assert expected.size > 0
        np.testing.assert_array_equal(three.train(i), expected)
    assert len(three.train(0)) > len(three.train(2))  # lower threshold, more spikes


def test_recording_the_synaptic_current_changes_nothing_and_shows_the_channel():
    plain = _cuba_like(seed=5).run(200.0)
    net = _cuba_like(seed=5)
    net.monitor("exc", ["i_syn", "exc->exc", "inh->exc"], neurons=[0])
    watched = net.run(200.0)
    np.testing.assert_array_equal(plain.spikes("exc").times, watched.spikes("exc").times)
    # i_syn held over step s is the channels' current at t_s, recorded at t_s + dt
    channels = np.asarray(watched.trace("exc", "exc->exc")) + np.asarray(
        watched.trace("exc", "inh->exc")
    )
    i_syn = np.asarray(watched.trace("exc", "i_syn"))
    assert np.abs(i_syn).max() > 0
    np.testing.assert_allclose(i_syn[1:], channels[:-1], rtol=0, atol=1e-12)


def test_spikes_with_and_without_delay_share_a_channel():
    net = neuro.Network(dt=0.1)
    net.add("pre", neuro.LIF(t_ref=50.0), v_init=-65.0)
    net.add("post", neuro.LIF(v_th=100.0))
    synapse = neuro.ExpCurrentSynapse(weight=1.0, tau=5.0)
    net.connect("pre", "post", synapse, name="now")
    net.connect("pre", "post", synapse, weight=2.0, delay=2.0, name="later")
    net.monitor("post", ["now"])  # one channel: both projections have the same synapse type
    net.stimulate("pre", current=20.0)
    res = net.run(20.0)
    t_spike = res.spikes("pre")[0]
    g = res.trace("post", "now")
    at = lambda t: float(np.asarray(g)[np.argmin(np.abs(g.t - t))])  # noqa: E731
    decay = np.exp(-0.1 / 5.0)
    assert at(t_spike - 0.1) == 0.0
    assert at(t_spike) == pytest.approx(1.0, abs=1e-12)
    assert at(t_spike + 1.9) == pytest.approx(decay**19, abs=1e-12)
    assert at(t_spike + 2.0) == pytest.approx(decay**20 + 2.0, abs=1e-12)
    # the ring slot that carried the delayed spike is empty when it comes round again
    assert at(t_spike + 5.0) == pytest.approx(decay**50 + 2.0 * decay**30, abs=1e-12)


def _conductance_lif_trace(dt: float) -> tuple[np.ndarray, np.ndarray]:
    """(t, V) of one LIF neuron whose excitatory conductance starts at 0.2 mS/cm2, with a
    0.5 uA/cm2 current step from 10 ms."""
    net = neuro.Network(dt=dt)
    net.add(
        "cell",
        neuro.LIF(tau_m=20.0, c_m=1.0, e_l=-70.0, v_th=100.0),
        v_init=-70.0,
        synapse_init={"self": 0.2},
    )
    net.stimulate("cell", current=0.5, start=10.0)
    net.connect(
        "cell", "cell", neuro.ExpConductanceSynapse(weight=0.0, tau=5.0, e_rev=0.0), name="self"
    )
    v = net.run(30.0).trace("cell", "v")
    return np.asarray(v.t), np.asarray(v)


def test_lif_with_a_conductance_synapse_follows_its_ode():
    # c_m dV/dt = g_l (e_l - V) + g(t) (e_rev - V) + I(t), g(t) = 0.2 exp(-t / 5) mS/cm2,
    # I = 0.5 uA/cm2 from 10 ms; RK4 at a hundredth of the step as the reference
    v = _conductance_lif_trace(0.1)[1]
    h, ref_v, ref = 0.001, -70.0, [-70.0]

    def dv(time: float, volt: float) -> float:
        current = 0.5 if time >= 10.0 - 1e-9 else 0.0
        return 0.05 * (-70.0 - volt) + 0.2 * np.exp(-time / 5.0) * (0.0 - volt) + current

    for k in range(int(round(30.0 / h))):
        s = k * h
        k1 = dv(s, ref_v)
        k2 = dv(s + h / 2, ref_v + h / 2 * k1)
        k3 = dv(s + h / 2, ref_v + h / 2 * k2)
        k4 = dv(s + h, ref_v + h * k3)
        ref_v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if (k + 1) % 100 == 0:
            ref.append(ref_v)
    assert max(v) > -55.0  # the synapse pulls V well up towards 0 mV
    # g is held at its value at the step's start, so the error is first order in dt: 0.21 mV
    # at dt = 0.1 ms, 0.021 mV at 0.01 ms (dropping the synapse would be off by ~30 mV)
    np.testing.assert_allclose(v, ref, atol=0.25)
    assert np.max(np.abs(_conductance_lif_trace(0.01)[1][::10] - ref)) < 0.025


def test_lif_stays_at_reset_for_exactly_its_refractory_period():
    net = neuro.Network(dt=0.1)
    net.add("cell", neuro.LIF(v_reset=-70.0, t_ref=2.0), v_init=-65.0)
    net.stimulate("cell", current=5.0)
    res = net.run(30.0)
    v = res.trace("cell", "v")
    first, second = res.spikes("cell")[:2]
    clamped = np.asarray(v)[(v.t > first - 1e-9) & (v.t < second - 1e-9)] == -70.0
    # at v_reset from the spike through t_spike + t_ref (21 samples at dt = 0.1), then free
    assert clamped[:21].all() and not clamped[21:].any()


def test_poisson_input_may_bring_its_own_synapse_type():
    net = neuro.Network(dt=0.1, seed=2)
    net.add("cells", neuro.LIF(), n=3)
    net.connect("cells", "cells", neuro.ExpCurrentSynapse(0.1), name="recurrent")
    net.poisson("cells", 2000.0, neuro.ExpConductanceSynapse(weight=0.05, tau=5.0))
    assert len(net.run(100.0).spikes("cells")) > 0  # driven by the conductance input alone


def test_a_synapse_takes_17_bytes():
    # target uint32, channel uint8, weight float64, delay uint32 (CUBA at 64,000 neurons has
    # 5 million synapses: 87 MB, not 164 MB at int64 everywhere)
    arrays = build(_cuba_like(), 10)
    synapses = arrays.loop.exp
    n_synapses = synapses.post.size
    assert n_synapses > 1000
    assert sum(a.nbytes for a in (synapses.post, synapses.ch, synapses.w, synapses.d)) == (
        17 * n_synapses
    )
