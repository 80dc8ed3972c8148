"""Explanations on the light path (axonlab.text.explain.light): the integrand exported with its
backward pass, integrated with ONNX Runtime, gives the torch path's attributions; a one-shot
`text explain` then imports no torch; a graph made from other weights is not used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from axonlab import text
from axonlab.text.explain.gradient_graph import gradients_file
from axonlab.text.explain.light import open_light_explainer
from axonlab.text.predict.exported import GRADIENTS_FILE, ONNX_DIR
from axonlab.text.predict.onnx import onnx_files
from tests.fresh_cli import run_fresh
from tests.tiny_bert import tiny_run

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")

LONG = " ".join(["the prize draw is tonight, call now to claim your reward"] * 20)  # > 64 tokens
TEXTS = ["ok", "free entry in a weekly competition to win cup final tickets", LONG]
RUNS = {"classify": ["ham", "spam"], "multilabel": ["x", "y", "z"]}  # softmax log-odds; logits


@pytest.fixture(scope="module")
def graphs(tmp_path_factory) -> dict[str, Path]:
    """Tiny runs (two classes; three labels, multi-label), each with its integrand exported."""
    root = tmp_path_factory.mktemp("light-explain")
    runs = {}
    for name, labels in RUNS.items():
        task = "multilabel" if name == "multilabel" else "classify"
        runs[name] = tiny_run(root / name, task, labels)
        gradients_file(text.load(runs[name]))
    return runs


@pytest.mark.parametrize("name", list(RUNS))
def test_light_explanations_are_the_torch_paths(graphs, name):
    torch_model, light = text.load(graphs[name]), open_light_explainer(graphs[name])
    assert light is not None
    for target in (None, RUNS[name][-1]):
        expected = torch_model.explain(TEXTS, target=target)
        got = light.explain(TEXTS, target=target)
        for e, g in zip(expected, got, strict=True):
            assert g.keys() == e.keys()
            assert (g["label"], g["steps"], g["output"]) == (e["label"], e["steps"], e["output"])
            assert g["score"] == pytest.approx(e["score"], abs=1e-6)
            assert g["log_odds"] == pytest.approx(e["log_odds"], rel=1e-4, abs=1e-7)
            assert g["completeness_error"] <= 0.05
            assert [(w["text"], w["start"], w["end"]) for w in g["words"]] == [
                (w["text"], w["start"], w["end"]) for w in e["words"]
            ]
            # the tiny random model's attributions are ~1e-6: compared relative to that
            attributions = [w["attribution"] for w in e["words"]]
            assert [w["attribution"] for w in g["words"]] == pytest.approx(
                attributions, rel=1e-3, abs=1e-4 * max(map(abs, attributions))
            )


def test_the_integrand_counts_only_while_the_weights_are_its_own(graphs, tmp_path):
    run = shutil.copytree(graphs["classify"], tmp_path / "run")
    graph = run / ONNX_DIR / GRADIENTS_FILE
    assert open_light_explainer(run) is not None
    graph.unlink()
    assert open_light_explainer(run) is None  # no integrand: the torch path answers
    shutil.copy(graphs["classify"] / ONNX_DIR / GRADIENTS_FILE, graph)
    weights = run / "model" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # retrained
    weights.write_bytes(bytes(data))
    assert open_light_explainer(run) is None
    onnx_files(run, *_torch_parts(run), int8=False)  # the forward graph made again ...
    assert not graph.exists()  # ... drops the integrand made from the old weights


def _torch_parts(run: Path):
    model = text.load(run)
    return model.model, model.tokenizer


def test_an_unknown_target_or_a_pair_is_refused(graphs):
    from axonlab.errors import InputError

    light = open_light_explainer(graphs["classify"])
    with pytest.raises(InputError, match="unknown label"):
        light.explain(["ok"], target="eggs")
    with pytest.raises(InputError, match="single texts"):
        light.explain([("a", "b")])


def test_one_shot_explain_imports_no_torch(graphs):
    answer, imported = run_fresh("text", "explain", str(graphs["classify"]), "see you", "--json")
    assert imported == []
    got = json.loads(answer)
    (expected,) = text.load(graphs["classify"]).explain(["see you"])
    assert got["label"] == expected["label"] and len(got["words"]) == len(expected["words"])
