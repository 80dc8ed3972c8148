import pytest

from axonlab.text.tasks.entities import Entity, Word, decode, split_words


def test_split_words_keeps_offsets():
    text = "Angela Merkel visited Paris, didn't she?"
    words = split_words(text)
    assert [w.text for w in words] == [
        "Angela",
        "Merkel",
        "visited",
        "Paris",
        ",",
        "didn",
        "'",
        "t",
        "she",
        "?",
    ]
    assert all(text[w.start : w.end] == w.text for w in words)


def test_split_words_unicode():
    # Combining accent, emoji + variation selector, zero-width space, BOM, CJK, tabs/newlines.
    text = "Zu\u0308rich ❤\ufe0f\tGo\u200bogle\n\ufeffKöln 東京"
    words = split_words(text)
    assert [w.text for w in words] == [
        "Zu\u0308rich",
        "❤\ufe0f",
        "Go\u200bogle",
        "\ufeff",
        "Köln",
        "東京",
    ]
    assert all(text[w.start : w.end] == w.text for w in words)


def test_split_words_empty_text():
    assert split_words("") == [] and split_words("  \n ") == []


def test_decode_entities_with_character_offsets():
    text = "Angela  Merkel visited New\tYork."
    words = split_words(text)
    tags = ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]
    entities = decode(text, words, tags, [0.9, 0.7, 0.99, 0.8, 0.6, 0.99])
    assert [(e.type, e.text) for e in entities] == [("PER", "Angela  Merkel"), ("LOC", "New\tYork")]
    for e in entities:
        assert text[e.start : e.end] == e.text
    assert entities[0].score == pytest.approx(0.8)
    assert (entities[1].start_word, entities[1].end_word) == (3, 5)
    assert entities[0].to_dict() == {
        "type": "PER",
        "label": "PER",
        "text": "Angela  Merkel",
        "start": 0,
        "end": 14,
        "score": entities[0].score,
    }


def test_decode_repairs_invalid_sequences_like_conlleval():
    text = "x Bob Smith met ACME Corp"
    words = split_words(text)
    tags = ["O", "I-PER", "I-PER", "O", "I-ORG", "I-LOC"]
    entities = decode(text, words, tags, [1.0] * 6)
    assert [(e.type, e.text) for e in entities] == [
        ("PER", "Bob Smith"),
        ("ORG", "ACME"),
        ("LOC", "Corp"),
    ]


def test_decode_checks_lengths():
    with pytest.raises(ValueError):
        decode("a", [Word("a", 0, 1)], ["O", "O"], [1.0])


def test_entity_is_a_value():
    e = Entity("PER", "Bob", 0, 3, 0, 1, 0.5)
    assert e == Entity("PER", "Bob", 0, 3, 0, 1, 0.5)
