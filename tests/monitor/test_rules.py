from __future__ import annotations

import math

import pytest

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
    # one surge, one alert: on ACME, the narrowest series; all items stay quiet
    assert [(a.key, a.rule) for a in surge] == [("ACME", "zscore")]
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
    # one alert, on ACME: all items rose only because ACME did
    assert [a.key for a in run("cusum")] == ["ACME"]


def test_items_out_of_order_are_counted_once():
    rules = _rules("share")
    for ts in (100.0, 50.0, 200.0):
        rules.observe(ts, ["ACME"], False)
    state = rules.keys["ACME"]
    assert state.n + state.n_base == 3


def _volume_rules(**settings) -> SurgeRules:
    return SurgeRules(["volume"], RuleSettings(**settings), window=3600, baseline=14 * 86400)


def _sparse_stream(hours: float, seed: int = 0, negative_share: float = 0.2) -> list:
    """One item an hour on ACME (Poisson times), a fifth of them negative."""
    import random

    rng = random.Random(seed)
    t, out = 0.0, []
    while t < hours * 3600:
        t += rng.expovariate(1 / 3600)
        out.append((t, rng.random() < negative_share))
    return out


def test_volume_catches_a_surge_on_a_one_an_hour_key():
    rules = _volume_rules()
    stream = _sparse_stream(24 * 14)
    for ts, negative in stream:
        assert rules.observe(ts, ["*", "ACME"], negative) == []  # two quiet weeks
    start = stream[-1][0] + 600
    alerts = []
    for i in range(30):  # 30 negative items in 20 minutes
        alerts += rules.observe(start + 40.0 * i, ["*", "ACME"], True)
    assert [(a.key, a.rule) for a in alerts] == [("ACME", "volume")]  # not all items too
    alert = alerts[0]
    assert alert.ts <= start + 40.0 * 8  # within a few items
    d = alert.detail
    assert d["negatives"] >= 5 and d["expected_negatives"] < 0.2
    assert 0.5 < d["rate_per_hour"] < 1.5 and d["surprise"] >= 7.0


def test_volume_stays_quiet_on_a_busy_hour_of_ordinary_items():
    rules = _volume_rules()
    stream = _sparse_stream(24 * 14, seed=1)
    for ts, negative in stream:
        rules.observe(ts, ["ACME"], negative)
    start = stream[-1][0] + 60
    # a nightly batch: 40 items at once, with the usual share of negative ones
    alerts = [rules.observe(start, ["ACME"], i % 5 == 0) for i in range(40)]
    assert not any(alerts)


def _nightly_batches(days: int, seed: int) -> list:
    """A quiet key (one item an hour) that gets a batch of 60 ordinary items within ten minutes
    every night, a fifth of them negative as ever (headlines published at one time of day)."""
    import random

    rng = random.Random(seed)
    batches = [
        (86400.0 * d + 23 * 3600 + rng.uniform(0, 600), rng.random() < 0.2)
        for d in range(days)
        for _ in range(60)
    ]
    return sorted(_sparse_stream(24 * days, seed=seed) + batches)


@pytest.mark.parametrize("seed", [0, 1])
def test_volume_is_quiet_through_weeks_of_nightly_batches(seed):
    stream = _nightly_batches(28, seed)
    quiet = _volume_rules()
    assert [a for ts, neg in stream for a in quiet.observe(ts, ["ACME"], neg)] == []
    # against the mean rate alone, the count is surprising every night
    weak = _volume_rules(same_time=False)
    assert [a for ts, neg in stream for a in weak.observe(ts, ["ACME"], neg)] != []


def test_volume_sees_a_surge_in_the_quiet_hours_of_a_series_busy_at_night():
    """By day half an item an hour, at night 200 an hour for two hours: against the mean rate
    (17 an hour) eight negative items in twenty minutes of a quiet afternoon are ordinary;
    against the afternoon's own rate they are a surge."""
    import random

    rng = random.Random(4)
    stream, t = [], 0.0
    while t < 14 * 86400:  # thinning: a Poisson process at 200 an hour, kept at the hour's rate
        t += rng.expovariate(200.0 / 3600)
        if t % 86400 >= 22 * 3600 or rng.random() < 0.5 / 200:
            stream.append((t, rng.random() < 0.2))
    start = 14 * 86400 + 13 * 3600
    stream = [x for x in stream if x[0] < start] + [(start + 150.0 * i, True) for i in range(8)]

    def alerts(**settings) -> list:
        rules = _volume_rules(**settings)
        return [
            (a.key, round(a.ts)) for ts, neg in stream for a in rules.observe(ts, ["ACME"], neg)
        ]

    found = alerts()
    assert [key for key, _ in found] == ["ACME"]  # the surge, and only the surge
    assert start <= found[0][1] <= start + 1200
    # against the mean rate the surge is ordinary, and the nightly rush is not
    mean_only = alerts(same_time=False)
    assert mean_only and all(ts < start for _, ts in mean_only)


def test_volume_raises_no_false_alerts_on_months_of_a_quiet_key():
    rules = _volume_rules()
    alerts = [
        a
        for ts, neg in _sparse_stream(24 * 120, seed=2)
        for a in rules.observe(ts, ["*", "ACME"], neg)
    ]
    assert alerts == []


def test_all_items_name_the_keys_that_drove_them():
    rules = SurgeRules(
        ["volume"], RuleSettings(), window=3600, baseline=14 * 86400, alert_on=["all"]
    )
    stream = _sparse_stream(24 * 14, seed=3)
    for ts, negative in stream:
        rules.observe(ts, ["*", "ACME"], negative)
    start = stream[-1][0] + 600
    alerts = []
    for i in range(30):
        alerts += rules.observe(start + 40.0 * i, ["*", "BETA" if i % 5 == 0 else "ACME"], True)
    assert [a.key for a in alerts] == ["*"]  # only all items may alert
    assert alerts[0].detail["drivers"][0][0] == "ACME"


def test_surprise_matches_the_exact_tails():
    from scipy import stats

    from axonlab.monitor.tails import (
        binomial_surprise,
        negative_binomial_surprise,
        poisson_surprise,
    )

    for k, mean in ((5, 0.1), (12, 2.5), (40, 3.0), (3, 4.0)):
        exact = -math.log10(stats.poisson.sf(k - 1, mean)) if k > mean else 0.0
        assert poisson_surprise(k, mean) == pytest.approx(exact, rel=1e-6, abs=1e-9)
    for k, mean, shape in ((5, 0.1, 1.3), (12, 2.5, 4.0), (40, 3.0, 30.0), (3, 4.0, 2.0)):
        p = shape / (shape + mean)  # scipy's success probability
        exact = -math.log10(stats.nbinom.sf(k - 1, shape, p)) if k > mean else 0.0
        assert negative_binomial_surprise(k, mean, shape) == pytest.approx(
            exact, rel=1e-6, abs=1e-9
        )
    # a rate known from many items: the Poisson tail; from few: a heavier tail, less surprise
    assert negative_binomial_surprise(12, 2.5, 1e7) == pytest.approx(
        poisson_surprise(12, 2.5), rel=1e-4
    )
    assert negative_binomial_surprise(12, 2.5, 2.0) < poisson_surprise(12, 2.5) / 2
    assert negative_binomial_surprise(12, 2.5, math.inf) == poisson_surprise(12, 2.5)
    for k, n, p in ((8, 10, 0.2), (20, 30, 0.45), (3, 50, 0.2), (50, 60, 0.1)):
        exact = -math.log10(stats.binom.sf(k - 1, n, p)) if k > n * p else 0.0
        assert binomial_surprise(k, n, p) == pytest.approx(exact, rel=1e-6, abs=1e-9)
