"""The ``axonlab text`` command line: the contract's --json outputs and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from axonlab.cli import app

runner = CliRunner()


def test_train_eval_predict_json(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    out = tmp_path / "run"
    result = runner.invoke(app, ["text", "train", "classify", "--train", str(train), "--dev",
                                 str(dev), "--out", str(out), "--epochs", "1", "--backbone",
                                 tiny_backbone, "--json"])
    assert result.exit_code == 0, result.output
    assert "accuracy" in json.loads(result.stdout)  # stdout holds the JSON object alone

    result = runner.invoke(app, ["text", "eval", str(out), str(dev), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "per_class"} <= set(metrics)
    assert set(metrics["per_class"]["spam"]) >= {"precision", "recall", "f1"}

    result = runner.invoke(app, ["text", "predict", str(out), "win a prize", "hello", "--json"])
    assert result.exit_code == 0, result.output
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["text"] for p in predictions] == ["win a prize", "hello"]
    assert all(p["label"] in {"ham", "spam"} and set(p["scores"]) == {"ham", "spam"}
               for p in predictions)


def test_predict_file_resumes(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    out = tmp_path / "run"
    from axonlab import text

    text.finetune("classify", train=train, dev=dev, out=out, backbone=tiny_backbone, epochs=1)
    predictions = tmp_path / "predictions.jsonl"
    args = ["text", "predict", str(out), "--input", str(dev), "--output", str(predictions)]
    assert runner.invoke(app, [*args, "--json"]).exit_code == 0
    complete = predictions.read_text().splitlines()
    assert len(complete) == 32 and json.loads(complete[0])["label"] in {"ham", "spam"}
    predictions.write_text("\n".join(complete[:5]) + "\n" + complete[5][:10])  # torn line
    result = runner.invoke(app, [*args, "--json"])
    assert json.loads(result.stdout)["resumed_rows"] == 5
    assert predictions.read_text().splitlines() == complete


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = "from axonlab.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120)


def test_bad_input_is_one_line_without_traceback(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    result = _cli("text", "train", "classify", "--train", str(empty), "--dev", str(empty),
                  "--out", str(tmp_path / "run"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {empty}: file is empty" in " ".join(result.stderr.split())
    assert not (tmp_path / "run").exists()  # nothing half-made for input that never trained


def test_predict_on_a_folder_that_is_not_a_run(tmp_path):
    result = _cli("text", "predict", str(tmp_path), "hello")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not an axonlab run directory" in result.stderr
