"""Language models from scratch: a character or BPE LSTM and a small GPT, trained on a text file.

>>> from axonlab import lm
>>> model = lm.train("input.txt", "runs/lm", arch="gpt", minutes=5)
>>> model.evaluate("valid.txt")            # {"loss": ..., "perplexity": ..., "bits_per_char": ...}
>>> print(model.generate("ROMEO:", tokens=300, temperature=0.8, seed=1))
>>> model = lm.load("runs/lm")             # later, from the run directory
"""

# The public names, imported on first use (PEP 562): ``axonlab.lm.defaults`` stays light for
# the command line's --help, which must not wait for torch.
_EXPORTS = {
    "GPT": "axonlab.lm.gpt",
    "GPTConfig": "axonlab.lm.gpt",
    "LSTMLM": "axonlab.lm.lstm",
    "LSTMConfig": "axonlab.lm.lstm",
    "LanguageModel": "axonlab.lm.language_model",
    "BPETokenizer": "axonlab.lm.tokenize",
    "CharTokenizer": "axonlab.lm.tokenize",
    "TrainConfig": "axonlab.lm.training",
    "TrainProgress": "axonlab.lm.training",
    "Trainer": "axonlab.lm.training",
    "train": "axonlab.lm.training",
}
__all__ = [*_EXPORTS, "load"]


def __getattr__(name: str):
    import importlib

    if name == "load":
        return importlib.import_module("axonlab.lm.language_model").LanguageModel.load
    if name not in _EXPORTS:
        raise AttributeError(f"module 'axonlab.lm' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
