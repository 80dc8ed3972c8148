"""The customer-service assistant: answers files, replies, the CLI and the served endpoints."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient

from axonlab.assistant import AnswerBook, Assistant
from axonlab.errors import InputError

ANSWERS = """\
fallback: Sorry, I can only help with cards and PINs.
answers:
  card_arrival: New cards arrive within 3 working days.
  change_pin:
    answer: Change your PIN at any of our cash machines.
    title: Changing your PIN
  opening_hours:
    answer: Our branches open 9:00-17:00, Monday to Friday.
    questions: ["what time does the branch close?", "when are you open?"]
"""


@pytest.fixture()
def answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS)
    return path


@pytest.fixture()
def assistant(banking_intents, answers):
    return Assistant(banking_intents, AnswerBook.read(answers))


def test_replies_from_intent_faq_and_fallback(assistant):
    replies = assistant.reply(
        [
            "my new card still has not arrived",
            "what time do you close today?",
            "what is the capital of france?",
        ]
    )
    assert [r["source"] for r in replies] == ["intent", "faq", "fallback"]
    assert replies[0]["intent"] == "card_arrival"
    assert replies[0]["answer"] == "New cards arrive within 3 working days."
    assert replies[1]["answer"].startswith("Our branches open")
    assert replies[2]["answer"] == "Sorry, I can only help with cards and PINs."
    # suggestions only name intents that have an answer, with their titles
    for suggestion in replies[2]["suggestions"]:
        assert suggestion["intent"] in {"card_arrival", "change_pin"}
    titles = {s["intent"]: s["title"] for r in replies for s in r["suggestions"]}
    assert titles.get("change_pin", "Changing your PIN") == "Changing your PIN"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("answers:\n  card_arrival: '  '\n", "answer for 'card_arrival' is empty"),
        ("answers:\n  x: {answer: hi, colour: red}\n", r"unknown keys \['colour'\]"),
        ("answers: [a, b]\n", "expected a mapping with an `answers:` mapping"),
        ("answers:\n  a: {answer: hi, questions: [1, 2]}\n", "expected a list of texts"),
        ("answers: {a: [unclosed\n", "not valid YAML"),
        ("answers: {}\n", "`answers` is empty"),
    ],
)
def test_bad_answers_files_are_clear_errors(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        AnswerBook.read(path)


def test_an_answer_for_an_unknown_intent_is_an_error(banking_intents, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": {"card_arival": "typo"}}))
    with pytest.raises(InputError, match=r"answers for \['card_arival'\] name no intent"):
        Assistant(banking_intents, AnswerBook.read(path))


def test_cli_assist_json(axonlab, banking_intents, answers):
    code, out, err = axonlab(
        "assist", banking_intents.run_dir, "where is my card?", "--answers", answers, "--json"
    )
    assert code == 0, err
    (reply,) = json.loads(out)["replies"]
    assert reply["question"] == "where is my card?" and reply["source"] == "intent"
    code, out, err = axonlab("assist", banking_intents.run_dir, "hello")
    assert code == 1 and "no answers file in the run folder" in err


@pytest.fixture()
def served(banking_intents, answers, tmp_path):
    run = tmp_path / "bank"
    shutil.copytree(banking_intents.run_dir, run)
    shutil.copy(answers, run / "answers.yaml")
    from axonlab.serve import Settings, create_app

    with TestClient(create_app(Settings(run_dirs=[run], backend="onnx"))) as client:
        yield client


def test_served_assistant_and_embeddings(served):
    (info,) = served.get("/v1/models").json()["models"]
    assert info["task"] == "intent" and info["assistant"] and info["backend"] == "torch"
    response = served.post(
        "/v1/models/bank/assist", json={"inputs": ["when are you open?", "tell me a joke"]}
    )
    assert response.status_code == 200, response.text
    assert [r["source"] for r in response.json()["replies"]] == ["faq", "fallback"]
    prediction = served.post("/v1/models/bank/predict", json={"inputs": "tell me a joke"})
    assert prediction.json()["predictions"][0]["label"] == "oos"
    vectors = served.post("/v1/models/bank/embed", json={"inputs": ["a", "b c"]}).json()
    assert vectors["dim"] == 384 and len(vectors["embeddings"]) == 2
    assert np.allclose(np.linalg.norm(vectors["embeddings"], axis=1), 1.0, atol=1e-5)
    openai = served.post("/v1/embeddings", json={"input": "where is my card", "model": "bank"})
    body = openai.json()
    assert body["object"] == "list" and body["data"][0]["index"] == 0
    assert len(body["data"][0]["embedding"]) == 384
    # what the model read: [CLS] where is my card [SEP]
    assert body["usage"] == {"prompt_tokens": 6, "total_tokens": 6}
    assert served.post("/v1/embeddings", json={"input": "x", "model": "nope"}).status_code == 404
