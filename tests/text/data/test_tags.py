import itertools

import numpy as np
import pytest

from axonlab.errors import InputError
from axonlab.text.data.tags import best_valid_tags, label_list, spans, split_tag, to_iob2


def test_split_tag_reads_prefix_and_type():
    assert split_tag("B-PER") == ("B", "PER")
    assert split_tag("I-creative-work") == ("I", "creative-work")
    assert split_tag("O") == ("O", "")


@pytest.mark.parametrize("tag", ["I-", "PER", "X-PER", "b-PER", ""])
def test_split_tag_rejects_malformed(tag):
    with pytest.raises(ValueError):
        split_tag(tag)


def test_iob1_becomes_iob2():
    iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-ORG"]
    assert to_iob2(iob1) == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"]


def test_valid_iob2_is_unchanged():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    assert to_iob2(tags) == tags


def test_bioes_becomes_iob2():
    bioes = ["B-PER", "E-PER", "S-LOC", "S-LOC", "O", "B-ORG", "I-ORG", "E-ORG", "I-ORG"]
    assert to_iob2(bioes) == [
        "B-PER",
        "I-PER",
        "B-LOC",
        "B-LOC",
        "O",
        "B-ORG",
        "I-ORG",
        "I-ORG",
        "B-ORG",
    ]


def test_spans_conlleval_cases():
    # Hand-worked with conlleval's start-of-chunk rules.
    assert spans(["O", "I-PER", "I-PER", "O"]) == [("PER", 1, 3)]
    assert spans(["B-PER", "I-LOC", "I-LOC"]) == [("PER", 0, 1), ("LOC", 1, 3)]
    assert spans(["B-PER", "B-PER", "I-PER"]) == [("PER", 0, 1), ("PER", 1, 3)]
    assert spans(["I-ORG"]) == [("ORG", 0, 1)]
    assert spans(["O", "O"]) == []
    assert spans(["B-LOC", "O", "I-LOC"]) == [("LOC", 0, 1), ("LOC", 2, 3)]


def test_label_list_has_o_first_and_both_prefixes():
    assert label_list([["B-PER", "O"], ["B-LOC", "I-LOC"]]) == [
        "O",
        "B-LOC",
        "I-LOC",
        "B-PER",
        "I-PER",
    ]


LABELS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


def _is_valid(tags):
    return to_iob2(tags) == list(tags)


def test_best_valid_tags_repairs_a_stray_inside_tag_by_probability():
    # word 1's argmax is I-PER after O (invalid): B-PER is the better valid reading here
    probs = np.array(
        [[0.9, 0.02, 0.02, 0.03, 0.03], [0.1, 0.0, 0.0, 0.35, 0.55], [0.2, 0.0, 0.0, 0.1, 0.7]]
    )
    assert [LABELS[i] for i in best_valid_tags(probs, LABELS)] == ["O", "B-PER", "I-PER"]
    # ... and O where the entity is unlikely overall
    probs[1] = [0.4, 0.0, 0.0, 0.05, 0.55]
    probs[2] = [0.9, 0.0, 0.0, 0.05, 0.05]
    assert [LABELS[i] for i in best_valid_tags(probs, LABELS)] == ["O", "O", "O"]


def test_best_valid_tags_is_the_most_probable_valid_sequence():
    rng = np.random.default_rng(0)
    for _ in range(30):
        probs = rng.dirichlet(np.ones(len(LABELS)) * 0.5, size=4)
        best = best_valid_tags(probs, LABELS)
        brute = max(
            (
                seq
                for seq in itertools.product(range(len(LABELS)), repeat=4)
                if _is_valid([LABELS[i] for i in seq])
            ),
            key=lambda seq: sum(np.log(probs[t, i]) for t, i in enumerate(seq)),
        )
        assert best == list(brute)
    assert best_valid_tags(np.zeros((0, len(LABELS))), LABELS) == []
    with pytest.raises(InputError, match="do not match 5 labels"):
        best_valid_tags(np.ones((3, 4)), LABELS)
