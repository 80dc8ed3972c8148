"""The sub-samples the recipe's learning rates were measured on (docs/benchmarks.md, "The
recipe"): small training sets drawn with a seed from ../shared/data, each with a selection dev
set and a scored set that neither training nor selection sees.

- ``msra``: 1,350 MSRA training sentences (Weibo NER's size), 500 MSRA dev sentences to pick
  the epoch, 1,000 other dev sentences scored; ``msra-heldout``: another 1,350 training
  sentences, scored on MSRA test, the split kept back until the defaults were frozen;
- ``wikiann``: 1,000 WikiANN-en training sentences, 500 / 1,000 dev sentences;
- ``phrasebank``: PhraseBank train less 500 rows (those pick the epoch), its dev scored;
- ``sms``: 1,500 SMS training messages, 500 more to pick the epoch, its dev scored.

    python benchmarks/recipe_subsamples.py --data ../shared/data --out /tmp/recipe
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def sentences(path: Path) -> list[list[str]]:
    """CoNLL sentences, each a list of its lines."""
    found, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found + ([current] if current else [])


def write_conll(path: Path, rows: list[list[str]]) -> None:
    path.write_text("".join("\n".join(s) + "\n\n" for s in rows), encoding="utf-8")


def write_tsv(path: Path, header: str, rows: list[str]) -> None:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def ner(folder: Path, out: Path, n_train: int, seed: int, test_split: str | None) -> None:
    train, dev = sentences(folder / "train.conll"), sentences(folder / "dev.conll")
    random.Random(seed).shuffle(train)
    random.Random(1234).shuffle(dev)
    out.mkdir(parents=True, exist_ok=True)
    write_conll(out / "train.conll", train[:n_train])
    write_conll(out / "dev.conll", dev[:500])
    scored = sentences(folder / f"{test_split}.conll") if test_split else dev[500:1500]
    write_conll(out / "test.conll", scored)


def classification(folder: Path, out: Path, n_train: int | None) -> None:
    header, *train = (folder / "train.tsv").read_text(encoding="utf-8").splitlines()
    scored = (folder / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    random.Random(0).shuffle(train)
    out.mkdir(parents=True, exist_ok=True)
    write_tsv(out / "train.tsv", header, train[500 : None if n_train is None else 500 + n_train])
    write_tsv(out / "dev.tsv", header, train[:500])
    write_tsv(out / "test.tsv", header, scored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    msra = args.data / "zh" / "msra-ner"
    ner(msra, args.out / "msra", 1350, seed=0, test_split=None)
    ner(msra, args.out / "msra-heldout", 1350, seed=99, test_split="test")
    ner(args.data / "ner" / "wikiann-en", args.out / "wikiann", 1000, seed=0, test_split=None)
    classification(args.data / "finance" / "phrasebank", args.out / "phrasebank", None)
    classification(args.data / "classify" / "sms-spam", args.out / "sms", 1500)
    print(f"sub-samples in {args.out}")


if __name__ == "__main__":
    main()
