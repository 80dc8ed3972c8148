"""YAML specs: validation with key paths, bundled examples (axonlab.neuro.spec)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from tests.neuro.helpers import ROOT


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
