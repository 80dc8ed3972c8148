"""Language models from scratch: a character or BPE LSTM and a small GPT, trained on a text file.

>>> from axonlab import lm
>>> model = lm.train("input.txt", "runs/lm", arch="gpt", minutes=5)
>>> model.evaluate("valid.txt")            # {"loss": ..., "perplexity": ..., "bits_per_char": ...}
>>> print(model.generate("ROMEO:", tokens=300, temperature=0.8, seed=1))
>>> model = lm.load("runs/lm")             # later, from the run directory
"""

# The public names, imported on first use (PEP 562): ``axonlab.lm.defaults`` stays light for
# the command line's --help, which must not wait for torch.
from axonlab.lazy import lazy_exports

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
    "load": "axonlab.lm.language_model:LanguageModel.load",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
