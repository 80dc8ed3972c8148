"""Which words made the tagger see each entity: Integrated Gradients per predicted entity.

For an entity (say ``Angela Merkel`` as PER) the output explained is the sum of the logits of its
words' predicted tags (``B-PER``, ``I-PER``) at the sub-token where each word is predicted, so
the attributions say which words of the whole sentence pushed those tags up: the entity's own
words, and the context ("visited", "Mr."). The integration is
:func:`axonlab.text.explain.attribution.integrate_groups`, entity by entity (the windows that
predict an entity's words together).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from axonlab.text.data.tags import best_valid_tags
from axonlab.text.explain.attribution import _baseline, _logits, integrate_groups
from axonlab.text.explain.integral import TOLERANCE
from axonlab.text.tasks.entities import split_no_space, split_words
from axonlab.text.tasks.ner import make_aligner, predict, word_probabilities


def explain_entities(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    tolerance: float = TOLERANCE,
) -> list[dict[str, Any]]:
    """Per text ``{"entities": [entity + {"completeness_error", "steps", "words": [{"text",
    "start", "end", "attribution"}]}]}``, entities as :func:`axonlab.text.tasks.ner.predict` finds
    them."""
    model.eval()
    words = [split_no_space(split_words(t)) for t in texts]
    sentences = [[w.text for w in ws] for ws in words]
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    found = predict(model, tokenizer, texts, max_length=max_length)
    probs = word_probabilities(model, tokenizer, sentences, max_length=max_length)
    tags = [best_valid_tags(p, labels) for p in probs]
    windows = make_aligner(model, tokenizer, max_length).windows(sentences)
    rows, groups, entities = [], [], []  # one row per (entity, window that predicts its words)
    for i, prediction in enumerate(found):
        for entity in prediction["entities"]:
            inside = {
                j
                for j, w in enumerate(words[i])
                if w.start >= entity["start"] and w.end <= entity["end"]
            }
            for window in (w for w in windows if w.sentence == i):
                owned = [(p, j) for p, j in window.owned if j in inside]
                if owned:
                    rows.append((window, [(p, tags[i][j]) for p, j in owned]))
                    groups.append(len(entities))
            entities.append((i, entity))
    out: list[dict[str, Any]] = [{"entities": []} for _ in texts]
    if not entities:
        return out
    batch = tokenizer.pad([w.features() for w, _ in rows], return_tensors="pt")
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch}
    select = torch.zeros((*inputs["input_ids"].shape, len(labels)))
    special = torch.ones(inputs["input_ids"].shape, dtype=torch.bool)
    for r, (window, targets) in enumerate(rows):
        for p, tag in targets:
            select[r, p, tag] = 1.0
        for p, word in enumerate(window.word_ids):
            special[r, p] = word is None
    keep = special | ~inputs["attention_mask"].bool()
    baseline = _baseline(inputs["input_ids"], keep, tokenizer.pad_token_id)
    groups_arr = np.asarray(groups)
    attributions, errors, steps = integrate_groups(
        model, inputs, baseline, select, groups_arr, len(entities), transform=_logits,
        tolerance=tolerance,
    )  # fmt: skip
    for g, (i, entity) in enumerate(entities):
        per_word = np.zeros(len(words[i]))
        for r in np.flatnonzero(groups_arr == g):
            for p, word in enumerate(rows[r][0].word_ids):
                if word is not None:
                    per_word[word] += float(attributions[r, p])
        out[i]["entities"].append(
            {
                **entity,
                "completeness_error": float(errors[g]),
                "steps": int(steps[g]),
                "words": [
                    {"text": w.text, "start": w.start, "end": w.end, "attribution": float(a)}
                    for w, a in zip(words[i], per_word, strict=True)
                ],
            }
        )
    return out
