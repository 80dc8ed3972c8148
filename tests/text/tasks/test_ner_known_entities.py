"""NER decoding and scoring with a tagger whose answers are known in advance.

A lexicon stands in for the network: each word's first sub-token gets a fixed tag. Predicted
entities, their character offsets and the entity scores can then be checked exactly, where a
trained tiny model may find no entity at all (and loops over its entities assert nothing).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from axonlab.text.backbones.resolve import default_backbone, load_tokenizer
from axonlab.text.tasks import ner
from tests.paths import TEST_DATA

DATA = TEST_DATA / "ner"
LABELS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
LEXICON = {
    "angela": "B-PER",
    "merkel": "I-PER",
    "paris": "B-LOC",
    "new": "B-LOC",
    "york": "I-LOC",
    "united": "B-ORG",
    "nations": "I-ORG",
    "red": "B-ORG",
    "cross": "I-ORG",
    "met": "B-PER",
}  # "met" is the tagger's one mistake


class LexiconTagger(torch.nn.Module):
    """Token classifier stand-in: logits 5.0 for the lexicon's tag of a token, else for O."""

    def __init__(self, tokenizer):
        super().__init__()
        self.config = SimpleNamespace(
            id2label=dict(enumerate(LABELS)), num_labels=len(LABELS), max_position_embeddings=512
        )
        self.table = torch.zeros(tokenizer.vocab_size, len(LABELS))
        self.table[:, 0] = 5.0
        for word, tag in LEXICON.items():
            first = tokenizer(word, add_special_tokens=False)["input_ids"][0]
            self.table[first] = 0.0
            self.table[first, LABELS.index(tag)] = 5.0

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        return SimpleNamespace(logits=self.table[input_ids])


@pytest.fixture(scope="module")
def tagger():
    tokenizer = load_tokenizer(default_backbone())
    return LexiconTagger(tokenizer), tokenizer


def test_predicted_entities_and_their_offsets(tagger):
    model, tokenizer = tagger
    text = "Angela Merkel visited  New York with the Red Cross ."
    (prediction,) = ner.predict(model, tokenizer, [text], max_length=64)
    found = [(e["type"], e["text"], e["start"], e["end"]) for e in prediction["entities"]]
    assert found == [
        ("PER", "Angela Merkel", 0, 13),
        ("LOC", "New York", 23, 31),
        ("ORG", "Red Cross", 41, 50),
    ]
    assert all(
        e["score"] == pytest.approx(torch.softmax(torch.tensor([5.0] + [0.0] * 6), 0)[0])
        for e in prediction["entities"]
    )


def test_windowed_text_finds_every_copy(tagger):
    model, tokenizer = tagger
    text = " ".join(["Angela Merkel visited Paris ."] * 10)  # windows of 16 sub-tokens
    (prediction,) = ner.predict(model, tokenizer, [text], max_length=16)
    assert [e["type"] for e in prediction["entities"]] == ["PER", "LOC"] * 10
    assert all(text[e["start"] : e["end"]] == e["text"] for e in prediction["entities"])


def test_entity_scores_match_a_hand_count(tagger):
    model, tokenizer = tagger
    # Gold: PER Angela Merkel, LOC Paris, ORG United Nations, LOC New York, PER Bob (I-PER
    # opening a sentence starts an entity). Predicted: the first four, and PER "met" (wrong);
    # Bob is missed. 4 right of 5 predicted, 4 found of 5 gold.
    metrics = ner.evaluate(model, tokenizer, DATA / "iob2.conll", max_length=64).metrics
    assert metrics["precision"] == pytest.approx(0.8)
    assert metrics["recall"] == pytest.approx(0.8)
    assert metrics["micro_f1"] == pytest.approx(0.8)
    per_type = metrics["per_type"]
    assert per_type["PER"]["precision"] == pytest.approx(0.5)
    assert per_type["PER"]["recall"] == pytest.approx(0.5)
    assert per_type["LOC"]["f1"] == pytest.approx(1.0)
    assert per_type["ORG"]["f1"] == pytest.approx(1.0)
