"""The ``axonlab lm`` command line: train/eval/generate contract and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from axonlab.cli import app

runner = CliRunner()


def test_eval_json_and_generate_are_reproducible(gpt_run, repetitive_text):
    result = runner.invoke(app, ["lm", "eval", str(gpt_run), str(repetitive_text), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"loss", "perplexity", "bits_per_char"} <= set(scores)
    windowed = json.loads(
        runner.invoke(
            app, ["lm", "eval", str(gpt_run), str(repetitive_text), "--window", "8", "--json"]
        ).stdout
    )
    assert windowed["loss"] > scores["loss"]  # short windows: less context

    args = ["lm", "generate", str(gpt_run), "--prompt", "the ", "--tokens", "40", "--seed", "3"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert first.stdout.startswith("the ") and len(first.stdout) == len("the ") + 40 + 1


def test_train_command_writes_a_run(tmp_path, repetitive_text):
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "lm",
            "train",
            str(repetitive_text),
            "--arch",
            "lstm",
            "--steps",
            "4",
            "--out",
            str(out),
            "--model",
            '{"hidden_size": 32, "n_embd": 16}',
            "--block-size",
            "16",
            "--eval-interval",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best validation loss" in result.stdout
    assert json.loads((out / "metrics.json").read_text())["steps"] == 4


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = "from axonlab.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_bad_input_is_one_line_without_traceback(tmp_path, gpt_run):
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\x00\x01\x02")
    result = _cli("lm", "train", str(binary), "--out", str(tmp_path / "r"), "--steps", "1")
    assert result.returncode == 1
    assert "NUL byte" in result.stderr and "Traceback" not in result.stderr
    result = _cli("lm", "generate", str(gpt_run), "--prompt", "Zebra", "--tokens", "3")
    assert result.returncode == 1 and "'Z'" in result.stderr and result.stdout == ""


def _lm_args(text, out, *extra):
    return (
        "lm",
        "train",
        text,
        "--out",
        out,
        "--preset",
        "baby",
        "--model",
        '{"n_layer": 1, "n_head": 2, "n_embd": 32}',
        "--block-size",
        "16",
        *extra,
    )


@pytest.mark.slow
def test_a_finished_run_is_kept_unless_given_a_larger_budget(axonlab, tmp_path, repetitive_text):
    out = tmp_path / "run"
    assert axonlab(*_lm_args(repetitive_text, out, "--steps", "4", "--eval-interval", "2"))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for extra in (("--resume",), ()):
        code, _, err = axonlab(*_lm_args(repetitive_text, out, "--steps", "4", *extra))
        assert code == 1 and "Traceback" not in err and "finished run" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    code, _, err = axonlab(*_lm_args(repetitive_text, out, "--steps", "6", "--resume"))
    assert code == 0, err
    assert json.loads((out / "metrics.json").read_text())["steps"] == 6


def test_out_over_a_folder_of_the_users_is_refused(axonlab, tmp_path, repetitive_text):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    code, _, err = axonlab(*_lm_args(repetitive_text, mine, "--steps", "2"))
    assert code == 1 and "not empty and is not an axonlab run" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_a_diverging_run_stops_with_a_message(axonlab, tmp_path, repetitive_text):
    out = tmp_path / "run"
    code, _, err = axonlab(*_lm_args(repetitive_text, out, "--steps", "20", "--lr", "1e12"))
    assert code == 1 and "training diverged at step" in err and "Traceback" not in err
    assert not out.exists()


def test_a_damaged_checkpoint_is_a_clear_error(axonlab, tmp_path, repetitive_text):
    out = tmp_path / "run"
    assert axonlab(*_lm_args(repetitive_text, out, "--steps", "2"))[0] == 0
    (out / "INCOMPLETE").write_text("killed\n")
    (out / "checkpoint.pt").write_bytes((out / "checkpoint.pt").read_bytes()[:100])
    code, _, err = axonlab(*_lm_args(repetitive_text, out, "--steps", "4", "--resume"))
    assert code == 1 and "checkpoint.pt is damaged" in err and "Traceback" not in err


def test_progress_off_a_terminal_is_one_line_per_validation(axonlab, tmp_path, repetitive_text):
    code, _, err = axonlab(
        *_lm_args(repetitive_text, tmp_path / "r", "--steps", "4", "--eval-interval", "2")
    )
    assert code == 0
    lines = err.splitlines()
    assert [line.split(" (")[0] for line in lines[:2]] == ["step 2", "step 4"]
    assert "val loss" in lines[0]
    assert lines[2] == "final evaluation on the whole validation split ..."


@pytest.mark.parametrize("value", ["nan", "inf", "0"])
def test_generate_refuses_a_meaningless_temperature(axonlab, gpt_run, value):
    code, out, err = axonlab("lm", "generate", gpt_run, "--prompt", "the ", "--temperature", value)
    assert code == 1 and "temperature" in err and out == ""
