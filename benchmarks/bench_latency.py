"""Where a user waits: one-shot commands, whole process, beside ``python -c "import torch"``.

Each command runs as a fresh process, as a shell script would call it, ``--repeats`` times in
turn with the others (so a noisy spell hits every row alike); the table gives the median wall
seconds and the ratio to ``import torch`` measured in the same run. The run is a MiniLM
classifier fine-tuned here for a few steps on the SMS sample in tests/data (start-up does not
depend on how well it was trained); ``--run`` names another.

The first ``text predict`` of a run exports its graph to ONNX (once, into the run folder), the
first ``text explain`` the explanations' integrand (the graph with its backward pass); the rows
after them are what every later call costs. ``python -X importtime`` of the light path is
summarised under the table: where the time goes.

    flock /tmp/cpu.lock python benchmarks/bench_latency.py [--repeats 7] [--run RUN]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "text"
TEXT = "WINNER!! You have been selected for a free prize, call now to claim"
AXONLAB = [sys.executable, "-m", "axonlab"]
ANCHOR = '`python -c "import torch"` (anchor)'
LIGHT = "`axonlab text predict RUN TEXT` (default: light ONNX path)"


def train_run(folder: Path) -> Path:
    from axonlab import text

    out = folder / "spam"
    text.finetune(
        "classify", train=DATA / "spam_train.tsv", dev=DATA / "spam_dev.tsv", out=out,
        max_steps=40, seed=1,
    )  # fmt: skip
    return out


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def import_profile(command: list[str], top: int = 6) -> list[tuple[str, float]]:
    """The slowest top-level imports of ``command`` (cumulative seconds), from -X importtime."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]], capture_output=True, text=True
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):  # top level: not indented
            rows.append((match.group(2), int(match.group(1)) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--run", type=Path, help="a classify run (default: train a small one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run or train_run(Path(tmp))
        if args.run is None or not (run / "onnx").exists():
            fresh = Path(tmp) / "fresh"
            shutil.copytree(run, fresh, ignore=shutil.ignore_patterns("onnx"))
            first = wall([*AXONLAB, "text", "predict", str(fresh), TEXT])  # exports the graph
            run = fresh
        else:
            first = float("nan")
        exported = (run / "onnx" / "gradients.onnx").exists()
        first_explain = wall([*AXONLAB, "text", "explain", str(run), TEXT])  # exports, once
        first_explain = float("nan") if exported else first_explain
        commands = {
            ANCHOR: [sys.executable, "-c", "import torch"],
            "`axonlab --help`": [*AXONLAB, "--help"],
            LIGHT: [*AXONLAB, "text", "predict", str(run), TEXT],
            "`axonlab text predict RUN TEXT --backend torch`": [
                *AXONLAB, "text", "predict", str(run), TEXT, "--backend", "torch"],
            "`axonlab text explain RUN TEXT`": [*AXONLAB, "text", "explain", str(run), TEXT],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, command in commands.items():
                times[name].append(wall(command))
        profile = import_profile(commands[LIGHT])
    medians = {name: statistics.median(t) for name, t in times.items()}
    anchor, predict = medians[ANCHOR], medians[LIGHT]
    lines = [
        "## Latency of one-shot commands (`bench_latency.py`)",
        "",
        f"Whole processes, median of {args.repeats} interleaved runs; ratio to `import torch` in "
        "the same run. Issue 30's targets: one-text predict <= 1.0x `import torch`; explain <= "
        "1.5x predict.",
        "",
        "| command | median s | x import torch | x predict |",
        "|---|---|---|---|",
    ]
    for name, median in medians.items():
        ratios = f"{median / anchor:.2f}x | {median / predict:.2f}x"
        lines.append(f"| {name} | {median:.2f} | {ratios} |")
    lines += [
        f"| first `text predict` of a run (exports the ONNX graph, once) | {first:.2f} | "
        f"{first / anchor:.2f}x | {first / predict:.2f}x |",
        f"| first `text explain` of a run (exports the integrand with its backward, once) | "
        f"{first_explain:.2f} | {first_explain / anchor:.2f}x | {first_explain / predict:.2f}x |",
        "",
        "Where the light path's start-up goes (`python -X importtime`, top-level imports, "
        "cumulative s): " + ", ".join(f"`{name}` {s:.3f}" for name, s in profile) + ".",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("latency", body)


if __name__ == "__main__":
    main()
