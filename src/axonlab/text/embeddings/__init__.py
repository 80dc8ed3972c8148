"""Sentence embeddings and what is built on them: files of vectors, search, few-shot and zero-shot.

Modules: encoder (SentenceEncoder, embed), files (a file into .npy or Parquet), search_index (top-k
cosine search), contrastive (tuning on pairs), zero_shot (prototype classifiers).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "PrototypeClassifier": "axonlab.text.embeddings.zero_shot",
    "SearchIndex": "axonlab.text.embeddings.search_index",
    "SentenceEncoder": "axonlab.text.embeddings.encoder",
    "contrastive_tune": "axonlab.text.embeddings.contrastive",
    "embed": "axonlab.text.embeddings.encoder",
    "embed_file": "axonlab.text.embeddings.files",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
