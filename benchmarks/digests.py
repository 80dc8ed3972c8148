"""Digests of seeded runs, to show that a refactor changed no number: weights and spike trains.

Run it before and after a change that must not change behaviour; the two outputs are equal
line for line or the change moved a number. It trains two small text models (a classifier and a
tagger on the samples in tests/data, MiniLM, a few steps) and runs two networks (a Hodgkin-Huxley
pair through a chemical synapse; a Poisson-driven LIF population with STDP), then prints one
SHA-256 per run: of the saved weights (tensor names and bytes, in name order) and of the spike
times and synaptic weights.

    python benchmarks/digests.py [--out DIGESTS.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def weights_digest(model_dir: Path) -> str:
    from safetensors.numpy import load_file

    tensors = load_file(str(model_dir / "model.safetensors"))
    sha = hashlib.sha256()
    for name in sorted(tensors):
        sha.update(name.encode())
        sha.update(np.ascontiguousarray(tensors[name]).tobytes())
    return sha.hexdigest()


def text_digests(folder: Path) -> dict[str, str]:
    from axonlab import text

    runs = {
        "classify": ("classify", DATA / "text" / "spam_train.tsv", DATA / "text" / "spam_dev.tsv"),
        "ner": ("ner", DATA / "ner" / "train.conll", DATA / "ner" / "dev.conll"),
    }
    found = {}
    for name, (task, train, dev) in runs.items():
        out = folder / name
        text.finetune(task, train=train, dev=dev, out=out, max_steps=12, seed=1)
        found[f"text {name} weights"] = weights_digest(out / "model")
    return found


def array_digest(*arrays: np.ndarray) -> str:
    sha = hashlib.sha256()
    for array in arrays:
        sha.update(np.ascontiguousarray(array).tobytes())
    return sha.hexdigest()


def neuro_digests() -> dict[str, str]:
    from axonlab import neuro

    net = neuro.Network(dt=0.01, seed=1)
    pre = net.add("pre", neuro.HodgkinHuxley(), n=1)
    post = net.add("post", neuro.HodgkinHuxley(), n=1)
    net.connect(pre, post, neuro.ChemicalSynapse(transmitter="glutamate", receptor="AMPA"))
    net.stimulate(pre, current=10.0, start=5, stop=6)
    net.monitor(post)
    pair = net.run(50.0)
    spikes = pair.spikes("post")
    found = {"neuro HH pair post voltage": array_digest(np.asarray(pair.trace("post", "v")))}
    found["neuro HH pair spikes"] = array_digest(spikes.times, spikes.neurons)

    net = neuro.Network(dt=0.1, seed=3)
    source = net.add("in", neuro.PoissonSource(rate_hz=20.0), n=80)
    cells = net.add("cells", neuro.LIF(), n=40)
    link = net.connect(
        source,
        cells,
        neuro.ExpCurrentSynapse(weight=0.8),
        rule="fixed_probability",
        p=0.3,
        plasticity=neuro.STDP(w_max=2.0),
    )
    learned = net.run(500.0)
    spikes = learned.spikes("cells")
    found["neuro LIF+STDP spikes"] = array_digest(spikes.times, spikes.neurons)
    found["neuro LIF+STDP weights"] = array_digest(learned.weights(link.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the digests here as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found = {**neuro_digests(), **text_digests(Path(folder))}
    for name, digest in found.items():
        print(f"{digest}  {name}")
    if args.out:
        args.out.write_text(json.dumps(found, indent=1) + "\n")


if __name__ == "__main__":
    main()
