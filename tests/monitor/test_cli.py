"""``axonlab monitor`` end to end with a tiny random-weight sentiment run (plumbing only)."""

from __future__ import annotations

import json

import pytest

from tests.tiny_bert import tiny_run


@pytest.fixture(scope="module")
def sentiment_run(tmp_path_factory):
    return tiny_run(
        tmp_path_factory.mktemp("runs") / "fin", "classify", ["negative", "neutral", "positive"]
    )


@pytest.fixture()
def headlines(tmp_path):
    path = tmp_path / "headlines.tsv"
    rows = [f"2019-05-03T{i // 60:02d}:{i % 60:02d}:00Z\tACME news {i}\tACME" for i in range(200)]
    path.write_text("time\ttext\tkey\n" + "\n".join(rows) + "\n")
    return path


def test_replay_json_then_status(axonlab, sentiment_run, headlines, tmp_path):
    store = tmp_path / "replay.db"
    code, out, err = axonlab(
        "monitor", "replay", "--sentiment", sentiment_run, "--input", headlines,
        "--window", "30m", "--baseline", "2h", "--rules", "share,zscore", "--backend", "torch",
        "--store", store, "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["items"] == 200 and result["stored"] == 200
    for alert in result["alerts"]:
        assert {"time", "key", "rule", "negative_share"} <= alert.keys()
        assert alert["rule"] in ("share", "zscore")
    config = tmp_path / "monitor.yaml"
    config.write_text(f"store: {store}\nsentiment: {sentiment_run}\n")
    code, out, err = axonlab("monitor", "status", config, "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["items"] == 200 and status["alerts"] == len(result["alerts"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "5x"], "window"),
        (["--rules", "vibes"], "rules"),
        (["--input", "missing.tsv"], "missing.tsv: no such file"),
    ],
)
def test_replay_errors_are_one_line(axonlab, sentiment_run, headlines, args, message):
    base = {"--input": str(headlines), "--sentiment": str(sentiment_run), "--backend": "torch"}
    options = base | dict(zip(args[::2], args[1::2], strict=True))
    code, out, err = axonlab("monitor", "replay", *[x for kv in options.items() for x in kv])
    assert code == 1 and message in err and "Traceback" not in err


def test_status_without_a_store(axonlab, tmp_path):
    config = tmp_path / "monitor.yaml"
    config.write_text("store: none.db\nsentiment: run\n")
    code, _, err = axonlab("monitor", "status", config)
    assert code == 1 and "no store yet" in err
