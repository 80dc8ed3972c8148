"""The monitor's configuration: one YAML file, validated, every mistake named by its key path.

    store: monitor.db                 # SQLite database (created; WAL mode)
    sentiment: runs/phrasebank        # a classification run
    topic: runs/topics                # optional: a second run, each topic a series of its own
    sources:
      - path: feeds/                  # a file or a folder of .tsv / .jsonl files, tailed
    window: 60m                       # the longest span the rules scan
    baseline: 14d                     # the oldest item a series' baseline may hold
    rules: [volume]                   # any of volume, zscore, share, cusum
    alert_on: [key, cashtag, topic, all]  # which series may raise alerts
    webhook: {url: http://hooks.example/alerts}

Durations are numbers with a unit: ``s``, ``m``, ``h`` or ``d`` (``90s``, ``60m``, ``1.5h``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from axonlab.errors import InputError
from axonlab.yaml_specs import load_yaml

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(value: str | float | int) -> float:
    """Seconds in ``"60m"`` (s, m, h or d); a bare number is seconds. Raises ``InputError``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise InputError(f"{value!r} is not a duration: expected e.g. 90s, 60m, 24h or 7d")
        seconds = float(match[1]) * _UNITS[match[2]]
    if not seconds > 0:
        raise InputError(f"a duration must be > 0, got {value!r}")
    return seconds


def _duration(value: object) -> float:
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except InputError as err:
        raise ValueError(str(err)) from None


Seconds = Annotated[float, BeforeValidator(_duration)]
RuleName = Literal["volume", "zscore", "share", "cusum"]
# The series an item counts in, narrowest first (axonlab.monitor.items.series_kind).
SeriesKind = Literal["key", "cashtag", "topic", "all"]
SERIES_KINDS: tuple[str, ...] = ("key", "cashtag", "topic", "all")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSettings(_Strict):
    """When a series counts as surging (see :mod:`axonlab.monitor.rules`). The defaults were
    measured on streams of 0.3 to 50 items an hour per key (docs/benchmarks.md, monitor)."""

    volume: float = Field(
        7.0, gt=0, description="volume: alert at this surprise (-log10 p) of the negative count"
    )
    # 2, not 1.3: with the same-time count expected, 1.3 still let 10-20 per 10k false alerts
    # through on headline streams; 3 missed mixed surges (docs/benchmarks.md, monitor-rates)
    volume_share: float = Field(
        2.0, ge=0, description="volume: and at this surprise (-log10 p) of the negative share"
    )
    min_negative: int = Field(5, ge=1, description="volume: fewest negative items in a surge")
    same_time: bool = Field(
        True, description="volume: expect the rate at this time of day (off: the mean rate)"
    )
    zscore: float = Field(4.0, gt=0, description="zscore: alert at this many standard errors")
    share: float = Field(0.6, gt=0, le=1, description="share: alert at this negative share")
    cusum_drift: float = Field(0.1, ge=0, description="cusum: slack above the baseline share")
    cusum_limit: float = Field(8.0, gt=0, description="cusum: alert when the sum passes this")
    min_count: int = Field(10, ge=1, description="zscore, share: fewest items in the window")
    min_baseline: int = Field(20, ge=1, description="fewest items in the baseline to judge it")
    baseline_items: int = Field(
        200, ge=2, description="the baseline: at most this many items before the window"
    )
    cooldown: Seconds = Field(6 * 3600.0, description="no second alert for a key and rule sooner")

    @model_validator(mode="after")
    def _sizes(self) -> RuleSettings:
        if self.min_baseline > self.baseline_items:
            raise ValueError(
                f"min_baseline {self.min_baseline} is more than baseline_items "
                f"{self.baseline_items}: no series would ever be judged"
            )
        return self


class SourceSettings(_Strict):
    path: Path  # a file or a folder of them; .jsonl is JSON lines, anything else TSV
    name: str | None = None  # the items' source name (default: the path)


class WebhookSettings(_Strict):
    url: str = Field(pattern=r"^https?://")
    retries: int = Field(5, ge=0)
    timeout_s: float = Field(5.0, gt=0)


class ServerSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8100, ge=0, le=65535)


class MonitorConfig(_Strict):
    """Everything ``axonlab monitor run`` needs; paths are relative to the config file."""

    store: Path
    sentiment: Path
    topic: Path | None = None
    sources: list[SourceSettings] = Field(default_factory=list)
    negative: list[str] = Field(["negative", "bearish"], min_length=1)
    positive: list[str] = Field(["positive", "bullish"])
    window: Seconds = 3600.0
    baseline: Seconds = 14 * 86400.0
    rules: list[RuleName] = Field(["volume"], min_length=1)
    alert_on: list[SeriesKind] = Field(list(SERIES_KINDS), min_length=1)
    rule: RuleSettings = Field(default_factory=RuleSettings)
    cashtags: bool = True  # a $TICKER in the text is a key of its own
    webhook: WebhookSettings | None = None
    server: ServerSettings = Field(default_factory=ServerSettings)
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx-int8"
    batch_size: int = Field(64, ge=1)
    poll_seconds: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _distinct(self) -> MonitorConfig:
        both = set(self.negative) & set(self.positive)
        if both:
            raise ValueError(f"negative and positive share labels {sorted(both)}")
        return self

    def relative_to(self, folder: Path) -> MonitorConfig:
        """This config with its relative paths read from ``folder``."""
        fix = lambda p: p if p is None or p.is_absolute() else folder / p  # noqa: E731
        sources = [s.model_copy(update={"path": fix(s.path)}) for s in self.sources]
        return self.model_copy(
            update={
                "store": fix(self.store),
                "sentiment": fix(self.sentiment),
                "topic": fix(self.topic),
                "sources": sources,
            }
        )


def load_config(path: str | Path) -> MonitorConfig:
    """Read and validate a monitor YAML file; raises ``InputError`` with the key path."""
    path = Path(path)
    config = load_yaml(
        path, MonitorConfig, kind="monitor config", expected="a mapping with store, sentiment, ..."
    )
    return config.relative_to(path.resolve().parent)
