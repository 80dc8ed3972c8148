"""Fine-tune pretrained transformer encoders for text classification and NER; embed and search.

>>> from axonlab import text
>>> model = text.finetune("classify", train="train.tsv", dev="dev.tsv", out="runs/spam")
>>> model.predict(["WINNER!! Claim your free prize now"])
[{'label': 'spam', 'score': 0.99, 'scores': {'ham': 0.01, 'spam': 0.99}}]
>>> text.load("runs/spam").evaluate("test.tsv").metrics["macro_f1"]
"""

# The public names, imported on first use (PEP 562): ``axonlab.text.defaults`` and the task
# registry stay light for the command line's --help, which must not wait for torch.
from axonlab.lazy import lazy_exports

_EXPORTS = {
    "EvalReport": "axonlab.text.tasks.report",
    "FinetuneConfig": "axonlab.text.training.fit",
    "LabelMap": "axonlab.text.data.labelled",
    "LoraSettings": "axonlab.text.training.fit",
    "TextModel": "axonlab.text.predict.model",
    "TextTask": "axonlab.text.tasks.base",
    "SearchIndex": "axonlab.text.embeddings.search_index",
    "SentenceEncoder": "axonlab.text.embeddings.encoder",
    "TrainConfig": "axonlab.text.training.fit",
    "embed": "axonlab.text.embeddings.encoder",
    "finetune": "axonlab.text.predict.model",
    "get_task": "axonlab.text.tasks.base",
    "iter_rows": "axonlab.text.data.labelled",
    "load": "axonlab.text.predict.model",
    "read_labelled": "axonlab.text.data.labelled",
    "task_names": "axonlab.text.tasks",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
