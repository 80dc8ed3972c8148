"""Financial opinion monitor: classify a stream of dated texts, keep every item, alert on surges.

>>> from axonlab import monitor
>>> config = monitor.load_config("monitor.yaml")
>>> monitor.run_service(config)                        # tail sources, ingest, dashboard
>>> items = monitor.read_items("headlines.tsv")        # time, text, key
>>> monitor.replay(items, config, sentiment=text.load("runs/phrasebank"))["alerts"]

Modules, in the order an item meets them: :mod:`~axonlab.monitor.items` (reading and keys),
:mod:`~axonlab.monitor.pipeline` (classify, judge, store), :mod:`~axonlab.monitor.rules`
(rolling counts and surge rules), :mod:`~axonlab.monitor.store` (SQLite),
:mod:`~axonlab.monitor.webhook`, :mod:`~axonlab.monitor.service` (the running process) and
:mod:`~axonlab.monitor.backtest` (replay).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "Alert": "axonlab.monitor.rules",
    "Item": "axonlab.monitor.items",
    "Monitor": "axonlab.monitor.pipeline",
    "MonitorConfig": "axonlab.monitor.config",
    "Store": "axonlab.monitor.store",
    "SurgeRules": "axonlab.monitor.rules",
    "load_config": "axonlab.monitor.config",
    "read_items": "axonlab.monitor.items",
    "replay": "axonlab.monitor.backtest",
    "run_service": "axonlab.monitor.service",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
