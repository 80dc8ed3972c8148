"""Which words made a model decide: Integrated Gradients for classifiers and for each entity.

Modules: attribution (a label's attributions per word, in log-odds), entities (per
predicted entity).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "explain_entities": "axonlab.text.explain.entities",
    "explain_texts": "axonlab.text.explain.attribution",
    "explanation_html": "axonlab.text.explain.attribution",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
