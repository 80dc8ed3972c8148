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


# Destexhe, Mainen & Sejnowski (1994/1998) constants the presets must carry: release mM,
# k_clear 1/ms, alpha 1/(mM ms), beta 1/ms, e_rev mV (see axonlab/neuro/transmitters.py)
PRESETS = {
    ("glutamate", "AMPA"): (1.0, 1.0, 1.1, 0.19, 0.0),
    ("glutamate", "NMDA"): (1.0, 1.0, 0.072, 0.0066, 0.0),
    ("GABA", "GABA_A"): (1.0, 1.0, 5.0, 0.18, -80.0),
    ("GABA", "GABA_B"): (1.0, 1.0, 0.016, 0.0047, -95.0),
    ("acetylcholine", "nicotinic"): (1.0, 4.0, 1.0, 0.33, 0.0),
}
HOLD_MV = (-80.0, -60.0, -40.0, -20.0, 0.0, 20.0)


def jahr_stevens(v_mv, mg_mm):
    """NMDA Mg2+ block, Jahr & Stevens (1990) as Destexhe et al. use it."""
    return 1.0 / (1.0 + np.asarray(mg_mm) / 3.57 * np.exp(-0.062 * np.asarray(v_mv)))


def test_the_mg_block_formula_at_hand_computed_points():
    # 1/(1 + e^4.96/3.57) = 1/(1 + 142.594/3.57); 1/(1 + 1/3.57); 1/(1 + 2 e^3.72/3.57)
    # = 1/(1 + 2 * 41.264/3.57)
    np.testing.assert_allclose(
        jahr_stevens([-80.0, 0.0, -60.0], [1.0, 1.0, 2.0]),
        [0.024425, 0.781182, 0.041464],
        rtol=1e-4,
    )


@pytest.mark.parametrize(("transmitter", "receptor"), list(PRESETS), ids=lambda x: x)
def test_receptor_preset_constants(transmitter, receptor):
    c = neuro.ChemicalSynapse(transmitter, receptor).constants()
    release, k_clear, alpha, beta, e_rev = PRESETS[(transmitter, receptor)]
    assert (c["release"], c["k_clear"], c["alpha"], c["beta"], c["e_rev"]) == (
        release,
        k_clear,
        alpha,
        beta,
        e_rev,
    )
    assert c["mg"] == (1.0 if receptor == "NMDA" else 0.0)  # only NMDA is blocked


def _held_pair(synapse: neuro.ChemicalSynapse, duration: float = 30.0):
    """One presynaptic spike at the first step onto six postsynaptic cells held near
    HOLD_MV (leaky LIF with a 0.2 ms membrane, no threshold), dt = 0.01 ms."""
    net = neuro.Network(dt=0.01)
    net.add("pre", neuro.LIF(v_th=-50.0, t_ref=1e4), v_init=-40.0)
    net.add(
        "post",
        neuro.LIF(tau_m=0.2, e_l=np.array(HOLD_MV), v_th=1e3),
        n=len(HOLD_MV),
        v_init=np.array(HOLD_MV),
    )
    net.connect("pre", "post", synapse, name="syn")
    net.monitor("post", ["v", "i_syn"])
    return net.run(duration)


@pytest.mark.parametrize(("transmitter", "receptor"), list(PRESETS), ids=lambda x: x)
def test_receptor_kinetics_and_current_follow_their_formulas(transmitter, receptor):
    from scipy.integrate import solve_ivp

    syn = neuro.ChemicalSynapse(transmitter, receptor, g_max=0.2)
    release, k_clear, alpha, beta, e_rev = PRESETS[(transmitter, receptor)]
    res = _held_pair(syn)
    T, r = res.trace("syn", "T"), res.trace("syn", "r")
    assert res.spikes("pre").times.tolist() == [0.01]
    # transmitter: a pulse of `release` mM at the spike, then first-order clearance, exactly
    t0 = T.t[np.argmax(T[:, 0] > 0)]
    after = T.t >= t0 - 1e-9
    np.testing.assert_allclose(
        T[after, 0], release * np.exp(-k_clear * (T.t[after] - t0)), rtol=1e-12
    )
    assert np.all(T[~after] == 0) and np.all(r[~after] == 0)
    # receptors: dr/dt = alpha T (1 - r) - beta r, solved to 1e-10 as the reference
    ref = solve_ivp(
        lambda t, y: alpha * release * np.exp(-k_clear * (t - t0)) * (1 - y) - beta * y,
        (t0, T.t[-1]),
        [0.0],
        t_eval=T.t[after],
        rtol=1e-10,
        atol=1e-13,
        method="DOP853",
    ).y[0]
    peak = ref.max()
    assert peak > 0.01
    # exponential midpoint step, second order in dt: within 5e-5 of the peak at dt = 0.01 ms
    np.testing.assert_allclose(r[after, 0], ref, atol=2e-4 * peak)
    # every synapse of the projection sees the same cleft
    np.testing.assert_array_equal(r, np.repeat(r[:, :1], len(HOLD_MV), axis=1))
    # current into each held cell: g_max r (e_rev - V) B(V), from r and V at the step's start
    v, i_syn = np.asarray(res.trace("post", "v")), np.asarray(res.trace("post", "i_syn"))
    block = jahr_stevens(v[:-1], 1.0) if receptor == "NMDA" else 1.0
    np.testing.assert_allclose(
        i_syn[1:], 0.2 * r[:-1] * (e_rev - v[:-1]) * block, rtol=1e-12, atol=1e-15
    )
    assert np.abs(i_syn).max() > 0


@pytest.mark.parametrize("mg", [0.0, 2.0])
def test_the_nmda_block_follows_the_magnesium_concentration(mg):
    res = _held_pair(neuro.ChemicalSynapse("glutamate", "NMDA", g_max=0.2, mg=mg), 10.0)
    v, r = np.asarray(res.trace("post", "v")), np.asarray(res.trace("syn", "r"))
    i_syn = np.asarray(res.trace("post", "i_syn"))
    unblocked = 0.2 * r[:-1] * (0.0 - v[:-1])
    expected = unblocked if mg == 0 else unblocked * jahr_stevens(v[:-1], mg)
    np.testing.assert_allclose(i_syn[1:], expected, rtol=1e-12, atol=1e-15)
    if mg:  # the block relieves with depolarisation: at -80 mV most of the current is gone
        low, high = i_syn[-1, [0, -1]] / unblocked[-1, [0, -1]]  # cells at -80 and +20 mV
        assert low < 0.05 and high > 0.85
