"""The anchors of bench_assist.py, run in their own environment (setfit and sentence-transformers
pin versions of their own): ``python assist_anchors.py KIND SPEC_JSON`` prints one JSON object.

- ``setfit``: SetFit (Tunstall et al. 2022) with the paper's settings (20 iterations: 20
  positive and 20 negative pairs per example, batch 16, one epoch of contrastive body training,
  then a logistic-regression head) on the few-shot
  training file; accuracy on the test file.
- ``encode``: sentence-transformers ``encode()`` of the texts (batch 64, normalised), texts/s.

Neither imports axonlab. The backbone is the folder of all-MiniLM-L6-v2 that axonlab ships.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import tempfile
import time


def _table(path: str) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [r[1] for r in rows], [r[0] for r in rows]


def setfit(spec: dict) -> dict:
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    texts, labels = _table(spec["train"])
    names = sorted(set(labels))
    train = Dataset.from_dict({"text": texts, "label": [names.index(x) for x in labels]})
    model = SetFitModel.from_pretrained(spec["backbone"])
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="setfit-"),
        batch_size=16,
        num_epochs=1,
        # The paper's 20 iterations (20 positive + 20 negative pairs per example). setfit 1.x
        # otherwise draws every negative pair and as many positives (~585k pairs for 77 x 10
        # examples: hours on 2 cores).
        num_iterations=20,
        seed=spec["seed"],
    )
    trainer = Trainer(model=model, args=args, train_dataset=train)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    test_texts, test_labels = _table(spec["test"])
    predicted = model.predict(test_texts, batch_size=64)
    correct = sum(names[int(p)] == gold for p, gold in zip(predicted, test_labels, strict=True))
    return {"accuracy": correct / len(test_labels), "train_seconds": seconds}


def encode(spec: dict) -> dict:
    from sentence_transformers import SentenceTransformer

    texts = json.loads(open(spec["texts"], encoding="utf-8").read())
    model = SentenceTransformer(spec["backbone"], device="cpu")
    model.encode(texts[:64], batch_size=64)  # warm-up
    start = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True)
    seconds = time.perf_counter() - start
    return {"texts_per_second": len(texts) / seconds, "seconds": seconds}


def main() -> None:
    import torch

    kind, spec = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(spec.get("threads", 2))
    result = {"setfit": setfit, "encode": encode}[kind](spec)
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(result))


if __name__ == "__main__":
    main()
