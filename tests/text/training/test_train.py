"""The fine-tuning loop's own pieces: batches sliced to a token budget, the head's own rate."""

from __future__ import annotations

import pytest
import torch

from axonlab.errors import InputError
from axonlab.text.training.fit import FinetuneConfig
from axonlab.text.training.trainer import (
    batch_slices,
    checked_trainer,
    head_parameters,
    without_autocast,
)


def _batch(rows: int, length: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (rows, length), generator=generator)
    labels[:, length // 2 :] = -100  # padding and continuation pieces carry no loss
    labels[0, :] = -100  # a row with no labelled token at all
    return {
        "input_ids": torch.randint(5, 90, (rows, length), generator=generator),
        "attention_mask": torch.ones(rows, length, dtype=torch.long),
        "labels": labels,
    }


def test_batch_within_budget_is_one_slice():
    batch = _batch(4, 8)
    [(whole, share)] = batch_slices(batch, 32)
    assert whole is batch and share == 1.0


def test_slices_cover_the_batch_and_shares_follow_labelled_items():
    batch = _batch(5, 8)
    slices = batch_slices(batch, 16)  # two rows of 8 per slice
    assert [len(s["input_ids"]) for s, _ in slices] == [2, 2, 1]
    assert torch.equal(torch.cat([s["labels"] for s, _ in slices]), batch["labels"])
    counts = (batch["labels"] != -100).sum(dim=1).tolist()
    assert counts[0] == 0
    expected = [sum(counts[:2]), sum(counts[2:4]), counts[4]]
    assert [share for _, share in slices] == pytest.approx([c / sum(counts) for c in expected])


def test_a_row_longer_than_the_budget_is_its_own_slice():
    assert len(batch_slices(_batch(3, 64), 16)) == 3


def test_sliced_step_gives_the_whole_batchs_gradient(tmp_path):
    from transformers import BertForTokenClassification, TrainingArguments

    from tests.tiny_bert import tiny_bert

    _, config = tiny_bert()
    config.num_labels = 3
    config.hidden_dropout_prob = config.attention_probs_dropout_prob = 0.0
    torch.manual_seed(0)
    model = BertForTokenClassification(config)
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none")
    batch = _batch(6, 10)
    grads = []
    for budget in (1000, 20):  # one forward pass, then three slices of two rows
        model.zero_grad()
        trainer = checked_trainer(None, budget)(model=model, args=args)
        trainer.current_gradient_accumulation_steps = 1  # set by train(), which is not run
        loss = trainer.training_step(model, {k: v.clone() for k, v in batch.items()})
        grads.append((loss, [p.grad.clone() for p in model.parameters() if p.grad is not None]))
    (whole_loss, whole), (sliced_loss, sliced) = grads
    assert sliced_loss.item() == pytest.approx(whole_loss.item(), rel=1e-5)
    assert len(whole) == len(sliced) > 0
    for a, b in zip(whole, sliced, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_budget_must_be_positive():
    with pytest.raises(InputError, match="batch tokens"):
        FinetuneConfig(batch_tokens=0)


def test_unknown_few_shot_loss_names_the_choices():
    with pytest.raises(InputError, match="unknown few-shot loss 'triplet'; one of: in-batch, cos"):
        FinetuneConfig(few_shot_loss="triplet")


def test_the_head_trains_at_its_own_rate_and_the_encoder_at_the_run_rate(tmp_path):
    from transformers import BertForTokenClassification, BertModel, TrainingArguments

    from tests.tiny_bert import tiny_bert

    _, config = tiny_bert()
    config.num_labels = 3
    model = BertForTokenClassification(config)
    head = head_parameters(model)
    assert [p.shape for p in head] == [(3, config.hidden_size), (3,)]  # classifier weight, bias
    assert head_parameters(BertModel(config)) == []  # an encoder alone has no head to speed up
    args = TrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, report_to="none", learning_rate=1e-4
    )
    optimizer = checked_trainer(None, 4096, 3e-3)(model=model, args=args).create_optimizer()
    rate_of = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    assert len(rate_of) == sum(1 for p in model.parameters() if p.requires_grad)  # none twice
    assert {rate_of[id(p)] for p in head} == {3e-3}
    body = [p for p in model.bert.parameters() if p.requires_grad]
    assert {rate_of[id(p)] for p in body} == {1e-4}
    decay_of = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    assert decay_of[id(model.classifier.bias)] == 0.0  # biases keep no decay in the head too
    assert decay_of[id(model.classifier.weight)] == args.weight_decay


def test_head_rate_must_be_positive():
    with pytest.raises(InputError, match="head learning rate"):
        FinetuneConfig(head_learning_rate=0.0)


def test_dev_is_scored_in_float32_under_bf16(tmp_path):
    # Training under bf16 autocast must still pick and print the best epoch by the float32
    # numbers that `eval` and `predict` reproduce.
    from transformers import BertForSequenceClassification, Trainer, TrainingArguments

    from tests.tiny_bert import tiny_bert

    _, config = tiny_bert()
    config.num_labels = 2
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    generator = torch.Generator().manual_seed(1)
    rows = [
        {"input_ids": torch.randint(5, 90, (12,), generator=generator), "labels": i % 2}
        for i in range(8)
    ]
    with torch.inference_mode():
        exact = model(input_ids=torch.stack([r["input_ids"] for r in rows])).logits
    args = TrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, report_to="none", bf16=True,
        per_device_eval_batch_size=8,
    )  # fmt: skip
    autocast = Trainer(model=model, args=args).predict(rows).predictions
    assert not torch.allclose(torch.from_numpy(autocast), exact, rtol=1e-5, atol=1e-6)  # bf16
    # The model's forward is now accelerate's, wrapped in autocast, as during training.
    scored = checked_trainer(None, 4096)(model=model, args=args).predict(rows).predictions
    torch.testing.assert_close(torch.from_numpy(scored), exact, rtol=1e-5, atol=1e-6)
    # After training, the model handed back (reported on, saved, predicting) computes so too.
    with torch.inference_mode():
        after = without_autocast(model)(input_ids=torch.stack([r["input_ids"] for r in rows]))
    torch.testing.assert_close(after.logits, exact, rtol=1e-5, atol=1e-6)
