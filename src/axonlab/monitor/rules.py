"""Rolling counts per key and the rules that call a rise in negative opinion a surge.

For each key the monitor keeps the items of the last ``window`` seconds (the *window*) and of the
``baseline`` seconds before it (the *baseline*), as counts of items and negative items. Each new
item is judged with the counts up to and including it:

- ``zscore``: the window's negative share ``p`` against the baseline share ``p0`` (smoothed,
  ``(neg + 1) / (n + 2)``), in standard errors of a binomial share: ``(p - p0) / sqrt(p0 (1 - p0)
  / n)`` at or above ``rule.zscore``;
- ``share``: ``p`` at or above an absolute ``rule.share``;
- ``cusum``: Page's cumulative sum over items, ``S = max(0, S + x - p0 - drift)`` with ``x`` 1
  for a negative item, at or above ``rule.cusum_limit`` (then ``S`` starts again from 0); it
  catches a long, moderate rise that no single window shows.

Every rule waits for ``min_count`` items in the window (and ``min_baseline`` in the baseline,
except ``share``), and a key raises a rule's alert at most once per ``cooldown``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from axonlab.monitor.config import RuleSettings


@dataclass
class Alert:
    """A rule firing for a key at ``ts`` (seconds since the epoch)."""

    ts: float
    key: str
    rule: str
    negative_share: float
    count: int  # items in the window
    baseline_share: float | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class KeyState:
    """One key's rolling counts and CUSUM sum."""

    window: deque = field(default_factory=deque)  # (ts, negative) in the window
    baseline: deque = field(default_factory=deque)  # (ts, negative) before it
    n: int = 0
    neg: int = 0
    n_base: int = 0
    neg_base: int = 0
    cusum: float = 0.0
    last_ts: float = -math.inf

    def add(self, ts: float, negative: bool, window: float, baseline: float) -> None:
        # Items may arrive a little out of order: counted at the latest time seen, so the
        # deques stay sorted and every item leaves them exactly once.
        ts = max(ts, self.last_ts)
        self.last_ts = ts
        self.window.append((ts, negative))
        self.n, self.neg = self.n + 1, self.neg + negative
        while self.window and self.window[0][0] <= ts - window:
            moved = self.window.popleft()
            self.baseline.append(moved)
            self.n, self.neg = self.n - 1, self.neg - moved[1]
            self.n_base, self.neg_base = self.n_base + 1, self.neg_base + moved[1]
        while self.baseline and self.baseline[0][0] <= ts - window - baseline:
            dropped = self.baseline.popleft()
            self.n_base, self.neg_base = self.n_base - 1, self.neg_base - dropped[1]

    @property
    def share(self) -> float:
        return self.neg / self.n if self.n else 0.0

    @property
    def baseline_share(self) -> float:
        return (self.neg_base + 1) / (self.n_base + 2)


class SurgeRules:
    """The rolling state of every key and the rules judged on it."""

    def __init__(self, rules: list[str], settings: RuleSettings, *, window: float, baseline: float):
        self.rules, self.settings = list(rules), settings
        self.window, self.baseline = window, baseline
        self.keys: dict[str, KeyState] = {}
        self.last_alert: dict[tuple[str, str], float] = {}

    def observe(self, ts: float, keys: list[str], negative: bool) -> list[Alert]:
        """Count one item under each of ``keys``; the alerts it sets off."""
        alerts = []
        for key in keys:
            state = self.keys.setdefault(key, KeyState())
            state.add(ts, negative, self.window, self.baseline)
            alerts += self._judge(key, state, negative)
        return alerts

    def _judge(self, key: str, state: KeyState, negative: bool) -> list[Alert]:
        s = self.settings
        p0 = state.baseline_share
        has_baseline = state.n_base >= s.min_baseline
        if has_baseline:
            state.cusum = max(0.0, state.cusum + negative - p0 - s.cusum_drift)
        if state.n < s.min_count:
            return []
        fired = []
        for rule in self.rules:
            if rule == "share":
                hit, detail = state.share >= s.share, {}
            elif not has_baseline:
                continue
            elif rule == "zscore":
                z = (state.share - p0) / math.sqrt(p0 * (1 - p0) / state.n)
                hit, detail = z >= s.zscore, {"z": round(z, 3)}
            else:
                hit, detail = state.cusum >= s.cusum_limit, {"cusum": round(state.cusum, 3)}
                if hit:
                    state.cusum = 0.0
            if hit and state.last_ts >= self.last_alert.get((key, rule), -math.inf) + s.cooldown:
                self.last_alert[(key, rule)] = state.last_ts
                fired.append(
                    Alert(
                        state.last_ts,
                        key,
                        rule,
                        state.share,
                        state.n,
                        p0 if has_baseline else None,
                        detail,
                    )
                )
        return fired

    def snapshot(self, key: str) -> dict[str, Any] | None:
        """The key's window now: items, negative share, baseline share."""
        state = self.keys.get(key)
        if state is None:
            return None
        return {
            "count": state.n,
            "negative_share": state.share,
            "baseline_share": state.baseline_share,
        }
