"""Reading text data: labelled tables, NER corpora, tag schemes, and words for the encoder.

Modules: labelled (tables, label map), conll (CoNLL and JSONL corpora), cluener (span records),
tags (IOB1/IOB2/BIOES), scripts (languages written without spaces), casing (a word's casing
as a token type), alignment (word tags onto sub-word tokens, in windows).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "LabelMap": "axonlab.text.data.labelled",
    "LabelledTexts": "axonlab.text.data.labelled",
    "TaggedSentence": "axonlab.text.data.conll",
    "WordAligner": "axonlab.text.data.alignment",
    "iter_rows": "axonlab.text.data.labelled",
    "read_labelled": "axonlab.text.data.labelled",
    "read_ner": "axonlab.text.data.conll",
    "spans": "axonlab.text.data.tags",
    "to_iob2": "axonlab.text.data.tags",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
