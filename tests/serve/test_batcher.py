"""The micro-batcher: concurrent callers share forward passes, each gets its own answers."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from axonlab.serve.batcher import MicroBatcher


class Echo:
    """Answers each text with itself and the size of the batch it came in."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.batches: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[dict]:
        self.batches.append(list(texts))
        time.sleep(self.delay_s)
        return [{"text": t, "batch": len(texts)} for t in texts]


def test_concurrent_callers_get_their_own_answers_in_order():
    model = Echo(delay_s=0.01)
    batcher = MicroBatcher(model, max_batch_size=8, max_wait_ms=20)

    def call(i: int) -> list[dict]:
        return batcher.submit([f"r{i}-a", f"r{i}-b", f"r{i}-c"])

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(call, range(40)))
    batcher.close()
    for i, answer in enumerate(answers):
        assert [a["text"] for a in answer] == [f"r{i}-a", f"r{i}-b", f"r{i}-c"]
    sizes = [len(b) for b in model.batches]
    assert sum(sizes) == 120
    assert max(sizes) <= 8
    assert len(sizes) < 40, "concurrent requests were not batched together"
    assert batcher.stats.texts == 120 and batcher.stats.largest_batch == max(sizes)


def test_coroutines_awaiting_the_batcher_share_batches_and_get_their_own_answers():
    model = Echo(delay_s=0.01)
    batcher = MicroBatcher(model, max_batch_size=8, max_wait_ms=20)

    async def main() -> list[list[dict]]:
        return await asyncio.gather(
            *(batcher.submit_async([f"r{i}-a", f"r{i}-b"]) for i in range(20))
        )

    answers = asyncio.run(main())
    batcher.close()
    for i, answer in enumerate(answers):
        assert [a["text"] for a in answer] == [f"r{i}-a", f"r{i}-b"]
    sizes = [len(b) for b in model.batches]
    assert sum(sizes) == 40 and max(sizes) <= 8 and len(sizes) < 20


def test_a_model_error_reaches_the_awaiting_coroutine():
    def broken(texts: list[str]) -> list[dict]:
        raise ValueError("model failed")

    batcher = MicroBatcher(broken, max_batch_size=4, max_wait_ms=1)
    with pytest.raises(ValueError, match="model failed"):
        asyncio.run(batcher.submit_async(["x"]))
    batcher.close()


def test_batch_size_is_respected_for_one_large_request():
    model = Echo()
    batcher = MicroBatcher(model, max_batch_size=4, max_wait_ms=1)
    answer = batcher.submit([str(i) for i in range(10)])
    batcher.close()
    assert [a["text"] for a in answer] == [str(i) for i in range(10)]
    assert [len(b) for b in model.batches] == [4, 4, 2]


def test_lone_request_waits_at_most_about_max_wait():
    batcher = MicroBatcher(Echo(), max_batch_size=32, max_wait_ms=30)
    start = time.perf_counter()
    assert batcher.submit(["only"])[0]["batch"] == 1
    elapsed = time.perf_counter() - start
    batcher.close()
    assert 0.025 <= elapsed < 0.5


def test_zero_wait_runs_at_once():
    batcher = MicroBatcher(Echo(), max_batch_size=32, max_wait_ms=0)
    start = time.perf_counter()
    batcher.submit(["x"])
    assert time.perf_counter() - start < 0.1
    batcher.close()


def test_model_error_reaches_every_caller_of_that_batch_and_worker_survives():
    calls = []

    def flaky(texts: list[str]) -> list[dict]:
        calls.append(texts)
        if any(t == "boom" for t in texts):
            raise RuntimeError("model exploded")
        return [{"ok": t} for t in texts]

    batcher = MicroBatcher(flaky, max_batch_size=8, max_wait_ms=1)
    with pytest.raises(RuntimeError, match="model exploded"):
        batcher.submit(["boom"])
    assert batcher.submit(["fine"]) == [{"ok": "fine"}]
    batcher.close()


def test_wrong_number_of_predictions_is_an_error():
    batcher = MicroBatcher(lambda texts: [], max_batch_size=2, max_wait_ms=0)
    with pytest.raises(RuntimeError, match="0 predictions for 1 texts"):
        batcher.submit(["a"])
    batcher.close()


def test_predict_never_runs_in_two_threads_at_once():
    active, most = 0, 0
    lock = threading.Lock()

    def guarded(texts: list[str]) -> list[dict]:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.002)
        with lock:
            active -= 1
        return [{} for _ in texts]

    batcher = MicroBatcher(guarded, max_batch_size=3, max_wait_ms=1)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: batcher.submit([str(i)]), range(30)))
    batcher.close()
    assert most == 1


def test_closed_batcher_refuses_work_and_bad_settings_are_refused():
    batcher = MicroBatcher(Echo(), max_batch_size=2)
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(["late"])
    with pytest.raises(ValueError, match="max_batch_size"):
        MicroBatcher(Echo(), max_batch_size=0)
    with pytest.raises(ValueError, match="max_wait_ms"):
        MicroBatcher(Echo(), max_wait_ms=-1)
