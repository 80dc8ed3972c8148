"""Fine-tune pretrained transformer encoders for text classification and NER; embed and search.

>>> from axonlab import text
>>> model = text.finetune("classify", train="train.tsv", dev="dev.tsv", out="runs/spam")
>>> model.predict(["WINNER!! Claim your free prize now"])
[{'label': 'spam', 'score': 0.99, 'scores': {'ham': 0.01, 'spam': 0.99}}]
>>> text.load("runs/spam").evaluate("test.tsv").metrics["macro_f1"]
"""

# The public names, imported on first use (PEP 562): ``axonlab.text.defaults`` and the task
# registry stay light for the command line's --help, which must not wait for torch.
_EXPORTS = {
    "EvalReport": "axonlab.text.report",
    "FinetuneConfig": "axonlab.text.train",
    "LabelMap": "axonlab.text.data",
    "LoraSettings": "axonlab.text.train",
    "TextModel": "axonlab.text.model",
    "TextTask": "axonlab.text.task",
    "SearchIndex": "axonlab.text.search_index",
    "SentenceEncoder": "axonlab.text.embeddings",
    "TrainConfig": "axonlab.text.train",
    "embed": "axonlab.text.embeddings",
    "finetune": "axonlab.text.model",
    "get_task": "axonlab.text.task",
    "iter_rows": "axonlab.text.data",
    "load": "axonlab.text.model",
    "read_labelled": "axonlab.text.data",
    "task_names": "axonlab.text.tasks",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'axonlab.text' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
