from __future__ import annotations

import pytest

from axonlab.errors import InputError
from axonlab.monitor import Monitor, Store, replay
from axonlab.monitor.items import ALL
from tests.monitor.conftest import stream


def test_items_are_stored_once_with_their_labels(config, sentiment):
    monitor = Monitor(config, Store(config.store), sentiment=sentiment)
    items = stream(20)
    stored, _ = monitor.process(items[:15])
    assert stored == 15
    stored, _ = monitor.process([*items[10:], items[12]])  # overlaps, and a repeat within
    assert stored == 5
    assert monitor.store.counts() == {"items": 20, "alerts": 0}
    assert sentiment.seen == 20  # a known item is not even classified again
    latest = monitor.store.items(limit=1)[0]
    assert latest["text"] == "ACME holds steady" and latest["label"] == "neutral"
    counts = {key: n for key, n, *_ in monitor.store.aggregates()}
    assert counts == {ALL: 20, "ACME": 20}


def test_a_surge_is_stored_and_reported(config, sentiment):
    monitor = Monitor(config, Store(config.store), sentiment=sentiment)
    heard = []
    monitor.on_alert = heard.append
    monitor.process(stream(600))
    _, alerts = monitor.process(stream(40, negative_every=1, start=600 * 60.0))
    assert {(a["key"], a["rule"]) for a in alerts} >= {("ACME", "zscore"), ("ACME", "share")}
    assert heard == alerts
    assert [a["id"] for a in monitor.store.alerts()] == sorted(a["id"] for a in alerts)[::-1]


def test_a_restart_keeps_the_rolling_counts_and_cooldowns(config, sentiment):
    first = Monitor(config, Store(config.store), sentiment=sentiment)
    first.process(stream(600))
    _, alerts = first.process(stream(20, negative_every=1, start=600 * 60.0))
    assert alerts
    first.store.close()
    again = Monitor(config, Store(config.store), sentiment=sentiment)
    before, after = first.rules.keys["ACME"], again.rules.keys["ACME"]
    counts = lambda s: (s.n, s.neg, s.n_base, s.neg_base)  # noqa: E731
    # window and baseline rebuilt; the baseline holds the day before the window (> 200 items)
    assert counts(after) == counts(before) == (30, 21, 360, 36)
    # still surging, but within the cool-down: no new alert for the same key and rule
    _, more = again.process(stream(20, negative_every=1, start=620 * 60.0))
    assert not {(a["key"], a["rule"]) for a in more} & {(a["key"], a["rule"]) for a in alerts}


def test_replay_orders_items_by_time(config, sentiment):
    items = stream(600) + stream(40, negative_every=1, start=600 * 60.0)
    result = replay(items[::-1], config, sentiment=sentiment)
    assert result["items"] == result["stored"] == 640
    assert result["alerts"] and min(a["time"] for a in result["alerts"]) > "1970-01-01T10:00"


def test_a_sentiment_run_without_negative_labels_is_refused(config, sentiment):
    sentiment.labels = ["ham", "spam"]
    with pytest.raises(InputError, match="none of the sentiment run's labels"):
        Monitor(config, Store(config.store), sentiment=sentiment)
