"""One process of the 2-process test (run by torchrun): fine-tunes the tiny backbone, recording
the training examples this rank was dealt and a digest of its final weights.

``torchrun --nproc-per-node 2 tests/text/training/ddp_worker.py BACKBONE TRAIN DEV OUT RECORDS``
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from axonlab.text.tasks.classify import Classification


def weights_digest(model: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().numpy().tobytes())
    return digest.hexdigest()


def main(backbone: str, train: str, dev: str, out: str, records: str) -> None:
    rank = os.environ["RANK"]
    seen: list[list[int]] = []  # the token ids of every example collated
    collator = Classification.collator

    def recording(self, tokenizer):
        collate = collator(self, tokenizer)

        def spy(features):
            seen.extend(list(f["input_ids"]) for f in features)
            return collate(features)

        return spy

    Classification.collator = recording
    fit_finished = {}
    import axonlab.text.tasks.base as task_module

    fit = task_module.fit

    def fit_and_digest(*args, **kwargs):
        result = fit(*args, **kwargs)
        fit_finished["digest"] = weights_digest(result.model)
        return result

    task_module.fit = fit_and_digest
    from axonlab import text

    text.finetune(
        "classify", train=train, dev=dev, out=out, backbone=backbone, epochs=1, batch_size=16,
        max_length=32, threads=1, min_steps=0,
    )  # fmt: skip
    record = {"seen": seen, "digest": fit_finished["digest"]}
    Path(records, f"rank{rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main(*sys.argv[1:])
