"""The ``axonlab text`` command line: the contract's --json outputs and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from axonlab.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_train_eval_predict_json(tiny_backbone, spam_files, tmp_path):
    train, dev = spam_files
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "text",
            "train",
            "classify",
            "--train",
            str(train),
            "--dev",
            str(dev),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--backbone",
            tiny_backbone,
            "--json",
        ],
    )
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
    assert all(
        p["label"] in {"ham", "spam"} and set(p["scores"]) == {"ham", "spam"} for p in predictions
    )


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
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_bad_input_is_one_line_without_traceback(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    result = _cli(
        "text",
        "train",
        "classify",
        "--train",
        str(empty),
        "--dev",
        str(empty),
        "--out",
        str(tmp_path / "run"),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {empty}: file is empty" in " ".join(result.stderr.split())
    assert not (tmp_path / "run").exists()  # nothing half-made for input that never trained


@pytest.mark.slow
def test_predict_on_a_folder_that_is_not_a_run(tmp_path):
    result = _cli("text", "predict", str(tmp_path), "hello")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not an axonlab run directory" in result.stderr


# --- defects a newcomer hit: each reproduction ends with exit 1, one line, nothing changed ---


def _files_of(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _one_line_error(code: int, err: str) -> str:
    assert code == 1, err
    assert "Traceback" not in err
    # the tiny random run learned nothing, and loading it says so on a line of its own
    err = "".join(line for line in err.splitlines(True) if not line.startswith("warning: "))
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.fixture(scope="module")
def finished_run(tiny_backbone, tmp_path_factory):
    from axonlab import text
    from tests.text.conftest import DATA

    out = tmp_path_factory.mktemp("runs") / "a"
    text.finetune(
        "classify",
        train=DATA / "spam_train.tsv",
        dev=DATA / "spam_dev.tsv",
        out=out,
        backbone=tiny_backbone,
        epochs=1,
    )
    return out


def _train_args(spam_files, out, *extra):
    train, dev = spam_files
    return (
        "text",
        "train",
        "classify",
        "--train",
        train,
        "--dev",
        dev,
        "--out",
        out,
        "--epochs",
        "1",
        *extra,
    )


def test_resume_on_a_finished_run_changes_nothing(axonlab, finished_run, spam_files, tiny_backbone):
    before = _files_of(finished_run)
    code, _, err = axonlab(
        *_train_args(
            spam_files, finished_run, "--seed", "99", "--resume", "--backbone", tiny_backbone
        )
    )
    assert "finished run: nothing to resume" in _one_line_error(code, err)
    code, _, err = axonlab(*_train_args(spam_files, finished_run, "--backbone", tiny_backbone))
    assert "already holds a finished run" in _one_line_error(code, err)
    assert _files_of(finished_run) == before


def test_resume_into_a_missing_folder_is_refused(axonlab, spam_files, tmp_path):
    code, _, err = axonlab(*_train_args(spam_files, tmp_path / "nope", "--resume"))
    assert "nothing to resume" in _one_line_error(code, err)
    assert not (tmp_path / "nope").exists()


def test_out_over_a_folder_of_the_users_changes_nothing(axonlab, spam_files, tmp_path):
    mine = tmp_path / "mydir"
    (mine / "model").mkdir(parents=True)
    (mine / "model" / "README.md").write_text("mine\n")
    (mine / "metrics.json").write_text('{"mine":1}\n')
    before = _files_of(mine)
    code, _, err = axonlab(*_train_args(spam_files, mine))
    assert "not empty and is not an axonlab run" in _one_line_error(code, err)
    assert _files_of(mine) == before and len(list(mine.rglob("*"))) == 3


def test_a_stray_quote_is_reported_with_its_line(axonlab, finished_run, tmp_path):
    bad = tmp_path / "u.csv"
    bad.write_text('label,text\nham,good film\nspam,"bad film\nham,great\nspam,awful\nham,fine\n')
    code, _, err = axonlab("text", "eval", finished_run, bad, "--json")
    assert f"{bad}, line 3: a quoted field opened here is never closed" in _one_line_error(
        code, err
    )
    code, _, err = axonlab(
        "text", "predict", finished_run, "--input", bad, "--output", tmp_path / "p.jsonl"
    )
    assert "line 3" in _one_line_error(code, err)
    assert not (tmp_path / "p.jsonl").exists()


def test_non_finite_learning_rates_are_refused_up_front(axonlab, spam_files, tmp_path):
    for lr in ("inf", "nan", "-1"):
        code, _, err = axonlab(*_train_args(spam_files, tmp_path / "r", "--lr", lr))
        assert "learning rate must be a finite number > 0" in _one_line_error(code, err)
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_a_diverging_run_stops_and_saves_nothing(axonlab, spam_files, tiny_backbone, tmp_path):
    out = tmp_path / "diverged"
    code, out_text, err = axonlab(
        *_train_args(spam_files, out, "--lr", "1e30", "--backbone", tiny_backbone, "--json")
    )
    assert "training diverged at step" in _one_line_error(code, err)
    assert out_text == "" and not out.exists()


def test_predicting_from_a_model_folder_names_the_run(axonlab, finished_run):
    code, _, err = axonlab("text", "predict", finished_run / "model", "hello")
    assert f"give its run directory, {finished_run}" in _one_line_error(code, err)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--metric", "bogus"), "unknown classify metric 'bogus'; expected one of"),
        (("--max-steps", "0"), "max steps must be >= 1"),
        (("--few-shot", "--few-shot-loss", "triplet"), "unknown few-shot loss 'triplet'; one of"),
        (("--backbone", "no-such-org/no-such-model"), "never downloads"),
    ],
)
def test_bad_training_options_fail_before_any_work(axonlab, spam_files, tmp_path, extra, message):
    code, _, err = axonlab(*_train_args(spam_files, tmp_path / "r", *extra))
    assert message in _one_line_error(code, err)
    assert not (tmp_path / "r").exists()


def test_out_a_file_and_bad_output_paths(axonlab, spam_files, finished_run, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    code, _, err = axonlab(*_train_args(spam_files, a_file))
    assert "is a file" in _one_line_error(code, err)
    assert a_file.read_text() == "keep me"
    _, dev = spam_files
    code, _, err = axonlab("text", "predict", finished_run, "--input", dev, "--output", tmp_path)
    assert "is a folder" in _one_line_error(code, err)
    code, _, err = axonlab("text", "eval", finished_run, dev, "--save", a_file)
    assert "is a file; expected a folder" in _one_line_error(code, err)


def test_help_shows_defaults_and_flags_take_no_value(axonlab, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per option
    code, out, _ = axonlab("text", "train", "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "printed: 0.0001; with --lora 0.001" in text
    assert "--head-lr" in text and "(default: 0.003, or --lr where that is higher" in text
    assert "--min-steps" in text and "0: never more than --epochs" in text
    assert "macro_f1|accuracy (default macro_f1)" in text and "(default: 128; ner: 512" in text
    assert "<bool>" not in out


def test_library_parameters_are_shown_as_flags(axonlab, finished_run, tmp_path):
    """Library messages name keyword arguments (`text_column`); the CLI shows the flag."""
    table = tmp_path / "t.csv"
    table.write_text("words,label\nhello,ham\n")
    code, _, err = axonlab("text", "eval", finished_run, table)
    assert "name it with --text-column" in _one_line_error(code, err)
    from axonlab.errors import InputError
    from axonlab.text.data.labelled import read_labelled

    with pytest.raises(InputError, match="name it with `text_column`"):
        read_labelled(table)
