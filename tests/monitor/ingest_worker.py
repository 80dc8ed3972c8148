"""A monitor reading one source file to its end, for the kill -9 test:
``python -m tests.monitor.ingest_worker STORE SOURCE [PAUSE_S]``: the pause between batches
keeps the whole read long enough for the test to kill it part-way on a fast machine."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from axonlab.monitor import Monitor, MonitorConfig, Store
from axonlab.monitor.service import MonitorService
from tests.monitor.conftest import KeywordSentiment


def main(store: str, source: str, pause_s: str = "0") -> None:
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
        time.sleep(float(pause_s))


if __name__ == "__main__":
    main(*sys.argv[1:])
