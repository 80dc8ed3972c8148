"""The recipe a run gets when it leaves the learning rate and steps to the defaults."""

from __future__ import annotations

import json

import pytest

from axonlab import text
from axonlab.text import defaults
from axonlab.text.training.fit import FinetuneConfig, LoraSettings
from axonlab.text.training.recipe import backbone_name, choose


@pytest.fixture(autouse=True)
def _floor_on(monkeypatch):
    monkeypatch.setattr(defaults, "MIN_STEPS", 300)  # the suite turns it off for tiny runs


def test_the_learning_rate_is_chosen_by_backbone_and_task(monkeypatch):
    monkeypatch.setattr(
        defaults, "BACKBONE_LEARNING_RATES", {"multilingual-e5-small": {"ner": 3e-4}}
    )

    def rate(backbone, task, **config):
        return choose(FinetuneConfig(**config), backbone=backbone, task=task, n_train=10**5)

    assert rate("all-minilm-l6-v2", "ner").learning_rate == defaults.LEARNING_RATE
    e5_ner = rate("multilingual-e5-small", "ner")
    assert e5_ner.learning_rate == 3e-4 and "measured for ner" in e5_ner.notes[0]
    assert rate("multilingual-e5-small", "classify").learning_rate == defaults.LEARNING_RATE
    lora = rate("multilingual-e5-small", "ner", lora=LoraSettings())
    assert lora.learning_rate == defaults.LORA_LEARNING_RATE
    given = rate("multilingual-e5-small", "ner", learning_rate=2e-5)
    assert given.learning_rate == 2e-5  # the user's choice, unremarked:
    assert not any(note.startswith("learning rate") for note in given.notes)


def test_the_new_head_gets_its_own_rate_unless_given_or_under_lora():
    def recipe(**config):
        return choose(FinetuneConfig(**config), backbone="x", task="classify", n_train=10**5)

    full = recipe()
    assert full.head_learning_rate == defaults.HEAD_LEARNING_RATE > full.learning_rate
    assert f"the new head at {defaults.HEAD_LEARNING_RATE:g}" in full.notes
    assert recipe(head_learning_rate=1e-3).head_learning_rate == 1e-3
    assert recipe(lora=LoraSettings()).head_learning_rate is None  # peft trains it with the rest
    assert recipe(learning_rate=1e-2).head_learning_rate is None  # never slower than the encoder


def test_a_small_training_set_gets_enough_steps():
    config = FinetuneConfig(epochs=3, batch_size=32)
    recipe = choose(config, backbone="multilingual-e5-small", task="ner", n_train=1350)
    assert recipe.epochs == 7.0  # 43 steps an epoch: 7 epochs are 301 >= 300 steps
    assert any("7 epochs, not 3" in note and "43 steps an epoch" in note for note in recipe.notes)
    big = choose(config, backbone="x", task="ner", n_train=10_000)
    assert big.epochs == 3
    capped = FinetuneConfig(epochs=3, max_steps=50)
    assert choose(capped, backbone="x", task="ner", n_train=100).epochs == 3
    off = FinetuneConfig(epochs=3, min_steps=0)
    assert choose(off, backbone="x", task="ner", n_train=100).epochs == 3


def test_backbones_are_filed_by_name():
    assert backbone_name(None) == defaults.DEFAULT_BACKBONE
    assert backbone_name("/models/Multilingual-E5-Small/") == "multilingual-e5-small"
    assert backbone_name("intfloat/multilingual-e5-small") == "multilingual-e5-small"


def test_the_run_trains_the_chosen_steps_and_keeps_the_notes(tmp_path, tiny_backbone, capsys):
    from tests.text.conftest import DATA

    train, dev = DATA / "spam_train.tsv", DATA / "spam_dev.tsv"
    run = text.finetune("classify", train=train, dev=dev, out=tmp_path / "run",
                        backbone=tiny_backbone, epochs=1, batch_size=16, max_length=16,
                        min_steps=12, threads=1)  # fmt: skip
    rows = len(text.read_labelled(train).texts)
    per_epoch = -(-rows // 16)
    assert per_epoch < 12  # the data set is small enough for the floor to matter
    config = json.loads((run.run_dir / "config.json").read_text())
    assert config["train"]["epochs"] > 1 and config["train"]["learning_rate"] == 1e-4
    assert config["train"]["head_learning_rate"] == defaults.HEAD_LEARNING_RATE
    assert any("min_steps" in note for note in config["recipe"])
    assert "recipe: learning rate 0.0001 (the default)" in capsys.readouterr().err
    steps = max(h["step"] for h in json.loads((run.run_dir / "metrics.json").read_text())
                ["training"]["history"])  # fmt: skip
    assert steps >= 12
