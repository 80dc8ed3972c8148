"""Which words made a model decide: Integrated Gradients for classifiers and for each entity.

Modules: attribution (a label's attributions per word, in log-odds, on torch), entities (per
predicted entity), integral (the quadrature both paths share), gradient_graph (the integrand
exported to ONNX), light (explanations with ONNX Runtime, no torch), html (a page of them).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "explain_entities": "axonlab.text.explain.entities",
    "explain_texts": "axonlab.text.explain.attribution",
    "explanation_html": "axonlab.text.explain.html",
    "open_light_explainer": "axonlab.text.explain.light",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
