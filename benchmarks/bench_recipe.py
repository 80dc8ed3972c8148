"""The fine-tuning recipe's learning rates, measured on small data sets nobody tuned for.

Each cell trains with ``axonlab text train`` on a sub-sample of ``benchmarks/recipe_subsamples.py``
(its dev set picks the epoch) and scores with ``axonlab text eval`` on a set that neither
training nor selection saw. The variants:

- ``defaults``: the shipped recipe (``axonlab.text.defaults``: the encoder at ``LEARNING_RATE``,
  the new head at ``HEAD_LEARNING_RATE``, at least ``MIN_STEPS`` steps), no rate flags;
- ``one rate``: the head at the encoder's rate, the recipe before the head had its own
  (``--head-lr`` = ``--lr``; 3e-4 for e5's NER, as that recipe had it);
- ``encoder 3e-4``: e5's NER with the old encoder rate and the head's own;
- ``class weights``: the defaults with the loss weighed by inverse class frequency
  (``--class-weights``), for the imbalanced classification sets.

The ``intents`` cell (CLINC150's regime, built from HWU64 and BANKING77-OOS) reports in-scope
accuracy with the out-of-scope recall and AUROC of the same runs beside it.

Runs already in ``--log`` are not made again, so an interrupted benchmark resumes.

    python benchmarks/bench_recipe.py --data ../shared/data --work /tmp/recipe --log recipe.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from axonlab.text import defaults  # noqa: E402

E5 = ["--backbone", "multilingual-e5-small", "--epochs", "3"]  # issue 27's first row
ONE_RATE = str(defaults.LEARNING_RATE)
# (sub-sample, task, metric, fixed flags, seeds)
DATASETS = {
    "msra": ("ner", "micro_f1", E5, (1, 2, 3)),
    "msra-heldout": ("ner", "micro_f1", E5, (1, 2, 3)),
    "wikiann": ("ner", "micro_f1", [], (1,)),
    "phrasebank": ("classify", "accuracy", [], (1, 2, 3)),
    "sms": ("classify", "accuracy", ["--epochs", "2"], (1, 2, 3)),
    "intents": ("intent", "in_scope_accuracy", [], (1, 2, 3)),
}
ALSO = {"intent": ("oos_recall", "auroc")}  # figures a task's rows report beside its metric
VARIANTS = {
    "defaults": {"*": []},
    "one rate": {
        "ner-e5": ["--lr", "3e-4", "--head-lr", "3e-4"],
        "*": ["--lr", ONE_RATE, "--head-lr", ONE_RATE],
    },  # fmt: skip
    "encoder 3e-4": {"ner-e5": ["--lr", "3e-4"]},
    "class weights": {"*": ["--class-weights"]},
}
CELLS = [  # which variants run where (msra-heldout: only the frozen defaults)
    ("msra", ("defaults", "one rate", "encoder 3e-4")),
    ("msra-heldout", ("defaults",)),
    ("wikiann", ("defaults", "one rate")),
    ("phrasebank", ("defaults", "one rate", "class weights")),
    ("sms", ("defaults", "one rate", "class weights")),
    ("intents", ("defaults",)),
]


def flags(name: str, variant: str) -> list[str] | None:
    _, _, fixed, _ = DATASETS[name]
    table = VARIANTS[variant]
    key = "ner-e5" if "multilingual-e5-small" in fixed else "*"
    return None if key not in table else fixed + table[key]


def run_cell(work: Path, name: str, variant: str, seed: int) -> dict:
    task, metric, _, _ = DATASETS[name]
    data = work / name
    suffix = ".conll" if task == "ner" else ".tsv"
    out = work / "runs" / f"{name}-{variant.replace(' ', '-')}-{seed}"
    command = ["axonlab", "text", "train", task, "--train", str(data / f"train{suffix}"),
               "--dev", str(data / f"dev{suffix}"), "--out", str(out), "--seed", str(seed),
               *flags(name, variant)]  # fmt: skip
    start = time.perf_counter()
    trained = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    scored = subprocess.run(["axonlab", "text", "eval", str(out), str(data / f"test{suffix}"),
                             "--json"], capture_output=True, text=True)  # fmt: skip
    figures = json.loads(scored.stdout) if scored.returncode == 0 else {}
    score = figures[metric] if figures else None  # a successful eval names its metric
    also = {k: figures.get(k) for k in ALSO.get(task, ())}
    return {"data": name, "variant": variant, "seed": seed, "metric": metric, "score": score,
            "also": also,
            "train_exit": trained.returncode, "seconds": seconds,
            "recipe": json.loads((out / "config.json").read_text()).get("recipe")}  # fmt: skip


def _row(name: str, metric: str, variant: str, values: list[float], collapsed: str) -> str:
    by_seed = " / ".join(f"{v:.3f}" for v in values)
    mean = sum(values) / len(values)
    return f"| {name} | {metric} | {variant} | {by_seed} | {mean:.3f} | {collapsed} |"


def table(records: list[dict]) -> str:
    cell = {(r["data"], r["variant"], r["seed"]): r for r in records}
    lines = ["| data | metric | variant | by seed | mean | collapsed (exit 1) |", "|" + "---|" * 6]
    for name, variants in CELLS:
        for variant in variants:
            keys = [(name, variant, seed) for seed in DATASETS[name][3]]
            rows = [cell[key] for key in keys if key in cell]
            if not rows:
                continue
            failed = sum(r["train_exit"] != 0 for r in rows)
            scores = [r["score"] or 0.0 for r in rows]
            lines.append(_row(name, rows[0]["metric"], variant, scores, f"{failed} of {len(rows)}"))
            for extra in rows[0].get("also", {}):
                values = [r["also"][extra] or 0.0 for r in rows]
                lines.append(_row(name, extra, variant, values, ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/recipe"))
    parser.add_argument("--log", type=Path, default=Path("recipe.jsonl"))
    parser.add_argument("--replay", action="store_true", help="the table from --log, no runs")
    parser.add_argument("--note", default="", help="a paragraph under the table (how it was made)")
    args = parser.parse_args()
    from report import read_log, write_section

    if not args.replay:
        subprocess.run([sys.executable, str(HERE / "recipe_subsamples.py"), "--data",
                        str(args.data), "--out", str(args.work)], check=True)  # fmt: skip
        done = {(r["data"], r["variant"], r["seed"]) for r in
                (read_log(args.log) if args.log.exists() else [])}  # fmt: skip
        for name, variants in CELLS:
            for variant in variants:
                for seed in DATASETS[name][3]:
                    if (name, variant, seed) in done:
                        continue
                    record = run_cell(args.work, name, variant, seed)
                    print(json.dumps(record), file=sys.stderr, flush=True)
                    with open(args.log, "a") as log:
                        log.write(json.dumps(record) + "\n")
    body = (
        "## The recipe: the head's own learning rate (`bench_recipe.py`)\n\n"
        "Small training sets (`recipe_subsamples.py`), scored on sets neither training nor "
        "epoch selection saw; `msra-heldout` on MSRA test, kept back until the defaults were "
        "frozen. e5 runs: `--backbone multilingual-e5-small --epochs 3` (the recipe makes it 7 "
        "epochs, 301 steps); the rest on the default backbone. A collapsed run (no better "
        "than a constant) ends with exit 1 and scores 0.\n\n"
        + table(read_log(args.log))
        + (f"\n\n{args.note}" if args.note else "")
    )
    write_section("recipe", body)


if __name__ == "__main__":
    main()
