"""Language models from scratch: a character or BPE LSTM and a small GPT, trained on a text file.

>>> from axonlab import lm
>>> model = lm.train("input.txt", "runs/lm", arch="gpt", minutes=5)
>>> model.evaluate("valid.txt")            # {"loss": ..., "perplexity": ..., "bits_per_char": ...}
>>> print(model.generate("ROMEO:", tokens=300, temperature=0.8, seed=1))
>>> model = lm.load("runs/lm")             # later, from the run directory
"""

from axonlab.lm.gpt import GPT, GPTConfig
from axonlab.lm.lstm import LSTMLM, LSTMConfig
from axonlab.lm.model import LanguageModel
from axonlab.lm.tokenize import BPETokenizer, CharTokenizer
from axonlab.lm.train import TrainConfig, Trainer, TrainProgress, train

load = LanguageModel.load

__all__ = [
    "GPT", "GPTConfig", "LSTMLM", "LSTMConfig", "LanguageModel", "BPETokenizer",
    "CharTokenizer", "TrainConfig", "TrainProgress", "Trainer", "train", "load",
]
