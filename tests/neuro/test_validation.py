"""The Python API refuses what a spec refuses: the same mistakes, the same typed errors."""

from __future__ import annotations

import math

import pytest

from axonlab import neuro
from axonlab.errors import InputError


@pytest.mark.parametrize("duration", [0.0, -1.0, math.inf, math.nan])
def test_run_refuses_a_duration_that_is_not_a_positive_finite_number(duration):
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF())
    with pytest.raises(InputError, match="`duration` must be a finite number of ms > 0"):
        net.run(duration)


@pytest.mark.parametrize(("start", "stop"), [(5.0, 2.0), (5.0, 5.0), (-1.0, None), (0.0, math.nan)])
def test_a_stimulus_that_injects_nothing_is_refused(start, stop):
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF())
    with pytest.raises(InputError, match="stimulus of 'a'"):
        net.stimulate("a", current=1.0, start=start, stop=stop)


@pytest.mark.parametrize(
    ("model", "param"),
    [
        (neuro.HodgkinHuxley, "g_na"),
        (neuro.HodgkinHuxley, "g_k"),
        (neuro.HodgkinHuxley, "g_l"),
        (neuro.TraubMiles, "g_na"),
        (neuro.TraubMiles, "g_k"),
        (neuro.TraubMiles, "g_l"),
        (neuro.AdEx, "g_l"),
        (neuro.LIF, "t_ref"),
    ],
)
def test_a_negative_conductance_is_refused_naming_it(model, param):
    with pytest.raises(InputError, match=rf"{model.__name__}\.{param} must be >= 0, got -0.5"):
        model(**{param: -0.5})


@pytest.mark.parametrize(
    "synapse",
    [neuro.ExpConductanceSynapse(0.1), neuro.GapJunction(0.1), neuro.ChemicalSynapse(g_max=0.1)],
    ids=lambda s: type(s).__name__,
)
def test_a_negative_conductance_weight_is_refused_naming_the_projection(synapse):
    net = neuro.Network(dt=0.01)
    net.add("a", neuro.LIF(), n=3)
    net.connect(
        "a", "a", synapse, weight=[0.1, -0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], name="bad"
    )
    with pytest.raises(InputError, match=r"projection 'bad': 1 of 9 weights are negative"):
        net.run(1.0)


def test_a_current_synapse_may_have_a_negative_weight():
    net = neuro.Network(dt=0.1)
    net.add("a", neuro.LIF(), n=2)
    net.connect("a", "a", neuro.ExpCurrentSynapse(-0.5))
    assert net.run(1.0).duration == 1.0


def test_a_run_shorter_than_one_step_is_refused():
    net = neuro.Network(dt=1.0)
    net.add("a", neuro.LIF())
    with pytest.raises(InputError, match=r"`duration` 0.4 ms is shorter than one step \(dt = 1"):
        net.run(0.4)


@pytest.mark.parametrize("seed", [-1, 1.5])
def test_a_seed_must_be_a_whole_number_at_least_zero(seed):
    with pytest.raises(InputError, match="seed must be a whole number >= 0"):
        neuro.Network(seed=seed)
    with pytest.raises(InputError, match="dt must be a finite number of ms > 0"):
        neuro.Network(dt=math.inf)
