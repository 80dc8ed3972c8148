"""Batch prediction over files: formats, order, and resuming after an interruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axonlab.errors import InputError
from axonlab.text.predict.batch import predict_file, rows_done, source_path


class LengthModel:
    """Labels a text by its length; stops the process (KeyboardInterrupt) after ``stop_after``
    texts, the way Ctrl-C or a killed job would."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.seen = 0
        self.batch_sizes: list[int] = []

    def predict(self, texts, batch_size=32):
        if self.stop_after is not None and self.seen + len(texts) > self.stop_after:
            raise KeyboardInterrupt
        self.seen += len(texts)
        self.batch_sizes.append(len(texts))
        return [{"label": "long" if len(t) > 20 else "short", "chars": len(t)} for t in texts]


@pytest.fixture()
def messages(tmp_path) -> Path:
    path = tmp_path / "messages.csv"
    rows = [f'{i},"message number {i}{", with a comma" * (i % 4)}"' for i in range(50)]
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_line_per_row_in_input_order(messages, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = predict_file(LengthModel(), messages, out, batch_size=4, progress=False)
    lines = read_jsonl(out)
    assert [r["row"] for r in lines] == list(range(50))
    assert [r["line"] for r in lines] == list(range(2, 52))
    assert lines[0] == {"row": 0, "line": 2, "id": "0", "label": "short", "chars": 16}
    assert lines[1] == {"row": 1, "line": 3, "id": "1", "label": "long", "chars": 30}
    assert summary["rows"] == 50 and summary["predicted_rows"] == 50
    assert summary["resumed_rows"] == 0


def test_interrupted_run_resumes_to_the_same_output(messages, tmp_path):
    full = tmp_path / "full.jsonl"
    predict_file(LengthModel(), messages, full, batch_size=2, progress=False)

    part = tmp_path / "part.jsonl"
    with pytest.raises(KeyboardInterrupt):
        predict_file(LengthModel(stop_after=37), messages, part, batch_size=2, progress=False)
    written = rows_done(part)
    assert 0 < written <= 37 and written % 16 == 0  # whole chunks of 8 batches of 2
    resumed = LengthModel()
    summary = predict_file(resumed, messages, part, batch_size=2, progress=False)
    assert summary["resumed_rows"] == written and summary["predicted_rows"] == 50 - written
    assert resumed.seen == 50 - written  # rows already written were not predicted again
    assert part.read_bytes() == full.read_bytes()


def test_torn_last_line_is_dropped_and_rewritten(messages, tmp_path):
    full = tmp_path / "full.jsonl"
    predict_file(LengthModel(), messages, full, progress=False)
    torn = tmp_path / "torn.jsonl"
    content = full.read_bytes()
    cut = content.index(b"\n", len(content) // 2) + 10  # ten bytes into a line
    torn.write_bytes(content[:cut])
    source_path(torn).write_bytes(source_path(full).read_bytes())
    summary = predict_file(LengthModel(), messages, torn, progress=False)
    assert torn.read_bytes() == content
    assert summary["resumed_rows"] == content[:cut].count(b"\n")


def test_finished_output_is_left_alone(messages, tmp_path):
    out = tmp_path / "out.jsonl"
    predict_file(LengthModel(), messages, out, progress=False)
    before = out.read_bytes()
    model = LengthModel()
    summary = predict_file(model, messages, out, progress=False)
    assert model.seen == 0 and summary["predicted_rows"] == 0 and out.read_bytes() == before


def test_chunks_respect_batch_size(messages, tmp_path):
    model = LengthModel()
    predict_file(model, messages, tmp_path / "o.jsonl", batch_size=3, progress=False)
    assert model.batch_sizes == [24, 24, 2]  # chunks of 8 batches; the model batches inside


@pytest.mark.parametrize("suffix", [".jsonl", ".tsv", ".txt"])
def test_other_formats(tmp_path, suffix):
    texts = ["hello there", 'a quote " inside', "third one is longer than twenty"]
    path = tmp_path / f"in{suffix}"
    if suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps({"id": i, "sentence": t}) + "\n" for i, t in enumerate(texts))
        )
    elif suffix == ".tsv":
        path.write_text("label\ttext\n" + "".join(f"x\t{t}\n" for t in texts))
    else:
        path.write_text("\n".join(texts[:2]) + "\n\n" + texts[2] + "\n")
    out = tmp_path / "out.jsonl"
    predict_file(LengthModel(), path, out, progress=False)
    assert [r["chars"] for r in read_jsonl(out)] == [len(t) for t in texts]
    if suffix == ".txt":
        assert [r["line"] for r in read_jsonl(out)] == [1, 2, 4]


def test_text_column_can_be_named(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("a,b\nxx,yyyy\n")
    out = tmp_path / "out.jsonl"
    predict_file(LengthModel(), path, out, text_column="b", progress=False)
    assert read_jsonl(out)[0]["chars"] == 4
    with pytest.raises(InputError, match="no text column"):
        predict_file(LengthModel(), path, tmp_path / "o2.jsonl", progress=False)


def test_refuses_an_output_that_is_not_this_inputs(messages, tmp_path):
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"row": 0}\n{"row": 5}\n')
    with pytest.raises(InputError, match="line 2: expected row 1, found 5"):
        predict_file(LengthModel(), messages, foreign, progress=False)
    notes = tmp_path / "notes.jsonl"
    notes.write_text("just some notes\n")
    with pytest.raises(InputError, match="not a predictions file"):
        predict_file(LengthModel(), messages, notes, progress=False)
    longer = tmp_path / "longer.jsonl"
    longer.write_text("".join(json.dumps({"row": i}) + "\n" for i in range(60)))
    with pytest.raises(InputError, match="holds 60 predictions but no record of what made them"):
        predict_file(LengthModel(), messages, longer, progress=False)
    predict_file(LengthModel(), messages, tmp_path / "made.jsonl", progress=False)
    source_path(longer).write_bytes(source_path(tmp_path / "made.jsonl").read_bytes())
    with pytest.raises(InputError, match="holds 60 rows but the input has only 50"):
        predict_file(LengthModel(), messages, longer, progress=False)
    with pytest.raises(InputError, match="overwrite the input"):
        predict_file(LengthModel(), messages, messages, progress=False)


class OtherModel(LengthModel):
    def fingerprint(self) -> dict[str, str]:
        return {"run": "another"}


def test_resuming_with_another_model_or_input_is_refused(messages, tmp_path):
    """Defect: an output was "resumed" by row count alone, mixing two models' predictions."""
    out = tmp_path / "out.jsonl"
    predict_file(LengthModel(stop_after=None), messages, out, progress=False)
    before = out.read_bytes()
    with pytest.raises(InputError, match="made from another model"):
        predict_file(OtherModel(), messages, out, progress=False)
    other_input = tmp_path / "other.csv"
    other_input.write_text(messages.read_text().replace("message", "letter"))
    with pytest.raises(InputError, match="made from another input"):
        predict_file(LengthModel(), other_input, out, progress=False)
    with pytest.raises(InputError, match="made from another columns"):
        predict_file(LengthModel(), messages, out, text_column="text", progress=False)
    assert out.read_bytes() == before  # refused without a change


def test_id_column_is_carried_into_the_output(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"uid": 17, "text": "a"}\n{"uid": "x-2", "text": "bb"}\n')
    out = tmp_path / "out.jsonl"
    predict_file(LengthModel(), path, out, progress=False)
    assert [r["id"] for r in read_jsonl(out)] == [17, "x-2"]
    plain = tmp_path / "plain.csv"
    plain.write_text("key,text\nk1,a\n")
    predict_file(LengthModel(), plain, tmp_path / "o.jsonl", id_column="key", progress=False)
    assert read_jsonl(tmp_path / "o.jsonl")[0]["id"] == "k1"


def test_non_finite_scores_are_written_as_null(tmp_path):
    class NanModel(LengthModel):
        def predict(self, texts, batch_size=32):
            return [{"label": "x", "score": float("nan")} for _ in texts]

    path = tmp_path / "in.txt"
    path.write_text("one\n")
    out = tmp_path / "out.jsonl"
    predict_file(NanModel(), path, out, progress=False)
    assert "NaN" not in out.read_text() and read_jsonl(out)[0]["score"] is None


def test_real_model_resumes_identically(tiny_backbone, messages, tmp_path):
    """A tiny random BERT classifier: interrupted-and-resumed output equals a straight run."""
    from axonlab.runs import RunDirectory
    from axonlab.text import load

    run = _tiny_classifier_run(tiny_backbone, tmp_path / "run")
    model = load(run)
    full, part = tmp_path / "full.jsonl", tmp_path / "part.jsonl"
    predict_file(model, messages, full, batch_size=2, progress=False)
    real_predict = model.predict
    calls = 0

    def dies_on_third_chunk(texts, batch_size=32):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return real_predict(texts, batch_size=batch_size)

    model.predict = dies_on_third_chunk
    with pytest.raises(KeyboardInterrupt):
        predict_file(model, messages, part, batch_size=2, progress=False)
    assert rows_done(part) == 32  # two chunks of 8 batches of 2
    model.predict = real_predict
    predict_file(model, messages, part, batch_size=2, progress=False)
    assert [r["label"] for r in read_jsonl(part)] == [r["label"] for r in read_jsonl(full)]
    for a, b in zip(read_jsonl(part), read_jsonl(full), strict=True):
        assert a["scores"] == pytest.approx(b["scores"], abs=1e-5)
    assert RunDirectory(run).is_complete


def _tiny_classifier_run(backbone: str, folder: Path) -> Path:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from axonlab.runs import RunDirectory

    run = RunDirectory(folder)
    run.start({"backbone": backbone, "train": {"max_length": 32}}, task="classify")
    model = AutoModelForSequenceClassification.from_pretrained(
        backbone, num_labels=2, id2label={0: "ham", 1: "spam"}, label2id={"ham": 0, "spam": 1}
    )
    model.save_pretrained(folder / "model")
    AutoTokenizer.from_pretrained(backbone).save_pretrained(folder / "model")
    run.mark_complete()
    return folder
