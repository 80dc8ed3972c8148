"""Explanations: Integrated Gradients word attributions, their completeness, offsets, targets."""

from __future__ import annotations

import json
import random

import pytest

from axonlab.errors import InputError


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


def test_texts_explained_in_length_groups_come_back_in_order(zebra_run, monkeypatch):
    from axonlab.text import explain
    from axonlab.text.explain import length_groups

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
    from axonlab.serve.onnx import use_onnx

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
    assert {"label", "score", "completeness_error", "words"} <= result.keys()
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
