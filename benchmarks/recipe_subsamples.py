"""The sub-samples the recipe's learning rates were measured on (docs/benchmarks.md, "The
recipe"): small training sets drawn with a seed from ../shared/data, each with a selection dev
set and a scored set that neither training nor selection sees.

- ``msra``: 1,350 MSRA training sentences (Weibo NER's size), 500 MSRA dev sentences to pick
  the epoch, 1,000 other dev sentences scored; ``msra-heldout``: another 1,350 training
  sentences, scored on MSRA test, the split kept back until the defaults were frozen;
- ``wikiann``: 1,000 WikiANN-en training sentences, 500 / 1,000 dev sentences;
- ``phrasebank``: PhraseBank train less 500 rows (those pick the epoch), its dev scored;
- ``sms``: 1,500 SMS training messages, 500 more to pick the epoch, its dev scored;
- ``intents``: CLINC150's regime (about 100 intents of 100 training rows, 100 out-of-scope
  training rows, 1,000 out-of-scope rows scored) from the intent sets we have. In scope: the
  HWU64 intents outside five held-out scenarios and the 50 in-scope BANKING77-OOS intents, up to
  100 training rows each; dev: their dev rows (20 of each banking intent); scored: their test
  rows (30 of each banking intent). Out of scope (label ``oos``), taken in turn from three
  kinds: the held-out HWU64 scenarios (other domains), BANKING77-OOS's in-domain list (the 27
  banking intents left out) and its out-of-domain list (CLINC150's own out-of-scope queries);
  100 rows train and 100 dev in equal parts, 1,000 scored (133 of them out-of-domain, the
  smallest list).

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


def _labelled(path: Path, prefix: str) -> dict[str, list[str]]:
    """``label -> texts`` of a ``label<TAB>text`` file, the labels prefixed by their data set."""
    by_label: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        label, text = line.split("\t", 1)
        by_label.setdefault(f"{prefix}{label}", []).append(text)
    return by_label


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _take(by_label: dict[str, list[str]], n: int | None, seed: int) -> list[str]:
    rows = []
    for label, texts in sorted(by_label.items()):
        texts = list(texts)
        random.Random(seed).shuffle(texts)
        rows += [f"{label}\t{t}" for t in texts[:n]]
    return rows


HELD_OUT_SCENARIOS = ("cooking", "news", "social", "takeaway", "weather")  # HWU64: out of scope


def _held_out(label: str) -> bool:
    """Whether a prefixed HWU64 label (``hwu:weather_query``) is in a held-out scenario."""
    return label.split(":")[1].split("_")[0] in HELD_OUT_SCENARIOS


def intents(data: Path, out: Path, seed: int = 0) -> None:
    hwu, bank = data / "intent" / "hwu64", data / "intent" / "banking77-oos"
    hwu_rows = {s: _labelled(hwu / f"{s}.tsv", "hwu:") for s in ("train", "dev", "test")}
    sources = [  # the three kinds of out-of-scope text, each shuffled
        [
            t
            for rows in hwu_rows.values()
            for label, ts in rows.items()
            if _held_out(label)
            for t in ts
        ],
        [t for n in ("dev_id_oos", "test_id_oos") for t in _lines(bank / f"{n}.txt")],
        _lines(bank / "dev_ood_oos.txt"),
    ]
    for i, texts in enumerate(sources):
        random.Random(seed + i).shuffle(texts)
    # in turn, one of each kind, skipping a kind once it runs out: an even mix in train and dev
    depth = max(len(texts) for texts in sources)
    pool = [texts[j] for j in range(depth) for texts in sources if j < len(texts)]
    oos = {"train": pool[:100], "dev": pool[100:200], "test": pool[200:1200]}
    out.mkdir(parents=True, exist_ok=True)
    for split, (n_hwu, n_bank) in {
        "train": (100, 100),
        "dev": (None, 20),
        "test": (None, 30),
    }.items():
        in_scope = {k: v for k, v in hwu_rows[split].items() if not _held_out(k)}
        rows = _take(in_scope, n_hwu, seed) + _take(
            _labelled(bank / f"{split}.tsv", "bank:"), n_bank, seed
        )
        rows += [f"oos\t{t}" for t in oos[split]]
        random.Random(seed).shuffle(rows)
        write_tsv(out / f"{split}.tsv", "label\ttext", rows)


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
    intents(args.data, args.out / "intents")
    print(f"sub-samples in {args.out}")


if __name__ == "__main__":
    main()
