"""A fine-tuned model in use: load and predict, over a file with resume, over shards on Ray.

Modules: model (TextModel, load, finetune), batch (a file in, JSON lines out, resumable), shards
(many files over Ray workers).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "TextModel": "axonlab.text.predict.model",
    "finetune": "axonlab.text.predict.model",
    "load": "axonlab.text.predict.model",
    "predict_file": "axonlab.text.predict.batch",
    "predict_shards": "axonlab.text.predict.shards",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
