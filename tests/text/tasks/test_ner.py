"""End to end: fine-tune a tiny BERT tagger (``tiny_backbone`` from conftest), save, reload,
predict and evaluate, through the API and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from axonlab import text
from axonlab.cli import app
from axonlab.errors import InputError
from tests.paths import ROOT, TEST_DATA

DATA = TEST_DATA / "ner"
SENTENCE = "Angela Merkel visited  New York with the Red Cross ."


@pytest.fixture(scope="module")
def trained(tiny_backbone, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "ner"
    model = text.finetune(
        "ner",
        train=DATA / "train.conll",
        dev=DATA / "dev.conll",
        out=out,
        backbone=str(tiny_backbone),
        max_steps=40,
        batch_size=8,
        learning_rate=3e-3,
        max_length=24,  # tiny windows: the test sentences are windowed, not truncated
    )
    return model


def test_training_writes_a_complete_run(trained):
    run = trained.run_dir
    assert trained.task == "ner"
    assert trained.labels == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"micro_f1", "precision", "recall", "per_type", "token_accuracy"} <= set(metrics["dev"])
    history = [h["loss"] for h in metrics["training"]["history"] if "loss" in h]
    assert history[-1] < history[0]  # it learned something
    assert metrics["dev"]["token_accuracy"] > 0.6
    assert not (run / "INCOMPLETE").exists() and not (run / "checkpoints").exists()
    config = json.loads((run / "model" / "config.json").read_text())
    assert config["id2label"]["5"] == "B-PER"


def test_reload_predicts_the_same_entities(trained, tmp_path):
    long_text = " ".join([SENTENCE] * 12)  # far longer than the 24-token window
    first = trained.predict([SENTENCE, long_text, "\ufe0f ❤\ufe0f"])
    copy = trained.save(tmp_path / "copy")
    again = text.load(copy).predict([SENTENCE, long_text, "\ufe0f ❤\ufe0f"])
    assert [[(e["type"], e["start"], e["end"]) for e in p["entities"]] for p in first] == [
        [(e["type"], e["start"], e["end"]) for e in p["entities"]] for p in again
    ]
    for source, prediction in zip([SENTENCE, long_text], first, strict=False):
        for entity in prediction["entities"]:
            assert source[entity["start"] : entity["end"]] == entity["text"]
            assert 0.0 < entity["score"] <= 1.0
    # Windowing makes a repeated sentence come back with entities in every copy.
    assert len(first[1]["entities"]) >= len(first[0]["entities"])


def test_evaluate_scores_every_word(trained):
    report = trained.evaluate(DATA / "iob2.conll")
    assert report.metrics["words"] == 14
    p, r = report.metrics["precision"], report.metrics["recall"]
    assert report.metrics["micro_f1"] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)
    assert "micro avg" in report.report
    with pytest.raises(InputError, match="MISC"):
        trained.evaluate(DATA / "bioes.conll")


def test_cli_eval_and_predict_json(trained):
    runner = CliRunner()
    result = runner.invoke(
        app, ["text", "eval", str(trained.run_dir), str(DATA / "dev.conll"), "--json"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert {"micro_f1", "precision", "recall", "per_type", "token_accuracy"} <= set(metrics)
    result = runner.invoke(app, ["text", "predict", str(trained.run_dir), SENTENCE, "--json"])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)["predictions"]
    assert item["text"] == SENTENCE
    for entity in item["entities"]:
        assert set(entity) == {"type", "label", "text", "start", "end", "score"}
        assert entity["label"] == entity["type"]
        assert SENTENCE[entity["start"] : entity["end"]] == entity["text"]


def test_cli_train_lora(tiny_backbone, tmp_path):
    out = tmp_path / "lora"
    args = ["text", "train", "ner", "--train", str(DATA / "train.conll")]
    args += ["--dev", str(DATA / "dev.conll"), "--out", str(out), "--lora", "--max-steps", "6"]
    args += ["--backbone", str(tiny_backbone), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # The last stdout line is the JSON object (the Trainer's own log lines may precede it).
    assert "micro_f1" in json.loads(result.stdout.strip().splitlines()[-1])
    model = text.load(out)
    assert model.task == "ner" and model.predict(SENTENCE)[0].keys() == {"entities"}


def test_docs_examples_run():
    """The runnable example in docs/ner.md ("The pieces") executes and shows true values."""
    page = (ROOT / "docs" / "ner.md").read_text()
    block = page.split("## The pieces", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "docs/ner.md", "exec"), namespace)
    assert [(e.type, e.text, e.start, e.end) for e in namespace["entities"]] == [
        ("LOC", "Zürich", 0, 6),
        ("PER", "Angela  Merkel", 10, 24),
    ]
    assert namespace["scores"]["micro_f1"] == 0.0
