"""One series' rolling counts: the items of the last ``window`` seconds, and a baseline of what
the series usually sees.

The baseline is what came before the window: the last ``baseline_items`` items or the last day,
whichever holds more, none older than ``baseline`` seconds. A ticker with one item an hour gets a
week of items, a feed with fifty a minute a day's worth, so each series is judged against its
own rate (a fixed 24 h baseline never held enough items of a one-an-hour ticker to judge it at
all), and every baseline spans at least one daily cycle, with its usual bursts.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field

from axonlab.monitor.profile import DailyProfile


@dataclass
class Series:
    """One series' window, baseline, daily profile and CUSUM sum. Window entries are ``(ts,
    negative, keys)`` (``keys``: every series the item counts in, to name what drove an alert);
    baseline entries ``(ts, negative)``. The profile holds the negative items of the last
    ``baseline`` seconds before the window, by time of day."""

    window: deque = field(default_factory=deque)
    baseline: deque = field(default_factory=deque)
    n: int = 0  # items in the window
    neg: int = 0  # negative items in the window
    n_base: int = 0
    neg_base: int = 0
    profile: DailyProfile = field(default_factory=DailyProfile)
    cusum: float = 0.0
    last_ts: float = -math.inf

    def add(
        self,
        ts: float,
        negative: bool,
        keys: tuple[str, ...],
        *,
        window: float,
        baseline: float,
        baseline_items: int,
        baseline_day: float = 86400.0,
    ) -> None:
        # Items may arrive a little out of order: counted at the latest time seen, so the
        # deques stay sorted and every item leaves them exactly once.
        ts = max(ts, self.last_ts)
        self.last_ts = ts
        self.window.append((ts, negative, keys))
        self.n, self.neg = self.n + 1, self.neg + negative
        while self.window and self.window[0][0] <= ts - window:
            old_ts, old_negative, _ = self.window.popleft()
            self.baseline.append((old_ts, old_negative))
            self.profile.add(old_ts, old_negative)
            self.n, self.neg = self.n - 1, self.neg - old_negative
            self.n_base, self.neg_base = self.n_base + 1, self.neg_base + old_negative
        start = ts - window  # the baseline ends where the window starts
        self.profile.advance(start, baseline)
        while self.baseline and (
            (self.n_base > baseline_items and self.baseline[0][0] < start - baseline_day)
            or self.baseline[0][0] <= start - baseline
        ):
            _, dropped = self.baseline.popleft()
            self.n_base, self.neg_base = self.n_base - 1, self.neg_base - dropped

    @property
    def share(self) -> float:
        """The window's negative share."""
        return self.neg / self.n if self.n else 0.0

    @property
    def baseline_share(self) -> float:
        """The baseline's negative share, smoothed: ``(neg + 1) / (n + 2)``."""
        return (self.neg_base + 1) / (self.n_base + 2)

    def baseline_rates(self, window: float) -> tuple[float, float]:
        """``(items, negative items)`` per second over the baseline: its counts over the time
        from its oldest item to the window's start. The negative count is smoothed by half an
        item, so a series that has never had a negative item still has a rate above zero."""
        if not self.baseline:
            return 0.0, 0.0
        span = max(self.last_ts - window - self.baseline[0][0], window)
        return self.n_base / span, (self.neg_base + 0.5) / span

    def negative_runs(self) -> list[tuple[float, int, int]]:
        """Each stretch of the window that ends now and starts at a negative item, newest first:
        ``(start ts, negative items, items)`` in it."""
        runs, n, k = [], 0, 0
        for ts, negative, _ in reversed(self.window):
            n += 1
            if negative:
                k += 1
                runs.append((ts, k, n))
        return runs

    def drivers(self, since: float, own: str, top: int = 3) -> list[list]:
        """The series whose negative items in the window since ``since`` most often came along
        with this one's: ``[[key, negative items], ...]`` (this series and all items left out)."""
        counts: Counter = Counter()
        for ts, negative, keys in self.window:
            if negative and ts >= since:
                counts.update(k for k in keys if k != own and k != "*")
        return [[key, count] for key, count in counts.most_common(top)]
