"""The semantic search index: build, search, add (embedding only what is new), delete, reopen."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from axonlab.cli import app
from axonlab.errors import InputError
from axonlab.text.embeddings.encoder import SentenceEncoder
from axonlab.text.embeddings.search_index import SearchIndex

BANK = {
    "card": "my card has not arrived yet",
    "pin": "how do I change my PIN?",
    "weather": "will it rain tomorrow?",
}


@pytest.fixture(scope="module")
def minilm() -> SentenceEncoder:
    return SentenceEncoder("all-minilm-l6-v2")


@pytest.fixture()
def index(minilm, tmp_path) -> SearchIndex:
    return SearchIndex.build(tmp_path / "index", list(BANK.values()), list(BANK), encoder=minilm)


def test_search_finds_the_paraphrase_first(index):
    hits = index.search(["where is my new card", "umbrella needed tomorrow?"], k=2)
    assert [h[0]["id"] for h in hits] == ["card", "weather"]
    assert hits[0][0]["score"] > hits[0][1]["score"]
    assert hits[0][0]["text"] == BANK["card"]


def test_add_embeds_only_new_and_changed_texts(index, monkeypatch):
    seen: list[str] = []
    encode = index.encoder.encode

    def spy(texts, **kw):
        seen.extend(texts)
        return encode(texts, **kw)

    monkeypatch.setattr(index.encoder, "encode", spy)
    counts = index.add(
        [BANK["card"], "I lost my wallet", "will it snow tomorrow?"], ["card", "lost", "weather"]
    )
    assert counts == {"added": 1, "replaced": 1, "unchanged": 1, "items": 4}
    assert seen == ["I lost my wallet", "will it snow tomorrow?"]
    assert index.search(["snow"], k=1)[0][0]["text"] == "will it snow tomorrow?"


def test_changes_persist_and_old_generations_go(index, minilm):
    index.add(["open an account"], ["account"])
    index.delete(["pin"])
    again = SearchIndex.open(index.folder, encoder=minilm)
    assert again.ids == ["card", "weather", "account"]
    assert again.search(["new account"], k=1)[0][0]["id"] == "account"
    assert sorted(p.name for p in index.folder.iterdir()) == [
        "index.json",
        f"items.{again.generation}.jsonl",
        f"vectors.{again.generation}.npy",
    ]


def test_bad_requests_are_clear_errors(index, minilm, tmp_path):
    with pytest.raises(InputError, match="no item with id 'nope'"):
        index.delete(["nope"])
    with pytest.raises(InputError, match="given twice"):
        index.add(["a", "b"], ["x", "x"])
    with pytest.raises(InputError, match="not an empty folder"):
        SearchIndex.build(index.folder, ["a"], encoder=minilm)
    with pytest.raises(InputError, match="not a search index"):
        SearchIndex.open(tmp_path)
    with pytest.raises(InputError, match="`k` must be >= 1"):
        index.search("a", k=0)


def test_an_index_of_another_model_is_refused(index, tiny_backbone):
    with pytest.raises(InputError, match="rebuild it"):
        SearchIndex.open(index.folder, encoder=SentenceEncoder(tiny_backbone))


def test_cli_build_add_search_delete(tmp_path):
    bank = tmp_path / "bank.tsv"
    bank.write_text("id\ttext\ncard\tmy card has not arrived\nrain\twill it rain tomorrow?\n")
    more = tmp_path / "more.tsv"
    more.write_text("id\ttext\npin\thow do I change my PIN?\n")
    folder = str(tmp_path / "idx")
    runner = CliRunner()

    def run(*args: str) -> dict:
        result = runner.invoke(app, ["text", "index", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert run("build", folder, "--input", str(bank))["items"] == 2
    assert run("add", folder, "--input", str(more))["added"] == 1
    hits = run("search", folder, "change my pin number", "-k", "1")["results"][0]["hits"]
    assert hits[0]["id"] == "pin"
    assert run("delete", folder, "rain")["items"] == 2
    result = runner.invoke(app, ["text", "index", "delete", folder, "rain"])
    assert result.exit_code != 0


class HashEncoder:
    """A stand-in encoder: a fixed random unit vector per text (fast, deterministic)."""

    dim, name, max_length = 16, "hash", 256

    def __init__(self, folder):
        self.folder = str(folder)

    def encode(self, texts, **_):
        import zlib

        import numpy as np

        rows = [np.random.default_rng(zlib.crc32(t.encode())).standard_normal(16) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 16)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_large_banks_search_through_the_hnsw_graph(tmp_path, monkeypatch):
    from axonlab.text.embeddings import search_index

    monkeypatch.setattr(search_index, "APPROXIMATE_FROM", 100)
    encoder = HashEncoder(tmp_path)
    texts = [f"item {i}" for i in range(150)]
    index = SearchIndex.build(tmp_path / "big", texts[:90], encoder=encoder)
    assert not index.approximate  # below the threshold: exact
    index.add(texts[90:])
    assert index.approximate and index.graph.ntotal == 150
    hits = index.search(["item 7", "item 140"], k=3)
    assert [h[0]["id"] for h in hits] == ["7", "140"]
    exact = index.search(["item 7"], k=3, exact=True)[0]
    assert [h["id"] for h in hits[0]] == [h["id"] for h in exact]
    assert [h["score"] for h in hits[0]] == pytest.approx([h["score"] for h in exact], abs=1e-5)
    index.add(["item 150"])
    assert index.graph.ntotal == 151  # new rows join the graph
    index.delete(["3"])
    assert index.graph.ntotal == 150  # rebuilt without the deleted row
    again = SearchIndex.open(index.folder, encoder=encoder)
    assert again.approximate and again.graph.ntotal == 150
    assert again.search("item 150", k=1)[0][0]["id"] == "150"
    assert len(list(index.folder.glob("ann.*.faiss"))) == 1
