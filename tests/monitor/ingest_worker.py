"""A monitor reading one source file to its end, for the kill -9 test:
``python -m tests.monitor.ingest_worker STORE SOURCE``."""

from __future__ import annotations

import sys
from pathlib import Path

from axonlab.monitor import Monitor, MonitorConfig, Store
from axonlab.monitor.service import MonitorService
from tests.monitor.conftest import KeywordSentiment


def main(store: str, source: str) -> None:
    config = MonitorConfig(
        store=Path(store),
        sentiment=Path("unused"),
        sources=[{"path": source, "name": "feed"}],
        batch_size=25,
        rule={"min_count": 5, "min_baseline": 10, "cooldown": "1h"},
        window="10m",
        baseline="1h",
        rules=["zscore", "share", "cusum"],
    )
    service = MonitorService(Monitor(config, Store(config.store), sentiment=KeywordSentiment()))
    while service.poll():
        pass


if __name__ == "__main__":
    main(*sys.argv[1:])
