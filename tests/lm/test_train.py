"""Training: a tiny model learns a tiny text; resume continues exactly; run directory contents."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
import torch

from axonlab import lm
from axonlab.errors import InputError
from axonlab.lm.checkpoint import CHECKPOINT_FILE, load_checkpoint
from axonlab.lm.evaluate import full_context_nll
from axonlab.lm.training import TrainConfig, Trainer, lr_at


def unigram_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log(c / len(text)) for c in counts.values())


def test_gpt_learns_the_text_far_below_unigram_entropy(gpt_run, repetitive_text):
    text = repetitive_text.read_text()
    loss = lm.load(gpt_run).evaluate(text)["loss"]
    assert loss < 0.25 * unigram_entropy(text)  # ~2.9 nats/char -> well under 0.75


def test_lstm_learns_the_text_far_below_unigram_entropy(tmp_path, repetitive_text, tiny_lstm):
    model = lm.train(
        repetitive_text,
        tmp_path / "lstm",
        arch="lstm",
        model=tiny_lstm,
        max_steps=60,
        eval_interval=60,
        lr=3e-2,
        warmup_steps=5,
        batch_size=8,
        seed=0,
    )
    text = repetitive_text.read_text()
    assert model.evaluate(text)["loss"] < 0.25 * unigram_entropy(text)


def test_run_directory_holds_every_artefact(gpt_run):
    names = {p.name for p in gpt_run.iterdir()}
    assert {
        "config.json",
        "metrics.json",
        "model.pt",
        "checkpoint.pt",
        "tokenizer.json",
        "loss.png",
        "logs",
    } <= names
    assert any((gpt_run / "logs").iterdir())  # TensorBoard events
    metrics = json.loads((gpt_run / "metrics.json").read_text())
    assert metrics["steps"] == 60 and [h["step"] for h in metrics["history"]] == [20, 40, 60]
    assert metrics["best_val_perplexity"] == pytest.approx(math.exp(metrics["best_val_loss"]))


class Interrupt(Exception):
    pass


def _stop_at(step: int):
    def callback(progress):
        if progress.step == step:
            raise Interrupt

    return callback


@pytest.mark.parametrize("arch", ["gpt", "lstm"])
def test_resume_continues_at_the_same_step_with_the_same_state(
    tmp_path, sample_text, arch, tiny_gpt, tiny_lstm
):
    sizes = {"gpt": tiny_gpt, "lstm": tiny_lstm}[arch]  # the LSTM carries its state over too
    config = TrainConfig(
        arch=arch,
        model={**sizes, "dropout": 0.1},
        max_steps=8,
        eval_interval=4,
        batch_size=4,
        seed=3,
    )
    Trainer(sample_text, tmp_path / "straight", config).fit()
    with pytest.raises(Interrupt):  # killed after step 6; the last checkpoint is step 4
        Trainer(sample_text, tmp_path / "cut", config, callbacks=[_stop_at(6)]).fit()
    saved = load_checkpoint(tmp_path / "cut" / CHECKPOINT_FILE)
    resumed = Trainer(sample_text, tmp_path / "cut", config, resume=True)
    assert resumed.step == saved["step"] == 4
    state = resumed.optimizer.state_dict()
    for key, values in saved["optimizer"]["state"].items():
        assert torch.equal(state["state"][key]["exp_avg"], values["exp_avg"])
    resumed.fit()
    straight = load_checkpoint(tmp_path / "straight" / CHECKPOINT_FILE)
    final = load_checkpoint(tmp_path / "cut" / CHECKPOINT_FILE)
    assert final["step"] == 8
    for name, weight in straight["model"].items():
        assert torch.allclose(final["model"][name], weight, atol=1e-6), name


def test_bpe_run_and_a_corpus_shorter_than_one_window(tmp_path, sample_text, tiny_gpt):
    model = lm.train(
        sample_text,
        tmp_path / "bpe",
        tokenizer="bpe",
        vocab_size=300,
        model={**tiny_gpt, "block_size": 16},
        max_steps=2,
        eval_interval=2,
    )
    assert model.tokenizer.kind == "bpe" and model.evaluate(sample_text)["tokens"] > 0
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("To be, or not to be: that is the question.")
    with pytest.raises(InputError, match="fewer than one training window"):
        lm.train(tiny, tmp_path / "tiny", model=tiny_gpt, max_steps=2)


def test_schedule_warms_up_then_decays_to_the_floor():
    config = TrainConfig(lr=1.0, warmup_steps=10, min_lr_ratio=0.1, max_steps=100)
    assert lr_at(0, 0.0, config) == pytest.approx(0.1)
    assert lr_at(10, 0.1, config) == pytest.approx(1.0 - 0.9 * (1 - math.cos(0.1 * math.pi)) / 2)
    assert lr_at(100, 1.0, config) == pytest.approx(0.1)
    with pytest.raises(InputError, match="budget"):
        TrainConfig()
    with pytest.raises(InputError, match="did you mean 'lr'"):
        lm.train("unused.txt", "unused", lrr=1e-3, max_steps=1)


def test_lstm_lanes_that_do_not_fit_are_refused_before_the_run_starts(tmp_path, tiny_lstm):
    text = tmp_path / "short.txt"
    text.write_text("To be, or not to be: that is the question. " * 6)  # ~230 training chars
    with pytest.raises(InputError, match="too few for 16 lanes") as err:
        lm.train(text, tmp_path / "run", arch="lstm", model=tiny_lstm, max_steps=2)
    assert "short.txt" in str(err.value) and not (tmp_path / "run").exists()


def test_a_bf16_run_reports_the_float32_validation_loss(tmp_path, sample_text, tiny_gpt):
    config = TrainConfig(model=tiny_gpt, max_steps=4, eval_interval=2, batch_size=4, bf16=True)
    trainer = Trainer(sample_text, tmp_path / "run", config)
    metrics = trainer.fit()
    ids = trainer.val_data.ids
    trainer.model.eval()
    float32 = full_context_nll(trainer.model, ids) / (len(ids) - 1)
    assert metrics["best_val_loss"] == pytest.approx(float32, rel=1e-6)
