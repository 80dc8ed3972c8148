"""YAML specs: validation with key paths, bundled examples (axonlab.neuro.spec)."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from tests.paths import ROOT


def test_spec_error_names_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("duration: 10\npopulations:\n  a: {model: lif, n: 0}\n")
    with pytest.raises(InputError, match=r"populations\.a\.n"):
        neuro.load_spec(bad)
    bad.write_text("duration: 10\npopulations:\n  a: {model: lif, params: {tau: 3}}\n")
    with pytest.raises(InputError, match=r"populations\.a.*tau"):
        neuro.load_spec(bad)
    bad.write_text(
        "duration: 10\npopulations:\n  a: {model: lif, synapse_init: {b->a: 0.1}}\n"
        "  c: {model: lif}\nconnections:\n"
        "  - {pre: c, post: a, synapse: {type: exp_current}}\n"
    )
    with pytest.raises(InputError, match=r"populations\.a\.synapse_init\.b->a.*\['c->a'\]"):
        neuro.load_spec(bad)


@pytest.mark.parametrize(
    "spec", sorted((ROOT / "examples" / "neuro").glob("*.yaml")), ids=lambda p: p.stem
)
def test_bundled_examples_run(spec, tmp_path):
    parsed = neuro.load_spec(spec)
    assert parsed.description, "a bundled example says what it shows"
    res = neuro.network_from_spec(parsed).run(min(parsed.duration, 50.0))
    assert res.duration == min(parsed.duration, 50.0) and res.sim_seconds > 0
    # every bundled network fires within its first 50 ms
    assert sum(len(res.spikes(p)) for p in parsed.populations) > 0
    res.plot(tmp_path / "fig.png", title=parsed.name)
    res.save(tmp_path / "out.npz")
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = np.load(tmp_path / "out.npz")
    for pop in parsed.populations:
        np.testing.assert_array_equal(data[f"spikes/{pop}/times"], res.spikes(pop).times)
    for target, var in res.recorded():
        assert data[f"trace/{target}/{var}"].shape[0] == data[f"trace/{target}/{var}/t"].size


def _spec(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_a_misspelt_key_is_named_with_its_line_and_the_closest_key(tmp_path):
    path = _spec(tmp_path, "dt: 0.1\nduraton: 10\npopulations:\n  a: {model: lif}\n")
    with pytest.raises(
        InputError,
        match=r"line 2: duraton: unknown key; did you mean "
        r"'duration'\?",
    ) as err:
        neuro.load_spec(path)
    assert err.value.line == 2
    nested = (
        "duration: 10\npopulations:\n  a: {model: lif, v_init: {unifrom: [1, 2]}}\n"
        "connections:\n  - pre: a\n    post: a\n    synapse: {type: chemical, gmax: 1}\n"
    )
    with pytest.raises(
        InputError,
        match=r"line 3: populations\.a\.v_init\.unifrom: unknown key; "
        r"did you mean 'uniform'",
    ):
        neuro.load_spec(_spec(tmp_path, nested))
    with pytest.raises(
        InputError,
        match=r"line 7: connections\.0\.synapse\.gmax: unknown key; "
        r"did you mean 'g_max'",
    ):
        neuro.load_spec(_spec(tmp_path, nested.replace("unifrom", "uniform")))
    with pytest.raises(
        InputError,
        match=r"populations\.a\.params: .*\['tau'\].*did you mean "
        r"'tau_m'",
    ):
        neuro.load_spec(
            _spec(tmp_path, "duration: 10\npopulations:\n  a: {model: lif, params: {tau: 3}}\n")
        )


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "-5", "0"])
def test_a_duration_that_is_not_a_positive_number_is_refused(tmp_path, value):
    with pytest.raises(
        InputError,
        match=r"line 1: duration: Input should be (a finite number|"
        r"greater than 0)",
    ):
        neuro.load_spec(_spec(tmp_path, f"duration: {value}\npopulations:\n  a: {{model: lif}}\n"))


def test_a_stimulus_that_stops_before_it_starts_is_refused(tmp_path):
    text = (
        "duration: 10\npopulations:\n  a: {model: lif}\nstimuli:\n"
        "  - {population: a, current: 1, start: 5, stop: 2}\n"
    )
    with pytest.raises(
        InputError,
        match=r"line 5: stimuli\.0: stop \(2 ms\) must come after "
        r"start \(5 ms\)",
    ):
        neuro.load_spec(_spec(tmp_path, text))


def test_negative_conductances_are_refused_naming_the_parameter(tmp_path):
    hh = "duration: 10\ndt: 0.01\npopulations:\n  a: {model: hh, params: {g_na: -5}}\n"
    with pytest.raises(
        InputError,
        match=r"line 4: populations\.a\.params: "
        r"HodgkinHuxley\.g_na must be >= 0, got -5",
    ):
        neuro.load_spec(_spec(tmp_path, hh))
    tm = "duration: 10\npopulations:\n  a: {model: traub_miles, params: {g_l: [0.1, -0.1]}, n: 2}\n"
    with pytest.raises(InputError, match=r"TraubMiles\.g_l must be >= 0"):
        neuro.load_spec(_spec(tmp_path, tm))
    conn = (
        "duration: 10\npopulations:\n  a: {model: lif}\nconnections:\n"
        "  - {pre: a, post: a, weight: -1, synapse: {type: exp_conductance}}\n"
    )
    with pytest.raises(InputError, match=r"connections\.0: weight -1: .* conductance"):
        neuro.load_spec(_spec(tmp_path, conn))
    ok = conn.replace("exp_conductance", "exp_current")  # a current may be negative
    assert neuro.load_spec(_spec(tmp_path, ok)).connections[0].weight == -1


def test_a_negative_seed_is_a_spec_error(tmp_path):
    with pytest.raises(InputError, match=r"line 2: seed: Input should be greater than or equal"):
        neuro.load_spec(
            _spec(tmp_path, "duration: 10\nseed: -1\npopulations:\n  a: {model: lif}\n")
        )
