"""Synapses that learn (axonlab.neuro.plasticity, .learning): STDP against its pair formula,
bounds, Tsodyks–Markram against its recursion, eligibility x dopamine, specs and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from axonlab.neuro.spec import load_spec, network_from_spec
from tests.paths import ROOT

DT = 0.1
KICK = 1e4  # uA/cm2 for one step: a LIF neuron fires at the end of that step


def _fire_at(net: neuro.Network, pop: str, times_ms: list[float]) -> None:
    """Make every neuron of ``pop`` fire at the end of the step that ends at each time."""
    for t in times_ms:
        net.stimulate(pop, current=KICK, start=t - DT, stop=t)


def _pair_net(t_pre: list[float], t_post: list[float], rule: neuro.STDP, w0: float):
    net = neuro.Network(dt=DT, seed=0)
    for name in ("pre", "post"):
        net.add(name, neuro.LIF(t_ref=0.0))
    # a zero-weight current synapse: the pair's timing is set by the kicks alone
    net.connect("pre", "post", neuro.ExpCurrentSynapse(weight=w0), name="syn", plasticity=rule,
                weight=w0)  # fmt: skip
    _fire_at(net, "pre", t_pre)
    _fire_at(net, "post", t_post)
    return net


@pytest.mark.parametrize("lag", [-40.0, -10.0, -0.5, 0.0, 0.5, 10.0, 40.0])
@pytest.mark.parametrize("kind", ["additive", "multiplicative"])
def test_one_pair_changes_the_weight_by_the_rules_formula(lag, kind):
    rule = neuro.STDP(tau_pre=17.0, tau_post=34.0, a_plus=0.1, a_minus=0.12, w_max=1.0, rule=kind)
    t_pre = 50.0
    result = _pair_net([t_pre], [t_pre + lag], rule, w0=0.4).run(150.0)
    assert [len(result.spikes(p)) for p in ("pre", "post")] == [1, 1]
    change = result.weights("syn")[0] - 0.4
    assert change == pytest.approx(rule.pair_change(lag, w=0.4), rel=1e-9, abs=1e-12)
    assert (change > 0) == (lag >= 0)


def test_nearest_pairing_counts_only_the_last_presynaptic_spike():
    kwargs = dict(tau_pre=20.0, a_plus=0.05, a_minus=0.0, w_max=1.0)
    pre, post = [10.0, 20.0, 30.0], [35.0]
    changes = {}
    for pairing in ("all_to_all", "nearest"):
        result = _pair_net(pre, post, neuro.STDP(pairing=pairing, **kwargs), 0.2).run(60.0)
        changes[pairing] = result.weights("syn")[0] - 0.2
    assert changes["nearest"] == pytest.approx(0.05 * math.exp(-5 / 20))
    assert changes["all_to_all"] == pytest.approx(0.05 * sum(math.exp(-(35 - t) / 20) for t in pre))


def test_weights_stay_within_their_bounds():
    rule = neuro.STDP(a_plus=0.7, a_minus=0.0, w_min=0.1, w_max=0.5)
    result = _pair_net([10.0, 30.0, 50.0], [11.0, 31.0, 51.0], rule, w0=0.3).run(80.0)
    assert result.weights("syn")[0] == pytest.approx(0.5)
    with pytest.raises(InputError, match=r"outside the STDP bounds"):
        _pair_net([10.0], [11.0], rule, w0=0.9).run(20.0)
    with pytest.raises(InputError, match="w_min"):
        neuro.STDP(w_min=1.0, w_max=1.0)


def _song(duration: float, seed: int = 1):
    spec = load_spec(ROOT / "examples/neuro/stdp_song2000.yaml")
    return network_from_spec(spec.model_copy(update={"seed": seed})).run(duration)


def test_song_network_spreads_weights_within_bounds_and_reproduces():
    a, b = _song(2000.0), _song(2000.0)
    w = a.weights("stdp")
    assert w.shape == (1000,) and w.min() >= 0.0 and w.max() <= 0.001
    np.testing.assert_array_equal(w, b.weights("stdp"))
    # from a uniform start (std w_max / sqrt(12)) the weights spread towards the bounds
    longer = _song(10_000.0).weights("stdp")
    assert np.std(longer) > np.std(w) and np.std(longer) / 0.001 > 0.3
    assert np.mean(longer >= 0.001 * 0.999) > 0.005
    assert not np.array_equal(w, _song(2000.0, seed=2).weights("stdp"))


def test_short_term_plasticity_matches_the_tsodyks_markram_recursion():
    stp = neuro.TsodyksMarkram(U=0.3, tau_rec=120.0, tau_facil=60.0)
    net = neuro.Network(dt=DT, seed=4)
    net.add("regular", neuro.LIF(t_ref=0.0))
    net.add("poisson", neuro.PoissonSource(rate_hz=60.0))
    net.add("post", neuro.LIF(), n=2)
    syn = neuro.ChemicalSynapse("glutamate", "AMPA", g_max=0.01)
    for target, pre in enumerate(("regular", "poisson")):
        net.connect(pre, "post", syn, rule="pairs", pairs=[(0, target)], name=f"{pre}_syn",
                    short_term=stp)  # fmt: skip
        net.monitor(f"{pre}_syn", ["T"])
    _fire_at(net, "regular", [20.0 * k for k in range(1, 16)])
    result = net.run(400.0)
    decay = math.exp(-syn.constants()["k_clear"] * DT)
    for pre in ("regular", "poisson"):
        times = np.asarray(result.spikes(pre).times)
        assert times.size >= 10
        cleft = np.asarray(result.trace(f"{pre}_syn", "T"))
        rows = np.rint(times / DT).astype(int)
        released = cleft[rows] - cleft[rows - 1] * decay
        expected = syn.constants()["release"] * np.array(stp.efficacies(times.tolist()))
        np.testing.assert_allclose(released, expected, rtol=1e-9)


def test_eligibility_times_dopamine_moves_the_weight():
    rule = neuro.STDP(a_plus=0.1, a_minus=0.0, w_max=1.0, dopamine="dopamine",
                      tau_eligibility=500.0, gain=1000.0)  # fmt: skip

    def run(reward_at: float | None):
        net = neuro.Network(dt=DT, seed=0)
        for name in ("pre", "post", "reward"):
            net.add(name, neuro.LIF(t_ref=0.0))
        net.volume("reward", "dopamine")
        net.connect("pre", "post", neuro.ExpCurrentSynapse(weight=0.0), name="syn",
                    plasticity=rule, weight=0.2)  # fmt: skip
        _fire_at(net, "pre", [10.0])
        _fire_at(net, "post", [15.0])
        if reward_at is not None:
            _fire_at(net, "reward", [reward_at])
        net.monitor("syn", ["w", "eligibility"])
        return net.run(3000.0)

    without = run(None)
    assert without.weights("syn")[0] == pytest.approx(0.2)  # eligible, but never rewarded
    trace = without.trace("syn", "eligibility")
    assert trace[int(round(16 / DT))] == pytest.approx(0.1 * math.exp(-5 / 20), rel=5e-3)
    rewarded = run(1000.0)
    c0, t_pair, t_reward = 0.1 * math.exp(-5 / 20), 15.0, 1000.0
    dopamine = rewarded.trace("dopamine", "concentration")
    assert dopamine.max() == pytest.approx(0.5e-3)
    # dw = gain * integral of c(t) [DA](t) dt, both exponentials from the reward on
    k = 0.005
    integral = c0 * math.exp(-(t_reward - t_pair) / 500.0) * 0.5e-3 / (1 / 500.0 + k)
    change = rewarded.weights("syn")[0] - 0.2
    assert change == pytest.approx(1000.0 * integral, rel=0.02)


def test_spec_declares_plasticity_and_reports_its_mistakes(tmp_path):
    spec = load_spec(ROOT / "examples/neuro/stdp_song2000.yaml")
    assert spec.connections[0].plasticity.w_max == 0.001
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "examples/neuro/stdp_song2000.yaml").read_text()
    bad.write_text(text.replace("w_min: 0,", "w_min: 0.002,"))
    with pytest.raises(InputError, match=r"connections\.0\.plasticity.*w_min"):
        load_spec(bad)
    net = neuro.Network()
    net.add("a", neuro.LIF())
    with pytest.raises(InputError, match="chemical synapse"):
        net.connect("a", "a", neuro.ExpCurrentSynapse(), short_term=neuro.TsodyksMarkram())
    with pytest.raises(InputError, match="volume 'dopamine'"):
        net.connect("a", "a", neuro.ExpCurrentSynapse(), plasticity=neuro.STDP(dopamine="dopamine"))


def test_cli_reports_final_weights_of_plastic_projections():
    from typer.testing import CliRunner

    from axonlab.cli import app

    spec = str(ROOT / "examples/neuro/stdp_song2000.yaml")
    args = ["sim", "run", spec, "--duration", "500", "--seed", "7", "--json"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    proj = data["projections"]["stdp"]
    assert len(proj["final_weights"]) == 1000 and proj["w_max"] == 0.001
    assert data["seed"] == 7 and data["duration_ms"] == 500.0
    np.testing.assert_allclose(proj["final_weights"], _song(500.0, seed=7).weights("stdp"))
