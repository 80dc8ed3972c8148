"""Fine-tuning: the recipe, the loop on transformers' Trainer, checkpoints, progress, saving.

Modules: recipe (what the defaults choose for a run), fit (FinetuneConfig and the loop),
trainer (the Trainer with axonlab's checks and the head's own rate), checkpoints (resume),
progress (what a run prints), collapse (did it learn anything?), saving, length_batches.
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "FinetuneConfig": "axonlab.text.training.fit",
    "FitResult": "axonlab.text.training.fit",
    "LoraSettings": "axonlab.text.training.fit",
    "Recipe": "axonlab.text.training.recipe",
    "choose": "axonlab.text.training.recipe",
    "fit": "axonlab.text.training.fit",
    "learned_nothing": "axonlab.text.training.collapse",
    "length_batches": "axonlab.text.training.length_batches",
    "save_model": "axonlab.text.training.saving",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
