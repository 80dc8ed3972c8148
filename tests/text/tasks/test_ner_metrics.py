import pytest

from axonlab.text.tasks.ner_metrics import entity_scores, format_report


def test_perfect_prediction():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    m = entity_scores(gold, gold)
    assert m["micro_f1"] == m["macro_f1"] == m["precision"] == m["recall"] == 1.0
    assert m["token_accuracy"] == 1.0
    assert m["per_type"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_hand_worked_scores():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "B-ORG"]]
    # Entities: gold {PER 0-2, LOC 3, ORG 0}; predicted {PER 0, LOC 3, ORG 0, ORG 1}.
    m = entity_scores(gold, pred)
    assert m["precision"] == pytest.approx(2 / 4)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["micro_f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert m["per_type"]["PER"]["f1"] == 0.0
    assert m["per_type"]["LOC"]["f1"] == 1.0
    assert m["per_type"]["ORG"]["f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx((0 + 1 + 2 / 3) / 3)
    assert m["token_accuracy"] == pytest.approx(4 / 6)
    assert m["support"] == 3


def test_default_mode_repairs_but_strict_mode_does_not():
    gold = [["O", "B-PER", "I-PER"]]
    pred = [["O", "I-PER", "I-PER"]]  # invalid IOB2; conlleval reads it as the same entity
    m = entity_scores(gold, pred)
    assert m["micro_f1"] == 1.0
    assert m["strict"]["micro_f1"] == 0.0
    assert m["token_accuracy"] == pytest.approx(2 / 3)


def test_no_entities_at_all_scores_zero_not_nan():
    m = entity_scores([["O", "O"]], [["O", "O"]])
    assert m["micro_f1"] == m["macro_f1"] == m["strict"]["micro_f1"] == 0.0
    assert m["token_accuracy"] == 1.0 and m["per_type"] == {}


def test_mismatched_lengths_rejected():
    with pytest.raises(ValueError):
        entity_scores([["O"]], [["O", "O"]])


def test_report_lists_every_type():
    m = entity_scores([["B-PER", "B-LOC"]], [["B-PER", "O"]])
    report = format_report(m)
    assert "PER" in report and "LOC" in report and "strict IOB2" in report
    assert "0.6667" in report  # micro F1 = 2 * 1 * 0.5 / 1.5
