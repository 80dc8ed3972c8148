"""End-to-end fine-tuning on the shipped spam sample with a tiny offline BERT."""

from __future__ import annotations

import json

import pytest
import torch

from axonlab import text
from axonlab.errors import InputError, RunDirectoryError
from axonlab.runs import RunDirectory
from tests.paths import TEST_DATA

FAST = {"epochs": 4, "learning_rate": 3e-3, "batch_size": 16, "log_every": 1, "threads": 2}


def _losses(run_dir):
    history = json.loads((run_dir / "metrics.json").read_text())["training"]["history"]
    return [h["loss"] for h in history if "loss" in h]


@pytest.fixture(scope="module")
def trained(tiny_backbone, tmp_path_factory):

    data = TEST_DATA / "text"
    out = tmp_path_factory.mktemp("runs") / "spam"
    model = text.finetune(
        "classify",
        train=data / "spam_train.tsv",
        dev=data / "spam_dev.tsv",
        out=out,
        backbone=tiny_backbone,
        **{**FAST, "epochs": 8},
    )
    return model, data


def test_training_lowers_the_loss_and_writes_a_complete_run(trained):
    model, _ = trained
    losses = _losses(model.run_dir)
    assert len(losses) >= 8
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3
    run = RunDirectory(model.run_dir)
    assert run.is_complete
    for name in ("config.json", "metrics.json", "dev_report.txt", "dev_confusion_matrix.png"):
        assert (model.run_dir / name).exists(), name
    assert list((model.run_dir / "logs").glob("events.out.tfevents.*"))
    assert not (model.run_dir / "checkpoints").exists()  # dropped once the best model is saved


def test_saved_model_loads_with_plain_transformers(trained):
    from transformers import AutoModelForSequenceClassification

    model, _ = trained
    hf = AutoModelForSequenceClassification.from_pretrained(model.run_dir / "model")
    assert hf.config.id2label == {0: "ham", 1: "spam"}


def test_reload_gives_identical_predictions_and_the_best_dev_score(trained):
    model, data = trained
    texts = ["Free entry in a weekly competition, text WIN", "ok see you at 5"]
    again = text.load(model.run_dir)
    first, second = model.predict(texts), again.predict(texts)
    assert [p["label"] for p in first] == [p["label"] for p in second]
    for a, b in zip(first, second, strict=True):
        assert a["scores"] == pytest.approx(b["scores"], abs=1e-6)
        assert sum(a["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    best = again.run_metrics()["training"]["best_dev"]
    report = again.evaluate(data / "spam_dev.tsv")
    assert report.metrics["accuracy"] == pytest.approx(best["accuracy"], abs=1e-9)
    assert set(report.metrics["per_class"]) == {"ham", "spam"}


def test_prediction_order_is_kept_when_batching_by_length(trained):
    model, _ = trained
    texts = ["a much longer message " * 8, "hi", "medium length text here"]
    batched = model.predict(texts, batch_size=2)
    single = [model.predict([t])[0] for t in texts]
    for a, b in zip(batched, single, strict=True):
        assert a["scores"] == pytest.approx(b["scores"], abs=1e-5)


def test_empty_text_is_rejected(trained):
    model, _ = trained
    with pytest.raises(InputError, match="input 2 is empty"):
        model.predict(["fine", "  "])


def test_finished_run_is_not_overwritten(trained, tiny_backbone):
    model, data = trained
    with pytest.raises(RunDirectoryError, match="already holds a finished run"):
        text.finetune(
            "classify",
            train=data / "spam_train.tsv",
            dev=data / "spam_dev.tsv",
            out=model.run_dir,
            backbone=tiny_backbone,
            **FAST,
        )


def test_lora_trains_few_weights_and_saves_the_head(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    model = text.finetune(
        "classify",
        train=train,
        dev=dev,
        out=tmp_path / "lora",
        backbone=tiny_backbone,
        lora=text.LoraSettings(r=4, alpha=8),
        **{**FAST, "epochs": 2},
    )
    summary = model.run_metrics()["training"]
    assert 0 < summary["trainable_parameters"] < 0.05 * summary["total_parameters"]
    # The merged model on disk is the trained one: same dev accuracy as measured in training.
    best = summary["best_dev"]
    assert model.evaluate(dev).metrics["accuracy"] == pytest.approx(best["accuracy"], abs=1e-9)
    names = {n for n, _ in model.model.named_modules()}
    assert not any("lora" in n for n in names)  # adapters merged: a plain BERT classifier
    from transformers import BertModel

    before = BertModel.from_pretrained(tiny_backbone).pooler.dense.weight
    after = model.model.bert.pooler.dense.weight
    assert not torch.allclose(before, after)  # the pooler is trained and saved with the head


def test_unknown_lora_target_is_an_error(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    with pytest.raises(InputError, match=r"\['qkv'\] are not in the backbone"):
        text.finetune(
            "classify",
            train=train,
            dev=dev,
            out=tmp_path / "x",
            backbone=tiny_backbone,
            lora=text.LoraSettings(target_modules=("query", "qkv")),
            **FAST,
        )


def test_resume_continues_from_the_last_checkpoint(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    out = tmp_path / "resume"
    options = {**FAST, "keep_checkpoints": True}
    text.finetune(
        "classify",
        train=train,
        dev=dev,
        out=out,
        backbone=tiny_backbone,
        **{**options, "epochs": 1},
    )
    (out / "INCOMPLETE").write_text("pretend the run was interrupted after epoch 1\n")
    with pytest.raises(RunDirectoryError, match="unfinished run"):
        text.load(out)
    resumed = text.finetune(
        "classify",
        train=train,
        dev=dev,
        out=out,
        backbone=tiny_backbone,
        resume=True,
        **{**options, "epochs": 2},
    )
    history = resumed.run_metrics()["training"]["history"]
    epochs = [h["epoch"] for h in history if "eval_accuracy" in h]
    assert epochs == [1.0, 2.0]  # epoch 1 from the first run, epoch 2 trained after resuming
    steps = [h["step"] for h in history if "loss" in h]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def test_seeded_runs_reproduce(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    runs = [
        text.finetune(
            "classify",
            train=train,
            dev=dev,
            out=tmp_path / f"s{i}",
            backbone=tiny_backbone,
            **{**FAST, "epochs": 1},
        )
        for i in range(2)
    ]
    a, b = (next(m.model.parameters()).detach() for m in runs)
    assert torch.equal(a, b)


def test_a_long_text_is_read_in_windows_never_truncated(trained):
    from axonlab.text.tasks.classify import class_probabilities, encode

    model, _ = trained
    head = "free prize call now " * 10
    tail = "see you at the pub later " * 10
    windows, owners = encode(model.tokenizer, ["hi", head + tail], max_length=32)
    assert owners[0] == 0 and set(owners[1:]) == {1} and len(owners) > 3
    # The last window reaches the end of the text: no token is dropped.
    assert windows[-1]["input_ids"][-2] == model.tokenizer(tail)["input_ids"][-2]
    long_probs = class_probabilities(model.model, model.tokenizer, [head + tail], max_length=32)
    # Changing only the end of the text changes the prediction: the end is read.
    other = class_probabilities(model.model, model.tokenizer, [head + head], max_length=32)
    assert not torch.allclose(torch.from_numpy(long_probs), torch.from_numpy(other))


def test_text_logits_average_each_texts_windows():
    import numpy as np

    from axonlab.text.tasks.outputs import text_logits

    windows = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0], [0.0, 7.0]])
    per_text = text_logits(windows, [0, 1, 1, 2], 3)
    assert per_text.tolist() == [[1.0, 0.0], [4.0, 3.0], [0.0, 7.0]]


def test_dev_metrics_score_texts_not_windows(trained):
    from types import SimpleNamespace

    import numpy as np

    from axonlab.text.tasks.classify import WINDOW_OF, Classification

    # Text 0 has three windows, two of them wrong: the mean of their logits is right.
    dev = [
        {"labels": 1, WINDOW_OF: 0},
        {"labels": 1, WINDOW_OF: 0},
        {"labels": 1, WINDOW_OF: 0},
        {"labels": 0, WINDOW_OF: 1},
    ]
    logits = np.array([[0.0, 5.0], [0.2, 0.0], [0.2, 0.0], [1.0, 0.0]])
    compute = Classification().dev_metrics(["ham", "spam"], dev)
    scores = compute(SimpleNamespace(predictions=logits, label_ids=None))
    assert scores["accuracy"] == 1.0


def test_the_embedding_table_can_be_frozen(tiny_backbone, spam_files, tmp_path):
    from transformers import BertModel

    train, dev = spam_files
    model = text.finetune(
        "classify",
        train=train,
        dev=dev,
        out=tmp_path / "frozen",
        backbone=tiny_backbone,
        freeze_embeddings=True,
        **{**FAST, "epochs": 1},
    )
    before = BertModel.from_pretrained(tiny_backbone).embeddings.word_embeddings.weight
    assert torch.equal(before, model.model.bert.embeddings.word_embeddings.weight)
    summary = model.run_metrics()["training"]
    assert summary["total_parameters"] - summary["trainable_parameters"] == before.numel()


def test_sentence_pairs_are_half_positive_and_name_real_pairs():
    from axonlab.text.embeddings.contrastive import sentence_pairs

    texts = ["a1", "a2", "b1", "b2", "c1"]
    labels = ["a", "a", "b", "b", "c"]
    pairs = sentence_pairs(texts, labels, pairs_per_text=4, seed=1)
    assert len(pairs) == 20
    label = dict(zip(texts, labels, strict=True))
    for left, right, target in pairs:
        assert target == (1.0 if label[left] == label[right] else 0.0)
        assert left != right
    # "c1" has no partner of its label: all its pairs are negative
    assert all(t == 0.0 for left, _, t in pairs if left == "c1")
    assert sum(t for *_, t in pairs) == 8  # 2 positives for each of the 4 paired texts


def test_positive_pairs_share_a_label_and_a_lone_text_pairs_with_itself():
    from axonlab.text.embeddings.contrastive import positive_pairs

    texts = ["a1", "a2", "a3", "b1"]
    labels = ["a", "a", "a", "b"]
    pairs = positive_pairs(texts, labels, pairs_per_text=3, seed=2)
    assert len(pairs) == 12
    label = dict(zip(texts, labels, strict=True))
    for left, right, pair_label in pairs:
        assert label[left] == label[right] == pair_label
        assert left != right or left == "b1"
    assert [p for p in pairs if p[0] == "b1"] == [("b1", "b1", "b")] * 3


def test_in_batch_loss_masks_partners_of_the_same_label():
    import torch

    from axonlab.text.embeddings.contrastive import in_batch_loss

    e = torch.eye(3)
    # each text's partner is its own direction: near zero loss with a clear winner
    assert in_batch_loss(e, e, [("", "", "x"), ("", "", "y"), ("", "", "z")]) < 1e-6
    crossed = e[[1, 0, 2]]
    # partners swapped: a mistake when the labels differ...
    assert in_batch_loss(e, crossed, [("", "", "x"), ("", "", "y"), ("", "", "z")]) > 10
    # ...but not when they share a label: that candidate is masked, not a wrong answer
    assert in_batch_loss(e, crossed, [("", "", "x"), ("", "", "x"), ("", "", "z")]) < 1
    # two texts of one label close together are not pushed apart
    same = torch.tensor([[1.0, 0, 0], [0.9, 0.1, 0], [0, 0, 1]])
    assert in_batch_loss(same, same, [("", "", "x"), ("", "", "x"), ("", "", "z")]) < 1e-6


def test_few_shot_tunes_the_encoder_on_pairs_first(
    tiny_backbone, spam_files, tmp_path, monkeypatch
):
    from axonlab.text.backbones.resolve import load_tokenizer
    from axonlab.text.embeddings import contrastive

    train, dev = spam_files
    calls = []
    tune = contrastive.contrastive_tune

    def spy(encoder, tokenizer, pairs, **kw):
        calls.append((len(pairs), kw["loss"], {label for *_, label in pairs}))
        return tune(encoder, tokenizer, pairs[:32], **kw)

    monkeypatch.setattr(contrastive, "contrastive_tune", spy)
    model = text.finetune(
        "classify",
        train=train,
        dev=dev,
        out=tmp_path / "few",
        backbone=tiny_backbone,
        few_shot=True,
        **{**FAST, "epochs": 1},
    )
    # the default loss: same-label pairs only, half as many per text as the cosine loss draws
    (n_pairs, loss, labels), *_ = calls
    assert loss == "in-batch" and labels == {"ham", "spam"}
    assert n_pairs % (contrastive.PAIRS_PER_TEXT // 2) == 0
    # then a logistic regression on the examples' embeddings (SetFit's head), saved and read back
    from axonlab.text.embeddings.zero_shot import PrototypeClassifier

    assert isinstance(model.model, PrototypeClassifier)
    assert tuple(model.model.weights.shape) == (2, model.model.config.hidden_size)
    assert model.model.bias.abs().sum() > 0 and model.model.weights[0].abs().sum() == 0
    summary = model.run_metrics()["training"]
    assert summary["trainable_parameters"] == summary["total_parameters"] > 0
    assert model.predict(["free prize"])[0]["label"] in {"ham", "spam"}
    # the loss of pairs goes down on the real thing
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(tiny_backbone)
    pairs = contrastive.sentence_pairs(
        ["good", "great", "bad", "awful"] * 4, list("ppnn") * 4, seed=0
    )
    tokenizer = load_tokenizer(tiny_backbone)
    losses = tune(
        encoder, tokenizer, pairs, loss="cosine", max_length=16, epochs=4, learning_rate=1e-3
    )
    assert losses[-1] < losses[0]
    pairs = contrastive.positive_pairs(
        ["good", "great", "bad", "awful"] * 4, list("ppnn") * 4, pairs_per_text=2, seed=0
    )
    losses = tune(
        encoder, tokenizer, pairs, loss="in-batch", max_length=16, epochs=4, learning_rate=1e-3
    )
    assert losses[-1] < losses[0]


def test_few_shot_is_for_classification(tmp_path):
    with pytest.raises(InputError, match="few-shot models are for classification tasks, not ner"):
        text.finetune("ner", train="x.conll", dev="x.conll", out=tmp_path / "r", few_shot=True)
