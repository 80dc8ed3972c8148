"""Data-parallel fine-tuning under torchrun (2 processes, gloo, the tiny backbone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axonlab import distributed
from axonlab.cli.text_train import _without_workers
from axonlab.errors import InputError
from tests.paths import ROOT
from tests.text.conftest import DATA

ROOT = ROOT
TRAIN, DEV = DATA / "spam_train.tsv", DATA / "spam_dev.tsv"


def test_the_global_batch_is_shared_out(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert distributed.per_process_batch(32) == 16
    with pytest.raises(InputError, match="multiple of 2"):
        distributed.per_process_batch(15)
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert distributed.per_process_batch(15) == 15 and distributed.is_main()


def test_workers_is_dropped_from_the_workers_command_line():
    argv = ["text", "train", "classify", "--workers", "2", "--out", "r", "--workers=3"]
    assert _without_workers(argv) == ["text", "train", "classify", "--out", "r"]


def _torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node=2", *args]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_two_ranks_train_on_different_shards_and_rank_0_writes(tiny_backbone, tmp_path):
    from axonlab import text
    from axonlab.text.backbones.resolve import load_tokenizer
    from axonlab.text.tasks.classify import encode
    from tests.text.training.ddp_worker import weights_digest

    # One-window texts, no repeats (SMS spam has some), 32 of them: one step of 2 x 16, so no
    # rank is dealt a repeat to even the batches out.
    tokenizer = load_tokenizer(tiny_backbone)
    header, *rows = TRAIN.read_text().splitlines()
    short = [
        r for r in dict.fromkeys(rows) if len(tokenizer(r.split("\t", 1)[1])["input_ids"]) <= 32
    ]
    assert len(short) >= 32
    train_file = tmp_path / "train.tsv"
    train_file.write_text("\n".join([header, *short[:32]]) + "\n")
    out = tmp_path / "run"
    worker = ROOT / "tests" / "text" / "training" / "ddp_worker.py"
    proc = _torchrun(str(worker), tiny_backbone, str(train_file), str(DEV), str(out),
                     str(tmp_path), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    windows, _ = encode(tokenizer, text.read_labelled(train_file).texts, 32)
    train = {tuple(w["input_ids"]) for w in windows}
    assert len(train) == len(windows)  # every training window tells itself apart
    dealt = [{tuple(ids) for ids in r["seen"]} & train for r in ranks]
    assert dealt[0] and dealt[1] and not dealt[0] & dealt[1]  # different shards
    assert dealt[0] | dealt[1] == train  # between them, the whole epoch
    assert ranks[0]["digest"] == ranks[1]["digest"]  # gradients all-reduced: one model
    assert weights_digest(text.load(out).model) == ranks[0]["digest"]  # the saved one
    assert len(list((out / "logs").iterdir())) == 1  # one event file: rank 0's
    assert not (out / "INCOMPLETE").exists()


@pytest.mark.slow
def test_the_command_under_torchrun_and_with_workers(tiny_backbone, tmp_path, axonlab):
    common = ["--train", str(TRAIN), "--dev", str(DEV), "--backbone", tiny_backbone,
              "--max-steps", "2", "--max-length", "32"]  # fmt: skip
    proc = _torchrun("-m", "axonlab", "text", "train", "classify", "--out", "a", "--json",
                     *common, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout)["n"] == 32  # one JSON object: rank 0's
    code, out, err = axonlab("text", "train", "classify", "--out", tmp_path / "b", "--workers",
                             "2", "--json", *common)  # fmt: skip
    assert code == 0, err
    for run in ("a", "b"):
        config = json.loads((tmp_path / run / "config.json").read_text())
        assert config["task"] == "classify" and (tmp_path / run / "model").is_dir()
    code, _, err = axonlab("text", "train", "classify", "--out", tmp_path / "c", "--workers", "2",
                           "--batch-size", "15", *common)  # fmt: skip
    assert code == 1 and "multiple of 2" in err and not (tmp_path / "c").exists()
