"""A series' usual rate of negative items at each time of day: what the volume rule expects.

Few streams are steady. Headlines come in a nightly batch (CNBC publishes a third of its day
within two hours), tickers are busy while their market is open. Against the mean rate, every
nightly batch is a surge, and a surge in the quiet hours looks ordinary. So each series keeps
the times of its negative items for the ``history`` it may look back (the monitor's
``baseline``, 14 d) in half-hour bins of the day, and the rate expected over a stretch comes
from the bins around that time of day: their negative items over the time they were watched,
on every earlier day and earlier today. That rate is shrunk, by a Gamma prior worth one day of
watching, toward the rate of the six hours around it, itself shrunk toward the series' mean
rate: a series with a day of history is judged by its mean rate and its last hours, a
month-old one by its own daily cycle. A batch that comes at the same minutes every night is
expected in full: the expected count is never below the mean count those minutes held on the
earlier days.

The rate is an estimate, so the count a stretch may hold is not Poisson but the Gamma-Poisson
mixture, a negative binomial with the posterior's shape (:func:`~axonlab.monitor.tails.
negative_binomial_surprise`): the fewer items behind the estimate, the heavier its tail.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field

DAY = 86400.0
BIN = 1800.0  # seconds of the day per bin
PAD = 1800.0  # the rate at a stretch is read from the bins this far around it
BAND = 3 * 3600.0  # ... and the prior for that rate from the bins this far around it
assert PAD % BIN == 0 and BAND % BIN == 0
PRIOR_DAYS = 1.0  # each prior weighs as much as this many days of the bins' own counts


def _time_in_bin(t: float, start: float) -> float:
    """Seconds in ``[0, t]`` whose time of day lies in the bin starting at ``start``."""
    whole, rest = divmod(t, DAY)
    return whole * BIN + min(max(rest - start, 0.0), BIN)


@dataclass
class DailyProfile:
    """Negative items per bin of the day over ``[first, end]``: from the series' first item (or
    ``history`` seconds back) to the start of its window. Times are seconds since the epoch."""

    bins: list[int] = field(default_factory=lambda: [0] * int(DAY // BIN))
    times: deque = field(default_factory=deque)  # the negative items' times, oldest first
    first: float | None = None  # the series' first item
    end: float = -math.inf

    def advance(self, end: float, history: float) -> None:
        """Move the profile's end to ``end``; forget negative items older than ``history``."""
        self.end = max(self.end, end)
        oldest = self.end - history
        if self.first is not None and self.first < oldest:
            self.first = oldest
        while self.times and self.times[0] <= oldest:
            self.bins[self._bin(self.times.popleft())] -= 1

    def add(self, ts: float, negative: bool) -> None:
        """Count an item that left the window (only negative ones are kept)."""
        if self.first is None:
            self.first = ts
        if negative:
            self.times.append(ts)
            self.bins[self._bin(ts)] += 1

    def mean_rate(self) -> float:
        """Negative items per second over the profile, smoothed by half an item."""
        return (len(self.times) + 0.5) / max(self.watched, 2 * PAD)

    @property
    def watched(self) -> float:
        """Seconds the profile spans (0 before any item left the window)."""
        return self.end - self.first if self.first is not None else 0.0

    def rate(self, a: float, b: float) -> tuple[float, float]:
        """``(rate, shape)``: the negative items per second expected over ``[a, b]`` (seconds
        since the epoch) and the shape of its Gamma posterior, so the count over a stretch of
        ``t`` seconds there is negative binomial with mean ``rate * t`` and that shape. The
        prior is itself a posterior: the rate of the hours around, shrunk to the mean rate."""
        if self.first is None:
            return self.mean_rate(), 0.5
        shape, time = self._posterior(a - BAND, b + BAND, self.mean_rate())
        shape, time = self._posterior(a - PAD, b + PAD, shape / time)
        return shape / time, shape

    def _posterior(self, lo: float, hi: float, prior_rate: float) -> tuple[float, float]:
        """Gamma ``(shape, rate in seconds)`` of the negative rate in the bins over the times of
        day from ``lo`` to ``hi``: their counts and watched time, plus a prior at
        ``prior_rate`` worth ``PRIOR_DAYS`` of watching them."""
        first, last = math.floor(lo / BIN), math.floor(hi / BIN)
        if last - first + 1 >= len(self.bins):  # the whole day
            count, watched, span = len(self.times), self.watched, DAY
        else:
            count = watched = 0.0
            for j in range(first, last + 1):
                i = j % len(self.bins)
                count += self.bins[i]
                watched += _time_in_bin(self.end, i * BIN) - _time_in_bin(self.first, i * BIN)
            span = (last - first + 1) * BIN
        prior_time = PRIOR_DAYS * span
        return count + prior_rate * prior_time, max(watched, 0.0) + prior_time

    def same_minutes(self, a: float, b: float) -> float:
        """The mean count of negative items over exactly ``[a, b]`` of each earlier day the
        profile spans: a batch published at the same minutes every night is expected in full
        (the bins would spread it over an hour and a half)."""
        days = int((a - self.first) // DAY) if self.first is not None else 0
        if days < 1:
            return 0.0
        times = self.times
        total = sum(
            bisect.bisect_right(times, b - d * DAY) - bisect.bisect_left(times, a - d * DAY)
            for d in range(1, days + 1)
        )
        return total / days

    def bin_index(self, ts: float) -> int:
        """The bin ``ts`` falls in, counted from the epoch: :meth:`rate` over ``[a, b]`` is the
        same for every ``a`` in one bin (``PAD`` and ``BAND`` are whole bins)."""
        return math.floor(ts / BIN)

    def _bin(self, ts: float) -> int:
        return int((ts % DAY) // BIN)
