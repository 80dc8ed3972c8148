"""The financial opinion monitor, measured: sentiment quality, throughput, surge detection,
durability.

- quality: a sentiment run fine-tuned with the defaults on Financial PhraseBank train, dev
  accuracy and macro-F1 (anchor: FinBERT's published ~0.86 accuracy, Araci 2019);
- throughput: the dated CNBC and Guardian headlines through the whole pipeline (classify ->
  store in a SQLite file -> count -> judge), items/s per backend; and a live monitor's
  ingest-to-dashboard latency (POST /v1/ingest, then GET /v1/items until the item is there);
- detection: the headlines in time order with synthetic negative surges injected at known
  times (PhraseBank sentences the sentiment run calls negative, spread evenly over the surge),
  per rule and setting: share of surges alerted, delay from surge start to alert, false alerts
  per 10,000 items on the surge-free replay. The rules are the monitor's own
  (:class:`~axonlab.monitor.rules.SurgeRules`) on the classified stream;
- durability: a 100k-item file tailed by a monitor process killed with SIGKILL at random
  points and restarted, against an uninterrupted run: items lost, items stored twice, equal
  aggregates. The classifier here is a table of the sentiment run's labels (the store is what
  is tested, and the model would make each run minutes long).

    python benchmarks/bench_monitor.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
THREADS = 2
DAY = 86400.0
# Headlines arrive ~20 a day: the rules look at a day against the week before it.
WINDOW, BASELINE = DAY, 7 * DAY
SURGES = [(n, hours) for n in (10, 20, 40) for hours in (6, 24)]  # (items, spread over hours)


def _table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def headlines(finance: Path) -> list[tuple[float, str]]:
    """``(ts, headline)`` of every dated headline in ``finance/headlines``, in time order."""
    from axonlab.monitor.items import parse_time

    rows = []
    for name in ("cnbc.tsv", "guardian.tsv"):
        rows += [
            (parse_time(r["time"]), r["headline"]) for r in _table(finance / "headlines" / name)
        ]
    return sorted(rows)


def quality(finance: Path, run: Path) -> dict:
    from axonlab import text

    bank = finance / "phrasebank"
    if not (run / "metrics.json").exists():
        text.finetune("classify", train=bank / "train.tsv", dev=bank / "dev.tsv", out=run,
                      threads=THREADS)  # fmt: skip
    metrics = text.load(run).run_metrics()
    dev = metrics["dev"]
    return {
        "dev_accuracy": dev["accuracy"],
        "dev_macro_f1": dev["macro_f1"],
        "train_seconds": metrics["training"]["train_seconds"],
    }


def throughput(finance: Path, run: Path, tmp: Path) -> list[dict]:
    """Replay items/s per backend through a store file, and live ingest latency."""
    from axonlab.monitor import MonitorConfig, replay
    from axonlab.monitor.items import Item
    from axonlab.monitor.pipeline import load_classifier

    items = [Item(f"h{i}", ts, t) for i, (ts, t) in enumerate(headlines(finance))]
    results = []
    for backend in ("onnx-int8", "torch"):
        config = MonitorConfig(store=tmp / f"{backend}.db", sentiment=run, backend=backend,
                               window=WINDOW, baseline=BASELINE)  # fmt: skip
        model = load_classifier(run, backend)
        model.predict([t.text for t in items[:64]])  # warm-up (and the ONNX export)
        out = replay(items, config, sentiment=model, store=config.store)
        results.append({"name": f"replay, {backend}", "items": out["items"],
                        "items_per_second": out["items_per_second"]})  # fmt: skip
    results.append(_latency(run, tmp, items))
    return results


def _latency(run: Path, tmp: Path, items) -> dict:
    """Seconds from POST /v1/ingest of one item to GET /v1/items showing it (a real server)."""
    import threading

    import httpx
    import uvicorn

    from axonlab.monitor import Monitor, MonitorConfig, Store
    from axonlab.monitor.pipeline import load_classifier
    from axonlab.monitor.service import MonitorService, create_monitor_app

    config = MonitorConfig(store=tmp / "live.db", sentiment=run, window=WINDOW, baseline=BASELINE)
    monitor = Monitor(config, Store(config.store), sentiment=load_classifier(run, "onnx-int8"))
    app = create_monitor_app(MonitorService(monitor))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    latencies, batch_rates = [], []
    with httpx.Client(timeout=30) as client:
        for i, item in enumerate(items[:120]):
            line = json.dumps({"id": f"live{i}", "time": item.time, "text": item.text})
            start = time.perf_counter()
            client.post(base + "/v1/ingest", content=line + "\n").raise_for_status()
            while client.get(base + "/v1/items", params={"limit": 1}).json()[0]["id"] != f"live{i}":
                pass
            if i >= 20:  # the first 20 warm up
                latencies.append(time.perf_counter() - start)
        for start_at in range(1000, 6000, 1000):  # sustained: 1,000-line requests
            body = "".join(
                json.dumps({"id": f"bulk{j}", "time": it.time, "text": it.text}) + "\n"
                for j, it in enumerate(items[start_at : start_at + 1000], start=start_at)
            )
            start = time.perf_counter()
            client.post(base + "/v1/ingest", content=body).raise_for_status()
            batch_rates.append(1000 / (time.perf_counter() - start))
    server.should_exit = True
    return {
        "name": "live monitor, onnx-int8",
        "ingest_to_dashboard_p50_ms": 1000 * statistics.median(latencies),
        "ingest_to_dashboard_p95_ms": 1000 * sorted(latencies)[int(0.95 * len(latencies))],
        "http_ingest_items_per_second_median": statistics.median(batch_rates),
    }


def labelled_stream(finance: Path, run: Path) -> tuple[list[tuple[float, bool]], list[str]]:
    """The headlines as ``(ts, negative)`` by the sentiment run (int8 ONNX), and the PhraseBank
    dev+train sentences it calls negative (the surges' material)."""
    from axonlab.monitor.pipeline import load_classifier

    model = load_classifier(run, "onnx-int8")
    stream = headlines(finance)
    labels = [p["label"] for p in model.predict([t for _, t in stream])]
    bank = [r["text"] for f in ("train.tsv", "dev.tsv") for r in _table(finance / "phrasebank" / f)]
    negative = [
        t for t, p in zip(bank, model.predict(bank), strict=True) if p["label"] == "negative"
    ]
    return [
        (ts, label == "negative") for (ts, _), label in zip(stream, labels, strict=True)
    ], negative


def detection(stream: list[tuple[float, bool]], n_negative: int) -> list[dict]:
    """Per rule setting: surges alerted, delay, false alerts per 10k items."""
    from axonlab.monitor.config import RuleSettings

    settings = {
        "zscore 3": ("zscore", {"zscore": 3.0}),
        "zscore 4": ("zscore", {"zscore": 4.0}),
        "zscore 5": ("zscore", {"zscore": 5.0}),
        "share 0.5": ("share", {"share": 0.5}),
        "share 0.6": ("share", {"share": 0.6}),
        "cusum 0.1/5": ("cusum", {"cusum_drift": 0.1, "cusum_limit": 5.0}),
        "cusum 0.1/8": ("cusum", {"cusum_drift": 0.1, "cusum_limit": 8.0}),
        "cusum 0.2/8": ("cusum", {"cusum_drift": 0.2, "cusum_limit": 8.0}),
    }
    base = {"min_count": 10, "min_baseline": 50, "cooldown": 3 * DAY}
    span = (stream[0][0] + 14 * DAY, stream[-1][0] - 2 * DAY)
    rng = random.Random(0)
    starts = sorted(rng.uniform(*span) for _ in range(40))
    starts = [s for i, s in enumerate(starts) if i == 0 or s - starts[i - 1] > 10 * DAY]
    rows = []
    for name, (rule, options) in settings.items():
        rule_settings = RuleSettings(**base | options)
        clean = _alerts(stream, rule, rule_settings)
        row = {"setting": name, "false_alerts_per_10k": 1e4 * len(clean) / len(stream)}
        for size, hours in SURGES:
            injected, surges = _inject(stream, starts, size, hours * 3600.0)
            alerts = [a.ts for a in _alerts(injected, rule, rule_settings)]
            delays = []
            for start in surges:
                hit = [t - start for t in alerts if start <= t <= start + hours * 3600 + WINDOW]
                if hit:
                    delays.append(min(hit) / 3600)
            row[f"{size}/{hours}h"] = {
                "alerted": len(delays) / len(surges),
                "median_delay_h": statistics.median(delays) if delays else None,
            }
        rows.append(row)
    return [{"surges_per_setting": len(starts), "negative_pool": n_negative}, *rows]


def _inject(stream, starts, size: int, seconds: float):
    extra = [(s + seconds * (k + 0.5) / size, True) for s in starts for k in range(size)]
    return sorted(stream + extra), starts


def _alerts(stream, rule: str, settings) -> list:
    from axonlab.monitor.rules import SurgeRules

    rules = SurgeRules([rule], settings, window=WINDOW, baseline=BASELINE)
    return [a for ts, negative in stream for a in rules.observe(ts, ["*"], negative)]


def durability(finance: Path, run: Path, tmp: Path, kills: int) -> dict:
    """Kill -9 a tailing monitor at random points of a 100k-item file; compare with a run
    that was never killed."""
    from axonlab.monitor import Store
    from axonlab.monitor.pipeline import load_classifier

    stream = headlines(finance)
    model = load_classifier(run, "onnx-int8")
    labels = {t: p["label"] for (_, t), p in zip(stream, model.predict([t for _, t in stream]),
                                                  strict=True)}  # fmt: skip
    (tmp / "labels.json").write_text(json.dumps(labels))
    source = tmp / "feed.tsv"
    span = stream[-1][0] - stream[0][0] + DAY
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("time\ttext\tkey\n")
        from axonlab.monitor.items import iso

        for i in range(100_000):
            ts, text = stream[i % len(stream)]
            handle.write(f"{iso(ts + span * (i // len(stream)))}\t{text}\tK{i % 7}\n")

    def worker(store: Path) -> subprocess.Popen:
        spec = json.dumps(
            {"store": str(store), "source": str(source), "labels": str(tmp / "labels.json")}
        )
        return subprocess.Popen([sys.executable, __file__, "--child", spec])

    start = time.perf_counter()
    assert worker(tmp / "whole.db").wait() == 0
    whole_seconds = time.perf_counter() - start
    rng = random.Random(1)
    killed = tmp / "killed.db"
    stored_at_kill = []
    for _ in range(kills):
        proc = worker(killed)
        time.sleep(rng.uniform(1.0, 1.0 + whole_seconds / kills))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stored_at_kill.append(Store(killed).counts()["items"] if killed.exists() else 0)
    assert worker(killed).wait() == 0
    a, b = Store(tmp / "whole.db"), Store(killed)
    ids = lambda s: [r[0] for r in s._rows("SELECT id FROM items")]  # noqa: E731
    ids_a, ids_b = ids(a), ids(b)
    return {
        "items": len(ids_a),
        "kills": kills,
        "stored_at_each_kill": stored_at_kill,
        "lost": len(set(ids_a) - set(ids_b)),
        "duplicated": len(ids_b) - len(set(ids_b)),
        "same_aggregates": a.aggregates() == b.aggregates(),
        "alerts_whole_vs_killed": [a.counts()["alerts"], b.counts()["alerts"]],
        "uninterrupted_seconds": whole_seconds,
    }


def child(spec: dict) -> None:
    """A tailing monitor reading the durability file to its end (killed from outside)."""
    from axonlab.monitor import Monitor, MonitorConfig, Store
    from axonlab.monitor.service import MonitorService

    table = json.loads(Path(spec["labels"]).read_text())

    class Table:
        """The sentiment run's labels, looked up."""

        task = "classify"
        labels = ["negative", "neutral", "positive"]

        def predict(self, texts, batch_size=64):
            return [{"label": table.get(t, "neutral"), "score": 1.0} for t in texts]

    config = MonitorConfig(store=spec["store"], sentiment="table", window=WINDOW,
                           baseline=BASELINE, sources=[{"path": spec["source"], "name": "feed"}],
                           batch_size=256)  # fmt: skip
    service = MonitorService(Monitor(config, Store(config.store), sentiment=Table()))
    while service.poll():
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--run", type=Path, default=Path("/tmp/bench-monitor/phrasebank"),
                        help="the sentiment run (trained here if missing)")  # fmt: skip
    parser.add_argument("--parts", nargs="*",
                        default=["quality", "throughput", "detection", "durability"])  # fmt: skip
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--log", type=Path, default=Path("bench-monitor.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if not args.replay:
        import torch

        torch.set_num_threads(THREADS)
        finance = args.data / "finance"
        with (
            tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp,
            open(args.log, "a") as log,
        ):

            def record(part: str, result) -> None:
                line = json.dumps({"part": part, "result": result})
                print(line, file=sys.stderr, flush=True)
                log.write(line + "\n")
                log.flush()

            if "quality" in args.parts:
                record("quality", quality(finance, args.run))
            if "throughput" in args.parts:
                record("throughput", throughput(finance, args.run, Path(tmp)))
            if "detection" in args.parts:
                stream, negative = labelled_stream(finance, args.run)
                record("detection", detection(stream, len(negative)))
            if "durability" in args.parts:
                record("durability", durability(finance, args.run, Path(tmp), args.kills))
    from report import read_log, write_section

    records = read_log(args.log)
    write_section("monitor", tables(records))


def tables(records: list[dict]) -> str:
    latest = {r["part"]: r["result"] for r in records}  # the last run of each part
    lines = ["## Financial opinion monitor (`bench_monitor.py`)", ""]
    if "quality" in latest:
        q = latest["quality"]
        lines += [
            "### Sentiment quality (Financial PhraseBank dev, defaults: all-MiniLM-L6-v2)", "",
            "| model | dev accuracy | dev macro-F1 | train s |", "|---|---|---|---|",
            f"| axonlab classify | {q['dev_accuracy']:.3f} | {q['dev_macro_f1']:.3f} | "
            f"{q['train_seconds']:.0f} |",
            "| FinBERT (Araci 2019, published; BERT-base) | ~0.86 | | |", "",
        ]  # fmt: skip
    if "throughput" in latest:
        lines += ["### Throughput (2 threads)", "", "| path | figures |", "|---|---|"]
        for row in latest["throughput"]:
            figures = {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()
                       if k != "name"}  # fmt: skip
            lines.append(f"| {row['name']} | `{json.dumps(figures)}` |")
        lines.append("")
    if "detection" in latest:
        meta, *rows = latest["detection"]
        keys = [f"{n}/{h}h" for n, h in SURGES]
        lines += [
            f"### Surge detection ({meta['surges_per_setting']} surges per cell, window 1 d, "
            "baseline 7 d, min 10 items, cool-down 3 d)", "",
            "Cells: share of surges alerted / median hours from surge start to alert; surge "
            "columns are injected negative items / hours they are spread over.", "",
            "| rule | false alerts per 10k | " + " | ".join(keys) + " |",
            "|---|---|" + "---|" * len(keys),
        ]  # fmt: skip
        for row in rows:
            cells = []
            for k in keys:
                d = row[k]["median_delay_h"]
                cells.append(f"{row[k]['alerted']:.2f} / {'-' if d is None else f'{d:.1f}'}")
            lines.append(f"| {row['setting']} | {row['false_alerts_per_10k']:.1f} | "
                         + " | ".join(cells) + " |")  # fmt: skip
        lines.append("")
    if "durability" in latest:
        d = latest["durability"]
        lines += [
            "### Durability (kill -9 during a tailed 100k-item ingest)", "",
            "| items | kills (items stored at each) | lost | stored twice | same aggregates "
            "| alerts (whole, killed) |",
            "|---|---|---|---|---|---|",
            f"| {d['items']} | {d['kills']} ({d['stored_at_each_kill']}) | {d['lost']} | "
            f"{d['duplicated']} | {d['same_aggregates']} | {d['alerts_whole_vs_killed']} |", "",
        ]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
