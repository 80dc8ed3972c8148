"""The ``axonlab lm`` command line: train/eval/generate contract and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from axonlab.cli import app

runner = CliRunner()


def test_eval_json_and_generate_are_reproducible(gpt_run, repetitive_text):
    result = runner.invoke(app, ["lm", "eval", str(gpt_run), str(repetitive_text), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"loss", "perplexity", "bits_per_char"} <= set(scores)
    windowed = json.loads(runner.invoke(
        app, ["lm", "eval", str(gpt_run), str(repetitive_text), "--window", "8", "--json"]
    ).stdout)
    assert windowed["loss"] > scores["loss"]  # short windows: less context

    args = ["lm", "generate", str(gpt_run), "--prompt", "the ", "--tokens", "40", "--seed", "3"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert first.stdout.startswith("the ") and len(first.stdout) == len("the ") + 40 + 1


def test_train_command_writes_a_run(tmp_path, repetitive_text):
    out = tmp_path / "run"
    result = runner.invoke(app, [
        "lm", "train", str(repetitive_text), "--arch", "lstm", "--steps", "4", "--out", str(out),
        "--model", '{"hidden_size": 32, "n_embd": 16}', "--block-size", "16", "--eval-interval",
        "2",
    ])
    assert result.exit_code == 0, result.output
    assert "best validation loss" in result.stdout
    assert json.loads((out / "metrics.json").read_text())["steps"] == 4


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = "from axonlab.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120)


def test_bad_input_is_one_line_without_traceback(tmp_path, gpt_run):
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\x00\x01\x02")
    result = _cli("lm", "train", str(binary), "--out", str(tmp_path / "r"), "--steps", "1")
    assert result.returncode == 1
    assert "NUL byte" in result.stderr and "Traceback" not in result.stderr
    result = _cli("lm", "generate", str(gpt_run), "--prompt", "Zebra", "--tokens", "3")
    assert result.returncode == 1 and "'Z'" in result.stderr and result.stdout == ""
