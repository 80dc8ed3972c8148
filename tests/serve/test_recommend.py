"""POST /v1/models/{name}/recommend and the page's history-beside-recommendations view, with a
recommender saved as a run directory and served from it (the synthetic four-genre catalogue)."""

from __future__ import annotations

import httpx
import pytest

from tests.live import running

pytest.importorskip("implicit")


@pytest.fixture(scope="module")
def movies(tmp_path_factory):
    """A run directory ``movies``: the synthetic catalogue, keyword-embedded (instant)."""
    from axonlab import recommend
    from tests.recommend.conftest import DATA, KeywordEncoder

    items = recommend.read_items(DATA / "items.tsv")
    ratings = recommend.read_interactions(DATA / "ratings.csv", items)
    config = recommend.RecommenderConfig(als=recommend.ALSSettings(factors=8, iterations=10))
    model = recommend.train(items, ratings, config, encoder=KeywordEncoder())
    return model.save(tmp_path_factory.mktemp("runs") / "movies")


@pytest.fixture(scope="module")
def served(movies):
    from axonlab.serve import Settings, create_app

    with running(create_app(Settings(run_dirs=[movies]))) as url:
        yield url


def test_recommend_endpoint(served):
    from tests.recommend.conftest import genre

    with httpx.Client(base_url=served, timeout=30) as client:
        [info] = client.get("/v1/models").json()["models"]
        assert info["name"] == "movies" and info["kind"] == "recommend"
        assert info["task"] == "recommend" and info["backbone"] == "keywords"

        body = client.post("/v1/models/movies/recommend", json={"user": "1", "k": 3}).json()
        assert len(body["items"]) == 3 and {genre(r["item"]) for r in body["items"]} == {"scifi"}
        assert len(body["history"]) == 5 and body["history"][0]["title"].startswith("SciFi")
        seen = {h["item"] for h in body["history"]}
        assert not seen & {r["item"] for r in body["items"]}

        body = client.post("/v1/models/movies/recommend", json={"history": ["17"], "k": 2}).json()
        assert {genre(r["item"]) for r in body["items"]} == {"horror"}
        body = client.post("/v1/models/movies/recommend", json={"item": "33", "k": 2}).json()
        assert body["history"] == [{"item": "33", "title": "New SciFi"}]

        unknown = client.post("/v1/models/movies/recommend", json={"user": "nobody"})
        assert unknown.status_code == 422 and "unknown user" in unknown.json()["detail"]
        both = client.post("/v1/models/movies/recommend", json={"user": "1", "item": "2"})
        assert both.status_code == 422 and "exactly one" in str(both.json()["detail"])
        wrong = client.post("/v1/models/movies/predict", json={"inputs": ["hello"]})
        assert wrong.status_code == 400 and "recommender" in wrong.json()["detail"]


def test_recommend_refuses_other_models(fake_models):
    from fastapi.testclient import TestClient

    from axonlab.serve import Settings, create_app

    with TestClient(create_app(Settings(), models=fake_models)) as client:
        response = client.post("/v1/models/spam/recommend", json={"user": "1"})
        assert response.status_code == 400 and "not a recommender" in response.json()["detail"]


def test_the_page_shows_history_beside_recommendations(browser, served):
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(served + "/")
    page.wait_for_selector("#model option[value=movies]", state="attached")
    assert page.text_content("#text-label") == "User id"
    page.fill("#text", "1")
    page.click("#run")
    page.wait_for_selector(".recommendations .picks li")
    history = page.locator(".recommendations .history li").all_text_contents()
    picks = page.locator(".recommendations .picks li").all_text_contents()
    assert len(history) == 5 and all(h.startswith("SciFi Story") for h in history)
    assert len(picks) == 10 and ("SciFi" in picks[0] or "New SciFi" in picks[0])
    assert page.text_content(".recommendations .history h2") == "History (5)"
    page.close()
