"""Explanations: Integrated Gradients word attributions, their completeness, offsets, targets."""

from __future__ import annotations

import json
import random

import pytest
import torch

from axonlab.errors import InputError
from axonlab.text.explain.attribution import explain_texts, log_odds


@pytest.fixture(scope="module")
def zebra_run(tmp_path_factory, tiny_backbone):
    """The tiny backbone trained until "zebra" decides the label: the one decisive word."""
    from axonlab import text

    rng = random.Random(0)
    filler = "the a cat dog ran home today slowly quickly big small red blue".split()
    rows = []
    for i in range(160):
        words = rng.sample(filler, 5)
        if i % 2:
            words.insert(rng.randrange(6), "zebra")
        rows.append(("animal" if i % 2 else "plain", " ".join(words)))
    folder = tmp_path_factory.mktemp("zebra")
    for name, part in (("train", rows[:128]), ("dev", rows[128:])):
        (folder / f"{name}.tsv").write_text(
            "label\ttext\n" + "".join(f"{label}\t{t}\n" for label, t in part)
        )
    return text.finetune(
        "classify", train=folder / "train.tsv", dev=folder / "dev.tsv", out=folder / "run",
        backbone=tiny_backbone, epochs=16, learning_rate=5e-3, batch_size=16, max_length=16,
        threads=1,
    )  # fmt: skip


def test_the_decisive_word_dominates(zebra_run):
    [explanation] = zebra_run.explain("the big zebra ran home slowly")
    assert explanation["label"] == "animal" and explanation["score"] > 0.5
    words = sorted(explanation["words"], key=lambda w: -abs(w["attribution"]))
    assert words[0]["text"] == "zebra" and words[0]["attribution"] > 0
    assert abs(words[0]["attribution"]) > 2 * abs(words[1]["attribution"])


def test_attributions_add_up_and_offsets_point_into_the_text(zebra_run):
    texts = ["a zebra!", "Dogs ran home, quickly; " * 12]  # the second is several windows
    for source, item in zip(texts, zebra_run.explain(texts, target="plain"), strict=True):
        assert item["label"] == "plain"
        assert item["completeness_error"] <= 0.05 and item["steps"] >= 8
        assert all(source[w["start"] : w["end"]] == w["text"] for w in item["words"])
        assert [w["start"] for w in item["words"]] == sorted(w["start"] for w in item["words"])
    assert len(zebra_run.explain(texts[1])[0]["words"]) == 6 * 12  # Dogs ran home , quickly ;


def _outputs(run, source: str, label: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The run's logits for ``source`` and for its baseline (special tokens kept, every other
    token padding), computed here apart from the explainer; and the label's id."""
    enc = run.tokenizer(source, return_tensors="pt", return_special_tokens_mask=True)
    special = enc.pop("special_tokens_mask").bool()
    baseline = enc["input_ids"].masked_fill(~special, run.tokenizer.pad_token_id)
    with torch.no_grad():
        z, z0 = (
            run.model(**{**enc, "input_ids": ids}).logits[0] for ids in (enc["input_ids"], baseline)
        )
    return z, z0, run.labels.index(label)


def test_the_attributions_add_up_to_the_log_odds_not_the_logit(zebra_run):
    source = "the big zebra ran home slowly"
    [item] = zebra_run.explain(source, target="animal")
    z, z0, a = _outputs(zebra_run, source, "animal")
    odds, odds0 = float(z[a] - z[1 - a]), float(z0[a] - z0[1 - a])  # two labels: z1 - z0
    assert item["output"] == "log_odds"
    assert item["log_odds"] == pytest.approx(odds, abs=1e-4)
    assert item["baseline_log_odds"] == pytest.approx(odds0, abs=1e-4)
    assert item["probability"] == pytest.approx(item["score"], rel=1e-5)  # one window
    total = sum(w["attribution"] for w in item["words"])
    assert total == pytest.approx(odds - odds0, rel=0.05) and item["completeness_error"] <= 0.05
    # the raw logit's change is far from it: explaining the logit could not pass the line above
    logit_change = float(z[a] - z0[a])
    assert abs(logit_change - (odds - odds0)) > 0.2 * abs(odds - odds0)
    [old] = explain_texts(
        zebra_run.model, zebra_run.tokenizer, [source], max_length=16, targets=[a],
        output="logit",
    )  # fmt: skip
    assert old["output"] == "logit" and old["logit"] == pytest.approx(float(z[a]), abs=1e-4)
    old_total = sum(w["attribution"] for w in old["words"])
    assert old_total == pytest.approx(logit_change, rel=0.05)


def test_log_odds_of_several_labels_is_the_logit_margin():
    z = torch.tensor([[2.0, -1.0, 0.5], [30.0, 0.0, -30.0]])
    p = z.softmax(-1).double()
    assert torch.allclose(log_odds(z)[0].double(), (p / (1 - p)).log()[0], atol=1e-5)
    assert log_odds(z)[1, 0] == pytest.approx(30.0, abs=1e-6)  # p saturated at 1: still finite
    assert log_odds(z)[1, 2] == pytest.approx(-60.0, abs=1e-5)
    assert torch.equal(log_odds(z[:, :1]), z[:, :1])


def test_a_multilabel_label_is_explained_by_its_own_logit(tiny_backbone, tmp_path):
    from axonlab import text
    from tests.text.conftest import DATA

    run = text.finetune(
        "multilabel", train=DATA / "topics_train.tsv", dev=DATA / "topics_dev.tsv",
        out=tmp_path / "topics", backbone=tiny_backbone, max_steps=2, max_length=16,
    )  # fmt: skip
    source = "Acme agrees to buy Globex"
    [item] = run.explain(source, target="merger")
    z, z0, m = _outputs(run, source, "merger")  # a sigmoid's log-odds is its logit
    assert item["output"] == "log_odds" and item["log_odds"] == pytest.approx(float(z[m]), abs=1e-4)
    assert item["probability"] == pytest.approx(item["score"], rel=1e-5)
    total = sum(w["attribution"] for w in item["words"])
    assert total == pytest.approx(float(z[m] - z0[m]), rel=0.05, abs=1e-4)


def test_an_unknown_output_is_refused(zebra_run):
    with pytest.raises(InputError, match="unknown output 'prob'"):
        explain_texts(zebra_run.model, zebra_run.tokenizer, ["a"], max_length=16, output="prob")


def test_texts_explained_in_length_groups_come_back_in_order(zebra_run, monkeypatch):
    from axonlab.text.explain import attribution as explain
    from axonlab.text.explain.attribution import length_groups

    texts = ["the zebra ran home " * 3, "a zebra", "cat dog ran home today slowly", "big red"]
    groups = length_groups(zebra_run.tokenizer, texts, max_length=16, budget=20)
    assert sorted(i for g in groups for i in g) == [0, 1, 2, 3] and len(groups) > 1
    monkeypatch.setattr(explain, "GROUP_TOKENS", 20)
    together = zebra_run.explain(texts)
    for source, item in zip(texts, together, strict=True):
        [alone] = zebra_run.explain(source)
        assert [w["text"] for w in item["words"]] == [w["text"] for w in alone["words"]]
        for a, b in zip(item["words"], alone["words"], strict=True):
            assert a["attribution"] == pytest.approx(b["attribution"], rel=1e-3, abs=1e-5)


def test_bad_requests_are_refused(zebra_run, tiny_runs):
    from axonlab import text
    from axonlab.text.predict.onnx import use_onnx

    with pytest.raises(InputError, match="unknown label 'zebras'"):
        zebra_run.explain("a zebra", target="zebras")
    with pytest.raises(InputError, match="not text pairs"):
        zebra_run.explain([("a", "b")])
    with pytest.raises(InputError, match="no target"):
        text.load(tiny_runs["ner"]).explain("Paris", target="LOC")
    onnx = use_onnx(text.load(zebra_run.run_dir))
    with pytest.raises(InputError, match="need the PyTorch model"):
        onnx.explain("a zebra")


def test_a_lora_run_is_explained(tiny_backbone, tmp_path):
    from axonlab import text
    from tests.text.conftest import DATA

    run = text.finetune(
        "classify", train=DATA / "spam_train.tsv", dev=DATA / "spam_dev.tsv", out=tmp_path / "r",
        backbone=tiny_backbone, lora={"target_modules": ("query", "value")}, max_steps=2,
        max_length=32,
    )  # fmt: skip
    [item] = run.explain("WINNER! Claim your free prize")
    assert item["completeness_error"] <= 0.05 and [w["text"] for w in item["words"]][0] == "WINNER"


def test_cli_json_contract_and_html(axonlab, zebra_run, tmp_path):
    source = "the zebra ran"
    page = tmp_path / "why.html"
    code, out, err = axonlab("text", "explain", zebra_run.run_dir, source, "--json", "--html", page)
    assert code == 0, err
    result = json.loads(out)
    assert {"label", "score", "completeness_error", "steps", "words"} <= result.keys()
    assert result["output"] == "log_odds" and {"log_odds", "probability"} <= result.keys()
    assert [w["text"] for w in result["words"]] == ["the", "zebra", "ran"]
    assert all(source[w["start"] : w["end"]] == w["text"] for w in result["words"])
    assert "zebra</span>" in page.read_text()
    code, out, err = axonlab("text", "explain", zebra_run.run_dir, "a", "b", "--json")
    assert code == 0 and len(json.loads(out)["explanations"]) == 2


def test_each_entity_is_explained_by_the_words_of_its_sentence(tiny_runs):
    from axonlab import text

    tagger = text.load(tiny_runs["ner"])
    source = "Angela Merkel visited Paris with Joe Biden."
    [item] = tagger.explain(source)
    [predicted] = tagger.predict(source)
    assert [(e["start"], e["end"], e["type"]) for e in item["entities"]] == [
        (e["start"], e["end"], e["type"]) for e in predicted["entities"]
    ]
    assert item["entities"]  # a random tagger tags something
    for entity in item["entities"]:
        assert entity["completeness_error"] <= 0.05
        assert [w["text"] for w in entity["words"]] == source.replace(".", " .").split()
        assert all(source[w["start"] : w["end"]] == w["text"] for w in entity["words"])
