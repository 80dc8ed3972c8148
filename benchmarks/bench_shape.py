"""A/B of a reshaping: the same workloads on an earlier commit and on the working tree, in one run.

A refactor that promises "behaviour unchanged, speed unchanged" is checked here. The earlier
commit is checked out into a temporary git worktree; each workload then runs in child processes
alternating base / current (``PYTHONPATH`` pointing at one tree's ``src``), each child warming up
(numba compiles, first allocations) before the timed run, and the medians are compared.

Workloads: the CUBA and COBAHH simulation loops (``sim_seconds`` of ``examples/neuro``), and one
epoch of text-classification fine-tuning on 1,500 SST-2 sentences (training examples per second).

    flock /tmp/cpu.lock python benchmarks/bench_shape.py --base 4535455 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SST2 = ROOT.parent / "shared" / "data" / "classify" / "sst2"

SIMULATION = textwrap.dedent("""
    import json, sys
    from axonlab.neuro.spec import load_spec, network_from_spec
    spec = load_spec(sys.argv[1])
    network_from_spec(spec).run(20.0)  # warm-up: compiles the kernels
    result = network_from_spec(spec).run(spec.duration)
    spikes = sum(len(result.spikes(name)) for name in spec.populations)
    print(json.dumps({"value": result.sim_seconds, "spikes": int(spikes)}))
""")

FINETUNE = textwrap.dedent("""
    import json, sys, tempfile, warnings
    warnings.simplefilter("ignore")
    import transformers
    transformers.utils.logging.set_verbosity_error()
    from axonlab import text
    out = tempfile.mkdtemp() + "/run"
    model = text.finetune("classify", train=sys.argv[1], dev=sys.argv[2], out=out, epochs=1,
                          threads=2)
    training = model.run_metrics()["training"]
    print(json.dumps({"value": training["train_examples_per_second"],
                      "dev_accuracy": model.run_metrics()["dev"]["accuracy"]}))
""")


def subset(source: Path, rows: int, folder: Path) -> Path:
    lines = source.read_text().splitlines(keepends=True)
    path = folder / f"{source.stem}_{rows}.tsv"
    path.write_text("".join(lines[: rows + 1]))
    return path


def child(src: Path, code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=src.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed under {src}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the commit before the reshaping")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-text", action="store_true")
    ap.add_argument("--skip-neuro", action="store_true")
    args = ap.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="ab-"))
    base_tree = scratch / "base"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base_tree), args.base],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    trees = {"base": base_tree / "src", "current": ROOT / "src"}
    workloads = (
        {}
        if args.skip_neuro
        else {
            "CUBA loop, s (4000 LIF, 1 s)": (SIMULATION, [str(ROOT / "examples/neuro/cuba.yaml")]),
            "COBAHH loop, s (4000 HH, 1 s)": (
                SIMULATION,
                [str(ROOT / "examples/neuro/cobahh.yaml")],
            ),
        }
    )
    if not args.skip_text:
        train, dev = (
            subset(SST2 / "train.tsv", 1500, scratch),
            subset(SST2 / "dev.tsv", 200, scratch),
        )
        workloads["classify training, examples/s (1,500 SST-2)"] = (
            FINETUNE,
            [str(train), str(dev)],
        )
    results: dict[str, dict[str, list[dict]]] = {}
    try:
        for name, (code, extra) in workloads.items():
            results[name] = {"base": [], "current": []}
            for _ in range(args.repeats):
                for side, src in trees.items():  # alternating, so drift hits both alike
                    results[name][side].append(child(src, code, *extra))
                    print(name, side, results[name][side][-1], flush=True)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, capture_output=True
        )
    rows = ["| workload | base | current | current / base | same output |", "|---|---|---|---|---|"]
    for name, sides in results.items():
        base = statistics.median(r["value"] for r in sides["base"])
        current = statistics.median(r["value"] for r in sides["current"])
        others = [{k: v for k, v in r.items() if k != "value"} for r in sides["base"]]
        same = others == [{k: v for k, v in r.items() if k != "value"} for r in sides["current"]]
        rows.append(
            f"| {name} | {base:.4g} | {current:.4g} | {current / base:.3f} | "
            f"{'yes' if same else 'no'} |"
        )
    body = (
        f"## Reshaping A/B: base `{args.base}` vs the working tree\n\n"
        f"Medians of {args.repeats} alternating runs per side, each in its own process after a "
        'warm-up. Times are lower-is-better, examples/s higher-is-better; "same output" '
        "compares spike counts (simulations) and dev accuracy (fine-tuning) run by run.\n\n"
        + "\n".join(rows)
    )
    print(body)
    part = "-neuro" if args.skip_text else "-text" if args.skip_neuro else ""
    write_section(f"shape-ab{part}", body)


if __name__ == "__main__":
    main()
