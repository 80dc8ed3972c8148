from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from axonlab.monitor import Monitor, Store
from axonlab.monitor.config import WebhookSettings
from axonlab.monitor.service import MonitorService, create_monitor_app
from axonlab.monitor.webhook import WebhookNotifier
from tests.monitor.conftest import stream
from tests.paths import ROOT


def _lines(items) -> str:
    return "".join(
        json.dumps({"time": it.time, "text": it.text, "key": it.key}) + "\n" for it in items
    )


@pytest.fixture()
def service(config, sentiment) -> MonitorService:
    return MonitorService(Monitor(config, Store(config.store), sentiment=sentiment))


def test_ingest_is_idempotent_and_answers_after_storing(service):
    from fastapi.testclient import TestClient

    client = TestClient(create_monitor_app(service))
    body = _lines(stream(30))
    first = client.post("/v1/ingest", content=body).json()
    assert (first["received"], first["stored"]) == (30, 30)
    assert service.monitor.store.counts()["items"] == 30
    retry = client.post("/v1/ingest", content=body).json()  # the client never saw the answer
    assert (retry["received"], retry["stored"]) == (30, 0)
    assert client.get("/v1/status").json()["items"] == 30
    series = client.get("/v1/series", params={"key": "ACME", "bucket": "10m"}).json()
    assert [p["count"] for p in series["series"]] == [10, 10, 10]
    assert series["series"][0]["negative_share"] == pytest.approx(0.1)
    assert client.get("/v1/items", params={"key": "ACME", "limit": 2}).json()[0]["text"]


def test_ingest_names_a_bad_line(service):
    from fastapi.testclient import TestClient

    client = TestClient(create_monitor_app(service))
    body = '{"time": "2019-05-03", "text": "ok"}\n{"time": "2019-05-03"}\n'
    response = client.post("/v1/ingest", content=body)
    assert response.status_code == 400 and "line 2: missing text" in response.json()["detail"]
    assert service.monitor.store.counts()["items"] == 0  # nothing of a bad request is kept


def test_sources_are_tailed_from_their_stored_offsets(tmp_path, config, sentiment):
    feed = tmp_path / "feeds"
    feed.mkdir()
    (feed / "a.tsv").write_text("time\ttext\tkey\n2019-05-03T10:00:00Z\tACME falls\tACME\n")
    (feed / "b.jsonl").write_text(
        '{"time": "2019-05-03T10:01:00Z", "text": "ACME rises"}\nnot json\n{"time": "2019'
    )
    config = type(config).model_validate({**config.model_dump(), "sources": [{"path": feed}]})
    service = MonitorService(Monitor(config, Store(config.store), sentiment=sentiment))
    while service.poll():
        pass
    assert service.monitor.store.counts()["items"] == 2 and service.rejected == 1
    with open(feed / "b.jsonl", "a") as handle:  # the half-written line is finished
        handle.write('-05-03T10:02:00Z", "text": "late"}\n')
    service.monitor.store.close()
    restarted = MonitorService(Monitor(config, Store(config.store), sentiment=sentiment))
    while restarted.poll():
        pass
    texts = sorted(it["text"] for it in restarted.monitor.store.items())
    assert texts == ["ACME falls", "ACME rises", "late"]


@pytest.mark.slow
def test_a_killed_ingest_loses_and_repeats_nothing(tmp_path):
    source = tmp_path / "feed.tsv"
    rows = [
        f"2019-05-03T{h:02d}:{m:02d}:00Z\tACME {'falls' if i % 3 == 0 else 'holds'}\tACME"
        for i, (h, m) in enumerate((i // 60, i % 60) for i in range(1200))
    ]
    source.write_text("time\ttext\tkey\n" + "\n".join(rows) + "\n")

    def worker(store: Path, pause_s: float = 0.0) -> subprocess.Popen:
        command = [sys.executable, "-m", "tests.monitor.ingest_worker", str(store), str(source)]
        command.append(str(pause_s))
        return subprocess.Popen(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)})

    whole = tmp_path / "whole.db"
    assert worker(whole).wait(60) == 0
    killed = tmp_path / "killed.db"
    stored = lambda: Store(killed).counts()["items"] if killed.exists() else 0  # noqa: E731
    kills_part_way = 0
    for _ in range(3):  # kill it part-way, up to three times, then let it finish
        proc = worker(killed, pause_s=0.02)
        deadline = time.monotonic() + 60
        start = stored()
        while time.monotonic() < deadline and proc.poll() is None:
            if stored() > start + 100:
                break
            time.sleep(0.01)
        proc.kill()  # a worker that already finished is left as it is
        if proc.wait() == -signal.SIGKILL and stored() < len(rows):
            kills_part_way += 1
    assert kills_part_way >= 1
    assert worker(killed).wait(60) == 0
    a, b = Store(whole), Store(killed)
    assert b.counts()["items"] == a.counts()["items"] == 1200
    assert b.aggregates() == a.aggregates()
    ids = lambda s: [r[0] for r in s._rows("SELECT id FROM items ORDER BY id")]  # noqa: E731
    assert ids(b) == ids(a)


class _Receiver(BaseHTTPRequestHandler):
    fail_first = 2
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(body)
        code = 500 if len(type(self).received) <= type(self).fail_first else 200
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_until_the_receiver_takes_the_alert(config, sentiment):
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monitor = Monitor(config, Store(config.store), sentiment=sentiment)
    url = f"http://127.0.0.1:{server.server_port}/hook"
    notifier = WebhookNotifier(monitor.store, WebhookSettings(url=url), first_wait=0.01)
    monitor.on_alert = notifier.notify
    notifier.start()
    monitor.process(stream(600))
    _, alerts = monitor.process(stream(40, negative_every=1, start=600 * 60.0))
    deadline = time.monotonic() + 10
    while monitor.store.alerts(undelivered=True) and time.monotonic() < deadline:
        time.sleep(0.02)
    notifier.close()
    server.shutdown()
    assert monitor.store.alerts(undelivered=True) == []
    delivered = [r["id"] for r in _Receiver.received[2:]]
    assert delivered == [a["id"] for a in alerts]  # each once, in order, after two failures
    assert _Receiver.received[0]["id"] == alerts[0]["id"]


def test_a_dead_webhook_never_blocks_ingestion(config, sentiment):
    monitor = Monitor(config, Store(config.store), sentiment=sentiment)
    notifier = WebhookNotifier(monitor.store, WebhookSettings(url="http://127.0.0.1:9/x"))
    monitor.on_alert = notifier.notify
    notifier.start()
    start = time.monotonic()
    monitor.process(stream(600))
    monitor.process(stream(40, negative_every=1, start=600 * 60.0))
    assert time.monotonic() - start < 5
    notifier.close()
    assert monitor.store.alerts(undelivered=True)  # kept for a later try
