"""The light prediction path (axonlab.text.predict.light): ONNX Runtime and tokenizers alone give
the torch path's answers, only from a graph made from the run's weights as they are now, and a
one-shot `text predict` then never imports torch."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from axonlab import text
from axonlab.text.predict.exported import ONNX_DIR, fresh_export
from axonlab.text.predict.light import open_light
from axonlab.text.predict.onnx import use_onnx
from tests.fresh_cli import run_fresh
from tests.tiny_bert import tiny_run

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")

LONG = " ".join(["the prize draw is tonight, call now to claim your reward"] * 20)  # > 64 tokens
PRIZE = "free entry in a weekly competition to win cup final tickets"
# with CJK and emoji: the light path's tokenizer must split them as transformers' does
TEXTS = ["ok", PRIZE, LONG, "房间干净😀 see you"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """A classify and a multilabel tiny run, each exported once (as a first predict does)."""
    root = tmp_path_factory.mktemp("light")
    runs = {
        "classify": tiny_run(root / "classify", "classify", ["ham", "spam"]),
        "multilabel": tiny_run(root / "multilabel", "multilabel", ["sport", "money", "city"]),
    }
    for run in runs.values():
        use_onnx(text.load(run))
    return runs


@pytest.mark.parametrize("task", ["classify", "multilabel"])
def test_light_answers_as_torch_does(exported, task):
    torch_model = text.load(exported[task])
    light = open_light(exported[task])
    assert light is not None and light.task == task and light.labels == torch_model.labels
    assert len(light.tokenizer.encode(LONG).overflowing) >= 1  # the long text is windowed
    for batch_size in (1, 3):
        expected = torch_model.predict(TEXTS, batch_size=batch_size)
        got = light.predict(TEXTS, batch_size=batch_size)
        for e, g in zip(expected, got, strict=True):
            assert g.keys() == e.keys() and g["label"] == e["label"]
            assert g["scores"] == pytest.approx(e["scores"], abs=1e-5)
            assert g.get("labels") == e.get("labels")


def test_a_graph_counts_only_while_the_weights_are_its_own(exported, tmp_path):
    run = shutil.copytree(exported["classify"], tmp_path / "run")
    model_dir, folder = run / "model", run / ONNX_DIR
    weights = model_dir / "model.safetensors"
    assert fresh_export(model_dir, folder) == folder / "model.onnx"
    os.utime(weights, ns=(1, 1))  # same bytes, another time: the digest decides, still fresh
    assert fresh_export(model_dir, folder) == folder / "model.onnx"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # retrained (here: one bit of one weight changed)
    weights.write_bytes(bytes(data))
    assert fresh_export(model_dir, folder) is None and open_light(run) is None
    (folder / "export.json").unlink()
    assert fresh_export(model_dir, folder) is None  # a graph without its record is not trusted


def test_runs_the_light_path_cannot_answer_load_with_torch(tiny_runs, tmp_path):
    ner = shutil.copytree(tiny_runs["ner"], tmp_path / "ner")
    use_onnx(text.load(ner))
    assert open_light(ner) is None  # NER aligns words with transformers' tokenizer


def test_missing_run_is_an_error_not_a_fallback(tmp_path):
    from axonlab.errors import RunDirectoryError

    with pytest.raises(RunDirectoryError):
        open_light(tmp_path / "no-such-run")


def test_one_shot_predict_imports_no_torch(exported):
    """The second call of the documented command, in a fresh interpreter: the answer of the
    torch path, with neither torch nor transformers imported."""
    answer, imported = run_fresh("text", "predict", str(exported["classify"]), "see you", "--json")
    assert imported == []
    (prediction,) = json.loads(answer)["predictions"]
    (expected,) = text.load(exported["classify"]).predict(["see you"])
    assert prediction["label"] == expected["label"]
    assert prediction["scores"] == pytest.approx(expected["scores"], abs=1e-5)
