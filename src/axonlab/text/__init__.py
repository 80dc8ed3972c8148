"""Fine-tune pretrained transformer encoders for text classification and NER.

>>> from axonlab import text
>>> model = text.finetune("classify", train="train.tsv", dev="dev.tsv", out="runs/spam")
>>> model.predict(["WINNER!! Claim your free prize now"])
[{'label': 'spam', 'score': 0.99, 'scores': {'ham': 0.01, 'spam': 0.99}}]
>>> text.load("runs/spam").evaluate("test.tsv").metrics["macro_f1"]
"""

from axonlab.text.data import LabelMap, iter_rows, read_labelled
from axonlab.text.model import TextModel, finetune, load
from axonlab.text.report import EvalReport
from axonlab.text.train import LoraSettings, TrainConfig

__all__ = [
    "EvalReport",
    "LabelMap",
    "LoraSettings",
    "TextModel",
    "TrainConfig",
    "finetune",
    "iter_rows",
    "load",
    "read_labelled",
]
