"""Peak memory of NER training on long windows, with and without the ``--batch-tokens`` slices.

The 32 longest MSRA training sentences (Chinese NER, one character per token), multilingual-e5-
small, batch 16, 512-piece windows: a few steps with the batch run whole (``batch_tokens`` above
any batch) and in slices of 4,096 padded pieces (the default). Each run is a child process, its
peak resident memory its own; the loss after the same steps shows the update is the same.

    python benchmarks/bench_batch_tokens.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
STEPS = 2
BATCH = 16  # 32 windows of 512 pieces took 23 GB in full training: too near this machine's 24
SETTINGS = {"whole batch": 10**9, "slices of 4096 (default)": 4096}


def _sentences(conll: Path) -> list[str]:
    blocks = conll.read_text(encoding="utf-8").strip().split("\n\n")
    return blocks


def child(spec: dict) -> None:
    import torch

    from axonlab import text

    torch.set_num_threads(2)
    start = time.perf_counter()
    model = text.finetune(
        "ner",
        train=spec["train"],
        dev=spec["dev"],
        out=spec["out"],
        backbone="multilingual-e5-small",
        max_steps=STEPS,
        batch_size=32,
        batch_tokens=spec["batch_tokens"],
        threads=2,
        log_every=1,
    )
    history = model.run_metrics()["training"]["history"]
    losses = [h["loss"] for h in history if "loss" in h]
    print(
        json.dumps(
            {
                "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                "losses": losses,
                "seconds": time.perf_counter() - start,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    msra = args.data / "zh" / "msra-ner"
    blocks = sorted(_sentences(msra / "train.conll"), key=lambda b: -b.count("\n"))[: BATCH * 2]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-tokens-") as tmp:
        train = Path(tmp) / "long.conll"
        train.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
        dev = Path(tmp) / "dev.conll"
        dev.write_text("\n\n".join(_sentences(msra / "dev.conll")[:32]) + "\n", encoding="utf-8")
        lengths = sorted(b.count("\n") + 1 for b in blocks)
        for name, budget in SETTINGS.items():
            spec = {
                "train": str(train),
                "dev": str(dev),
                "out": f"{tmp}/{budget}",
                "batch_tokens": budget,
            }
            proc = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                rows.append(f"| {name} | error: {proc.stderr.strip().splitlines()[-1:]} | | |")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            losses = ", ".join(f"{x:.4f}" for x in r["losses"])
            rows.append(f"| {name} | {r['peak_rss_gib']:.2f} | {losses} | {r['seconds']:.0f} |")
    from report import write_section

    write_section(
        "batch-tokens",
        "\n".join(
            [
                "## Peak memory of long-window NER training (`bench_batch_tokens.py`)",
                "",
                f"{BATCH * 2} longest MSRA training sentences "
                f"({lengths[0]}-{lengths[-1]} characters), "
                f"multilingual-e5-small, batch {BATCH}, {STEPS} steps, 2 threads.",
                "",
                "| batch run as | peak RSS GiB | training loss per step | s |",
                "|---|---|---|---|",
                *rows,
                "",
            ]
        ),
    )


if __name__ == "__main__":
    main()
