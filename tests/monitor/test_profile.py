from __future__ import annotations

import math
import random

import pytest

from axonlab.monitor.profile import DAY, DailyProfile

HOUR = 3600.0


def _nightly(days: int, seed: int = 0) -> list[tuple[float, bool]]:
    """A series quiet by day (one item an hour) and busy for two hours a night (100 an hour),
    a fifth of the items negative."""
    rng = random.Random(seed)
    items, t = [], 0.0
    while t < days * DAY:  # thinning: a Poisson process at 100 an hour, kept at the hour's rate
        t += rng.expovariate(100.0 / HOUR)
        if t % DAY >= 22 * HOUR or rng.random() < 0.01:
            items.append((t, rng.random() < 0.2))
    return items


def _profile(items, history: float = 14 * DAY) -> DailyProfile:
    profile = DailyProfile()
    for ts, negative in items:
        profile.add(ts, negative)
        profile.advance(ts, history)
    return profile


def test_the_expected_count_follows_the_time_of_day():
    profile = _profile(_nightly(14))
    day = 14 * DAY
    mean = profile.mean_rate()
    quiet, _ = profile.rate(day + 13 * HOUR, day + 13 * HOUR + 1200)
    busy, _ = profile.rate(day + 23 * HOUR, day + 23 * HOUR + 1200)
    # 20 minutes hold 0.07 negatives by day and 6.7 at night; the mean rate says 0.6
    assert quiet < mean / 3 and busy > 3 * mean
    assert busy * 1200 == pytest.approx(6.7, rel=0.3)


def test_a_young_series_is_judged_by_its_mean_rate_and_its_last_hours():
    rng = random.Random(1)
    steady = [(i * 360.0, rng.random() < 0.2) for i in range(200)]  # 10 an hour for 20 h
    profile = _profile(steady)
    expected, shape = profile.rate(20 * HOUR, 20 * HOUR + 1200)
    assert 0.5 < expected / profile.mean_rate() < 2
    assert 3 < shape < sum(neg for _, neg in steady)  # a rate known from a few hours' items
    # busy at first, quiet for the last six hours: the quiet hours set the rate
    quiet = [(ts, neg) for ts, neg in steady if ts < 14 * HOUR or neg is False]
    assert _profile(quiet).rate(20 * HOUR, 20 * HOUR + 1200)[0] < expected / 2


def test_items_older_than_the_history_are_forgotten():
    profile = _profile(_nightly(10), history=3 * DAY)
    assert profile.times[0] > profile.end - 3 * DAY
    assert sum(profile.bins) == len(profile.times)
    assert profile.watched == pytest.approx(3 * DAY)


def test_same_minutes_counts_the_same_minutes_of_earlier_days():
    items = [(d * DAY + 23 * HOUR + m * 10.0, True) for d in range(5) for m in range(12)]
    profile = _profile(items)
    start = 5 * DAY + 23 * HOUR
    assert profile.same_minutes(start, start + 120) == 12  # every night's batch, in full
    assert profile.same_minutes(start + 3600, start + 3720) == 0
    assert math.isclose(DailyProfile().same_minutes(0.0, 60.0), 0.0)
