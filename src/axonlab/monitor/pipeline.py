"""The monitor's pipeline: new items -> classify -> judge -> store, one batch at a time.

:class:`Monitor` is the same for a live service and a replay: a batch drops the items already
stored (by id), is classified, counted in the rolling windows, judged by the rules, and written
with the alerts it set off (and the files' new read offsets) in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from axonlab.errors import InputError
from axonlab.monitor.config import MonitorConfig
from axonlab.monitor.items import FileCursor, Item, item_keys
from axonlab.monitor.rules import Alert, SurgeRules
from axonlab.monitor.store import Judged, Store

log = logging.getLogger("axonlab.monitor")


def load_classifier(run_dir: Path, backend: str) -> Any:
    """A classification run, on ``backend`` (``torch``, ``onnx`` or ``onnx-int8``)."""
    from axonlab.runs import RunDirectory
    from axonlab.text.predict.onnx import load_on_backend

    run = RunDirectory(run_dir)
    run.require_complete()
    task = run.config().get("task")
    if task not in ("classify", "intent"):
        raise InputError(f"{run_dir} is not a classification run (its task is {task!r})")
    model = load_on_backend(run_dir, backend)
    if not hasattr(model, "labels"):
        raise InputError(f"{run_dir} is not a classification run (its task is {model.task!r})")
    return model


class Monitor:
    """Classify, count, judge and store items. ``sentiment`` and ``topic`` are loaded text
    models (``predict(texts)`` -> ``[{"label", "score"}]``); ``on_alert`` hears each alert
    after it is stored."""

    def __init__(
        self,
        config: MonitorConfig,
        store: Store,
        *,
        sentiment: Any,
        topic: Any = None,
        on_alert: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.config, self.store = config, store
        self.sentiment, self.topic = sentiment, topic
        self.on_alert = on_alert
        negative = set(config.negative) & set(sentiment.labels)
        if not negative:
            raise InputError(
                f"none of the sentiment run's labels {list(sentiment.labels)} is negative; "
                f"name them under `negative` (now {config.negative})"
            )
        self.negative, self.positive = negative, set(config.positive)
        self.rules = SurgeRules(
            list(config.rules),
            config.rule,
            window=config.window,
            baseline=config.baseline,
            alert_on=config.alert_on,
        )
        self._warm_up()

    @classmethod
    def from_config(cls, config: MonitorConfig, **kwargs: Any) -> Monitor:
        """Load the runs named in ``config`` and open its store."""
        sentiment = load_classifier(config.sentiment, config.backend)
        topic = load_classifier(config.topic, config.backend) if config.topic else None
        return cls(config, Store(config.store), sentiment=sentiment, topic=topic, **kwargs)

    def _warm_up(self) -> None:
        """Rebuild the rolling counts and cool-downs from the store (after a restart)."""
        last = self.store.last_time()
        if last is None:
            return
        since = last - self.config.window - self.config.baseline
        for ts, keys, negative in self.store.recent(since):
            self.rules.observe(ts, keys, negative)  # alerts already stored, not raised again
        self.rules.last_alert = self.store.last_alerts()

    def process(
        self, items: Sequence[Item], cursors: dict[str, FileCursor] | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """Take a batch: ``(items stored, alerts raised)``. Items whose id is stored already,
        or repeated within the batch, are skipped."""
        seen = self.store.known([it.id for it in items])
        fresh = []
        for it in items:
            if it.id not in seen:
                seen.add(it.id)
                fresh.append(it)
        judged = self._classify(fresh)
        alerts: list[Alert] = []
        for j in judged:
            alerts += self.rules.observe(j.item.ts, j.keys, j.negative)
        ids = self.store.write(judged, alerts, cursors)
        raised = [_alert_dict(a, i) for a, i in zip(alerts, ids, strict=True)]
        for alert in raised:
            log.warning(
                "ALERT %s %s %s: negative share %.2f over %d items (baseline %s)",
                alert["time"],
                alert["key"],
                alert["rule"],
                alert["negative_share"],
                alert["count"],
                _share(alert["baseline_share"]),
            )
            if self.on_alert is not None:
                self.on_alert(alert)
        return len(judged), raised

    def _classify(self, items: list[Item]) -> list[Judged]:
        if not items:
            return []
        texts = [it.text for it in items]
        size = self.config.batch_size
        sentiments = self.sentiment.predict(texts, batch_size=size)
        topics = self.topic.predict(texts, batch_size=size) if self.topic else [None] * len(items)
        judged = []
        for it, s, t in zip(items, sentiments, topics, strict=True):
            topic = t["label"] if t else None
            judged.append(
                Judged(
                    item=it,
                    label=s["label"],
                    score=float(s["score"]),
                    negative=s["label"] in self.negative,
                    positive=s["label"] in self.positive,
                    keys=item_keys(it, cashtags=self.config.cashtags, topic=topic),
                    topic=topic,
                )
            )
        return judged


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _alert_dict(alert: Alert, alert_id: int) -> dict[str, Any]:
    from axonlab.monitor.items import iso

    return {
        "id": alert_id,
        "time": iso(alert.ts),
        "key": alert.key,
        "rule": alert.rule,
        "negative_share": alert.negative_share,
        "count": alert.count,
        "baseline_share": alert.baseline_share,
        **alert.detail,
    }
