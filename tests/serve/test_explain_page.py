"""POST /v1/models/{name}/explain and the page's highlighted words, with a real (tiny) run
served on ONNX Runtime: the explanation loads a torch copy for its gradients."""

from __future__ import annotations

import httpx
import pytest

from tests.serve.conftest import running


@pytest.fixture()
def served(tiny_runs):
    from axonlab.serve import Settings, create_app

    with running(create_app(Settings(run_dirs=[tiny_runs["spam"], tiny_runs["ner"]]))) as url:
        yield url


def test_explain_endpoint(served):
    text = "WINNER! Claim your prize"
    with httpx.Client(base_url=served, timeout=60) as client:
        info = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
        assert info["spam"]["explainable"] and not info["ner"]["explainable"]
        assert info["spam"]["backend"].startswith("onnx")
        response = client.post("/v1/models/spam/explain", json={"inputs": text, "target": "spam"})
        assert response.status_code == 200, response.text
        [item] = response.json()["explanations"]
        assert item["label"] == "spam" and item["completeness_error"] <= 0.05
        assert all(text[w["start"] : w["end"]] == w["text"] for w in item["words"])
        refused = client.post("/v1/models/ner/explain", json={"inputs": text})
        assert refused.status_code == 422 and "not a classifier" in refused.json()["detail"]
        bad = client.post("/v1/models/spam/explain", json={"inputs": text, "target": "eggs"})
        assert bad.status_code == 422 and "unknown label" in bad.json()["detail"]


def test_the_page_highlights_the_words(browser, served):
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(served + "/")
    page.wait_for_selector("#model option[value=spam]", state="attached")
    page.select_option("#model", "spam")
    page.fill("#text", "WINNER! Claim your prize")
    page.click("#run")
    page.wait_for_selector(".explanation span")
    words = page.locator(".explanation span")
    assert words.first.text_content() == "WINNER"
    assert page.text_content(".explanation") == "WINNER! Claim your prize"
    colours = [words.nth(i).evaluate("e => e.style.backgroundColor") for i in range(words.count())]
    assert all(c.startswith(("rgba(", "rgb(")) for c in colours)  # alpha 1 reads back as rgb
    assert page.is_hidden("#error")
    page.close()
