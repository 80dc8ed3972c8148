"""One registry of neuron models (axonlab.neuro.models): the engine's dispatch, the spec's model
names and the docs' list read it; each model checks its parameters as it is made."""

from __future__ import annotations

import re
import typing

import numpy as np
import pytest

from axonlab import neuro
from axonlab.errors import InputError
from axonlab.neuro.engine import loop as engine
from axonlab.neuro.models import MODEL_NAMES, MODELS, REGISTRY, hh_steady_gates
from axonlab.neuro.spec import PopulationSpec
from tests.paths import ROOT

NEURO = ROOT / "src/axonlab/neuro"


def test_kind_codes_are_registry_slots():
    assert [m.kind for m in REGISTRY] == list(range(len(REGISTRY)))
    slots = [getattr(engine, f"_K{k}") for k in range(engine.MAX_MODELS)]
    assert slots[: len(REGISTRY)] == [m.kernel for m in REGISTRY]
    assert set(slots[len(REGISTRY) :]) <= {engine._no_kernel}


def test_spec_model_names_come_from_the_registry():
    literal = PopulationSpec.model_fields["model"].annotation
    assert typing.get_args(literal) == MODEL_NAMES == tuple(MODELS)


def test_docs_list_every_registered_model_in_order():
    text = (ROOT / "docs/neuro.md").read_text()
    table = re.findall(r"^  \| `(\w+)` \| `(\w+)` \|", text, flags=re.MULTILINE)
    assert table == [(m.name, m.__name__) for m in REGISTRY]


def test_network_and_build_do_not_import_each_other_both_ways():
    imports = re.compile(
        r"^\s*(from axonlab\.neuro(\.| import )(build|network)\b|import "
        r"axonlab\.neuro\.(build|network))",
        re.MULTILINE,
    )
    network_imports = {
        m.group(3) or m.group(4) for m in imports.finditer((NEURO / "network.py").read_text())
    }
    assert "build" not in network_imports


def test_every_model_has_one_kernel_and_its_rows():
    for model in REGISTRY:
        assert model.kernel is not None
        instance = model()
        p = instance.param_matrix(3, 0.1)
        for row, name in enumerate(model.kernel_params):
            np.testing.assert_array_equal(p[row], getattr(instance, name))
            assert model.row(name) == row


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: neuro.LIF(v_reset=-40.0, v_th=-50.0), r"LIF\.v_reset must be < v_th"),
        (lambda: neuro.LIF(v_reset=[-70.0, -45.0], v_th=-50.0), r"LIF\.v_reset .* = -45"),
        (lambda: neuro.LIF(t_ref=-1.0), r"LIF\.t_ref must be >= 0"),
        (lambda: neuro.LIF(c_m=0.0), r"LIF\.c_m must be > 0"),
        (lambda: neuro.LIF(tau_m=-5.0), r"LIF\.tau_m must be > 0"),
        (lambda: neuro.AdEx(v_reset=5.0), r"AdEx\.v_reset must be < v_peak"),
        (lambda: neuro.AdEx(tau_w=0.0), r"AdEx\.tau_w must be > 0"),
        (lambda: neuro.Izhikevich(c=40.0), r"Izhikevich\.c must be < v_peak"),
        (lambda: neuro.HodgkinHuxley(g_k=-1.0), r"HodgkinHuxley\.g_k must be >= 0"),
        (lambda: neuro.TraubMiles(c_m=-1.0), r"TraubMiles\.c_m must be > 0"),
    ],
)
def test_parameters_are_checked_as_a_model_is_made(make, named):
    with pytest.raises(InputError, match=named):
        make()


def test_lif_derived_terms_follow_dt():
    p = neuro.LIF(tau_m=10.0, c_m=0.5, t_ref=2.0).param_matrix(1, 0.1)
    assert p[neuro.LIF.row("decay"), 0] == pytest.approx(np.exp(-0.01))
    assert p[neuro.LIF.row("refractory_steps"), 0] == 20
    assert p[neuro.LIF.row("r_m"), 0] == 20.0


def test_hh_steady_gates_are_the_rates_in_one_place():
    # the classic rates at rest, written out here once more only to pin them
    v = -65.0
    am, bm = 0.1 * 25.0 / (np.exp(2.5) - 1.0), 4.0
    ah, bh = 0.07, 1.0 / (1.0 + np.exp(3.0))
    an, bn = 0.01 * 10.0 / (np.exp(1.0) - 1.0), 0.125
    expected = (am / (am + bm), ah / (ah + bh), an / (an + bn))
    np.testing.assert_allclose(hh_steady_gates(v), expected, rtol=1e-12)


def test_kernel_row_names_match_the_parameter_rows():
    import importlib

    for model in REGISTRY:
        module = importlib.import_module(model.__module__)
        for name in (*model.kernel_params, *model.derived_params):
            assert getattr(module, name.upper()) == model.row(name), (model.__name__, name)
