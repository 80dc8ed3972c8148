"""A run no better than a constant predictor never ends as a success
(axonlab.text.training.collapse)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from axonlab import text
from axonlab.errors import LearnedNothingWarning, TrainingCollapsedError
from axonlab.runs import LEARNED_NOTHING_MARKER
from axonlab.text.training.collapse import constant_macro_f1, learned_nothing


def _classes(**supports: int) -> dict:
    return {label: {"support": n} for label, n in supports.items()}


def test_the_constant_predictor_scores_the_majority_labels_f1_over_the_labels():
    label, f1 = constant_macro_f1(_classes(ham=87, spam=13))
    assert label == "ham" and f1 == pytest.approx((2 * 0.87 / 1.87) / 2)


def test_a_majority_only_classifier_learned_nothing_and_a_real_one_did():
    per_class = _classes(ham=87, spam=13)
    constant = {"accuracy": 0.87, "macro_f1": 0.4652, "per_class": per_class}
    assert "always answering 'ham'" in learned_nothing(constant)
    working = {"accuracy": 0.98, "macro_f1": 0.95, "per_class": per_class}
    assert learned_nothing(working) is None


def test_a_tagger_that_finds_no_entity_learned_nothing():
    tagger = {"micro_f1": 0.0, "token_accuracy": 0.958, "per_type": {"PER": {}}}
    assert "no entity" in learned_nothing(tagger)
    assert learned_nothing({**tagger, "micro_f1": 0.3}) is None


def _constant_data(tmp_path, rows: int) -> tuple:
    """Texts whose labels have nothing to do with them, 95% one label: a model can only learn
    to answer the majority."""
    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    paths = []
    for name, n in (("train", rows), ("dev", rows // 2)):
        lines = ["label\ttext"]
        for _ in range(n):
            label = "rare" if rng.random() < 0.05 else "common"
            lines.append(f"{label}\t{' '.join(rng.choices(words, k=6))}")
        if not any(line.startswith("rare") for line in lines):
            lines.append("rare\talpha beta")
        path = tmp_path / f"{name}.tsv"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return tuple(paths)


@pytest.fixture(autouse=True)
def _guard_on(monkeypatch):
    monkeypatch.setenv("AXONLAB_LEARNED_NOTHING", "error")  # the suite sets "warn"


def test_training_that_collapses_ends_with_an_error_and_a_marked_run(tmp_path, tiny_backbone):
    train, dev = _constant_data(tmp_path, 120)
    out = tmp_path / "run"
    with pytest.raises(TrainingCollapsedError, match="learned nothing: dev macro-F1"):
        text.finetune("classify", train=train, dev=dev, out=out, backbone=tiny_backbone,
                      epochs=1, batch_size=16, threads=1)  # fmt: skip
    assert (out / LEARNED_NOTHING_MARKER).exists()
    with pytest.warns(LearnedNothingWarning, match="learned nothing"):
        model = text.load(out)
    assert model.learned_nothing and "always answering 'common'" in model.learned_nothing


@pytest.mark.slow
def test_the_cli_exits_non_zero_and_predict_says_so(tmp_path, tiny_backbone):
    train, dev = _constant_data(tmp_path, 120)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "axonlab", "text", "train", "classify", "--train",
               str(train), "--dev", str(dev), "--out", str(out), "--backbone", tiny_backbone,
               "--epochs", "1", "--min-steps", "0", "--threads", "1"]  # fmt: skip
    trained = subprocess.run(command, capture_output=True, text=True)
    assert trained.returncode == 1
    assert "learned nothing" in trained.stderr and "Traceback" not in trained.stderr
    predicted = subprocess.run(
        [sys.executable, "-m", "axonlab", "text", "predict", str(out), "alpha beta", "--json"],
        capture_output=True,
        text=True,
    )
    assert predicted.returncode == 0
    assert "learned nothing" in predicted.stderr
