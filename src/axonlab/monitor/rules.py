"""The rules that call a rise in negative opinion a surge, judged on every series an item is in.

Each series (:class:`~axonlab.monitor.series.Series`) keeps the items of the last ``window``
seconds and a baseline of the ``baseline_items`` items before them, so it is judged against its
own rate, whatever that rate is. Each new item is judged with the counts up to and including it:

- ``volume`` (the default): a negative item that ends a stretch of the window holding ``k``
  negative items out of ``n`` fires when both are surprising against the baseline: ``k`` under
  a Poisson-like law at the series' usual rate of negative items over the stretch
  (``-log10 p >= rule.volume``), and ``k`` of ``n`` under a binomial law at the baseline's
  negative share (``>= rule.volume_share``), with ``k >= rule.min_negative``. Every stretch that
  starts at one of the window's negative items is tried (a scan statistic), so a burst of twenty
  items in ten minutes and one of forty over an hour are both seen. The count alone would fire on
  a news dump of ordinary items; the share alone on three negatives in a row on a quiet ticker;
  a surge is both. And a series' day has its own rhythm: the count is judged against the
  series' rate at that time of day (:class:`~axonlab.monitor.profile.DailyProfile`: its
  negative items around that time on earlier days, shrunk toward its mean rate, and never
  less than the mean count the same minutes held on earlier days), under the negative binomial
  law of a rate known from that many items (``rule.same_time``; off: the mean rate, Poisson).
  A nightly batch of headlines is no surge, and ten negative items in a quiet afternoon are.
- ``zscore``: the window's negative share ``p`` against the baseline share ``p0`` in standard
  errors of a binomial share, ``(p - p0) / sqrt(p0 (1 - p0) / n)`` at or above ``rule.zscore``;
- ``share``: ``p`` at or above an absolute ``rule.share``;
- ``cusum``: Page's cumulative sum over items, ``S = max(0, S + x - p0 - drift)`` with ``x`` 1
  for a negative item, at or above ``rule.cusum_limit`` (then ``S`` starts again from 0); it
  catches a long, moderate rise that no single window shows.

Every rule but ``share`` waits for ``min_baseline`` items in the baseline; ``zscore`` and
``share`` for ``min_count`` items in the window. A series raises a rule's alert at most once per
``cooldown``. Only the kinds of series in ``alert_on`` raise alerts, and a broader series (a
cashtag, a topic, all items) stays quiet while the series that drove it is within its own
cool-down: one surge, one alert, on the narrowest series that saw it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from axonlab.monitor.config import SERIES_KINDS, RuleSettings
from axonlab.monitor.items import iso, series_kind
from axonlab.monitor.series import Series
from axonlab.monitor.tails import (
    binomial_surprise,
    negative_binomial_surprise,
    poisson_point_surprise,
)

HOUR = 3600.0


@dataclass
class Alert:
    """A rule firing for a series (``key``) at ``ts`` (seconds since the epoch)."""

    ts: float
    key: str
    rule: str
    negative_share: float
    count: int  # items in the window (volume: in the stretch that fired)
    baseline_share: float | None
    detail: dict[str, Any] = field(default_factory=dict)


class SurgeRules:
    """The rolling state of every series and the rules judged on it. ``window`` is the longest
    stretch the rules look at, ``baseline`` the oldest item a baseline keeps (seconds)."""

    def __init__(
        self,
        rules: list[str],
        settings: RuleSettings,
        *,
        window: float,
        baseline: float,
        alert_on: list[str] | tuple[str, ...] = SERIES_KINDS,
    ):
        self.rules, self.settings = list(rules), settings
        self.window, self.baseline = window, baseline
        self.alert_on = set(alert_on)
        self.keys: dict[str, Series] = {}
        self.last_alert: dict[tuple[str, str], float] = {}

    def observe(self, ts: float, keys: list[str], negative: bool) -> list[Alert]:
        """Count one item under each of ``keys`` (its series); the alerts it sets off. The
        narrowest series are judged first, so a broader one knows when its driver alerted."""
        members = tuple(keys)
        alerts = []
        for key in sorted(members, key=lambda k: SERIES_KINDS.index(series_kind(k))):
            series = self.keys.get(key)
            if series is None:
                series = self.keys[key] = Series()
            series.add(
                ts,
                negative,
                members,
                window=self.window,
                baseline=self.baseline,
                baseline_items=self.settings.baseline_items,
            )
            alerts += self._judge(key, series, negative)
        return alerts

    def _judge(self, key: str, series: Series, negative: bool) -> list[Alert]:
        s = self.settings
        p0 = series.baseline_share
        has_baseline = series.n_base >= s.min_baseline
        if has_baseline:
            series.cusum = max(0.0, series.cusum + negative - p0 - s.cusum_drift)
        if series_kind(key) not in self.alert_on:
            return []
        fired = []
        for rule in self.rules:
            if rule == "share":
                alert = self._share(key, series) if series.n >= s.min_count else None
            elif not has_baseline:
                continue
            elif rule == "volume":
                alert = self._volume(key, series) if negative else None
            elif rule == "zscore":
                alert = self._zscore(key, series) if series.n >= s.min_count else None
            else:
                alert = self._cusum(key, series)
            if alert is not None and self._may_alert(key, rule, series.last_ts, alert):
                self.last_alert[(key, rule)] = series.last_ts
                fired.append(alert)
        return fired

    def _may_alert(self, key: str, rule: str, ts: float, alert: Alert) -> bool:
        if ts < self.last_alert.get((key, rule), -math.inf) + self.settings.cooldown:
            return False
        drivers = alert.detail.get("drivers") or []
        if series_kind(key) == "key" or not drivers:
            return True
        top = drivers[0][0]  # the same surge, already told on the narrower series
        return not any(
            ts - self.settings.cooldown < self.last_alert.get((top, r), -math.inf)
            for r in self.rules
        )

    def _volume(self, key: str, series: Series) -> Alert | None:
        s = self.settings
        _, negative_rate = series.baseline_rates(self.window)
        p0 = series.baseline_share
        floor = self.window / 12  # a burst at one instant is judged over 5 minutes of a 60 m window
        rates: dict[int, tuple[float, float]] = {}  # the profile's rate by the stretch's first bin
        best = None
        for start, k, n in series.negative_runs():
            if k < s.min_negative:
                continue
            seconds = max(series.last_ts - start, floor)
            if s.same_time:  # the rate at this time of day, the same for a bin's stretches
                a = series.last_ts - seconds
                slot = series.profile.bin_index(a)
                if slot not in rates:
                    rates[slot] = series.profile.rate(a, series.last_ts)
                rate, shape = rates[slot]
            else:
                rate, shape = negative_rate, math.inf  # a rate taken as known: Poisson
            expected = rate * seconds
            # the Poisson point bounds the tail from above: most stretches stop here
            if k <= expected or poisson_point_surprise(k, expected) < s.volume:
                continue
            share = binomial_surprise(k, n, p0)
            if share < s.volume_share:
                continue
            if s.same_time:  # only now, as most stretches never get this far
                usual = series.profile.same_minutes(series.last_ts - seconds, series.last_ts)
                expected = max(expected, usual)
            volume = negative_binomial_surprise(k, expected, shape)
            if volume >= s.volume and (best is None or volume > best[0]):
                best = (volume, share, start, k, n, seconds, expected)
        if best is None:
            return None
        volume, share, start, k, n, seconds, expected = best
        rate, _ = series.baseline_rates(self.window)
        detail = {
            "negatives": k,
            "expected_negatives": round(expected, 3),
            "minutes": round(seconds / 60, 1),
            "surprise": round(min(volume, 99.0), 2),
            "share_surprise": round(min(share, 99.0), 2),
            "rate_per_hour": round(rate * HOUR, 3),
            "negative_rate_per_hour": round(negative_rate * HOUR, 3),
            "since": iso(start),
        }
        if series_kind(key) != "key":
            detail["drivers"] = series.drivers(start, key)
        return Alert(series.last_ts, key, "volume", k / n, n, p0, detail)

    def _zscore(self, key: str, series: Series) -> Alert | None:
        p0 = series.baseline_share
        z = (series.share - p0) / math.sqrt(p0 * (1 - p0) / series.n)
        if z < self.settings.zscore:
            return None
        return self._window_alert(key, series, "zscore", {"z": round(z, 3)})

    def _share(self, key: str, series: Series) -> Alert | None:
        if series.share < self.settings.share:
            return None
        return self._window_alert(key, series, "share", {})

    def _cusum(self, key: str, series: Series) -> Alert | None:
        if series.cusum < self.settings.cusum_limit:
            return None
        detail = {"cusum": round(series.cusum, 3)}
        series.cusum = 0.0
        return self._window_alert(key, series, "cusum", detail)

    def _window_alert(self, key: str, series: Series, rule: str, detail: dict) -> Alert:
        """An alert over the whole window, with the series' usual rate and what drove it."""
        has_baseline = series.n_base >= self.settings.min_baseline
        rate, _ = series.baseline_rates(self.window)
        detail = {**detail, "negatives": series.neg, "rate_per_hour": round(rate * HOUR, 3)}
        if series_kind(key) != "key":
            detail["drivers"] = series.drivers(series.last_ts - self.window, key)
        share0 = series.baseline_share if has_baseline else None
        return Alert(series.last_ts, key, rule, series.share, series.n, share0, detail)

    def snapshot(self, key: str) -> dict[str, Any] | None:
        """The series' window now: items, negative share, baseline share and usual rate."""
        series = self.keys.get(key)
        if series is None:
            return None
        rate, negative_rate = series.baseline_rates(self.window)
        return {
            "count": series.n,
            "negative_share": series.share,
            "baseline_share": series.baseline_share,
            "rate_per_hour": rate * HOUR,
        }
