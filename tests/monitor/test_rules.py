from __future__ import annotations

from axonlab.monitor import SurgeRules
from axonlab.monitor.config import RuleSettings


def _rules(*names: str, **settings) -> SurgeRules:
    base = {"min_count": 10, "min_baseline": 30, "cooldown": 7200}
    return SurgeRules(list(names), RuleSettings(**base | settings), window=1800, baseline=6 * 3600)


def _feed(rules: SurgeRules, minutes: range, negative_every: int, start: int = 0) -> list:
    alerts = []
    for i in minutes:
        alerts += rules.observe(start + 60.0 * i, ["*", "ACME"], i % negative_every == 0)
    return alerts


def test_a_flat_series_raises_nothing():
    for rule in ("zscore", "share", "cusum"):
        assert _feed(_rules(rule), range(24 * 60), negative_every=5) == []


def test_a_surge_is_alerted_once_per_key_and_rule_within_the_cooldown():
    rules = _rules("zscore")
    assert _feed(rules, range(600), negative_every=10) == []
    surge = _feed(rules, range(600, 660), negative_every=1)  # an hour of only negative items
    assert {(a.key, a.rule) for a in surge} == {("*", "zscore"), ("ACME", "zscore")}
    assert len(surge) == 2  # cool-down: one alert per key, not one per item
    first = surge[0]
    assert 600 * 60 < first.ts <= 612 * 60  # within a few items of the start
    assert first.negative_share > 0.3 and first.baseline_share < 0.15
    assert first.detail["z"] >= 4.0


def test_the_cooldown_ends():
    rules = _rules("share", share=0.5)
    alerts = _feed(rules, range(0, 5 * 60), negative_every=1)  # five hours of negatives
    times = [a.ts for a in alerts if a.key == "ACME"]
    assert len(times) == 3  # at 10 items, then 2 h and 4 h later
    assert times[1] - times[0] >= 7200 and times[2] - times[1] >= 7200


def test_min_count_holds_back_a_thin_window():
    rules = SurgeRules(["share"], RuleSettings(min_count=10), window=1800, baseline=3600)
    # one negative item every 5 minutes: never 10 in a 30-minute window
    alerts = [rules.observe(300.0 * i, ["ACME"], True) for i in range(50)]
    assert not any(alerts)


def test_cusum_catches_a_long_moderate_rise_that_zscore_misses():
    def run(rule: str) -> list:
        rules = _rules(rule, cusum_drift=0.05)
        _feed(rules, range(0, 600), negative_every=10)  # 10% negative
        return _feed(rules, range(600, 900), negative_every=4)  # 25% for five hours

    assert run("zscore") == []
    assert [a.key for a in run("cusum")] == ["*", "ACME"]


def test_items_out_of_order_are_counted_once():
    rules = _rules("share")
    for ts in (100.0, 50.0, 200.0):
        rules.observe(ts, ["ACME"], False)
    state = rules.keys["ACME"]
    assert state.n + state.n_base == 3
