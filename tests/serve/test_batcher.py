"""The micro-batcher: concurrent callers share forward passes, each gets its own answers."""

from __future__ import annotations

import asyncio
import contextlib
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


class Gate:
    """A model that holds the worker until released; records every text it computed."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> list[dict]:
        self.seen.extend(texts)
        self.started.set()
        assert self.release.wait(10), "the test never released the model"
        return [{"text": t} for t in texts]


def test_a_full_queue_refuses_at_once_and_recovers():
    from axonlab.serve.batcher import QueueFullError

    model = Gate()
    batcher = MicroBatcher(model, max_batch_size=1, max_wait_ms=0, max_queued=3)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher.submit, ["busy"])
        assert model.started.wait(5)
        waiting = pool.submit(batcher.submit, ["a", "b", "c"])
        while batcher.queued < 3:
            time.sleep(0.001)
        start = time.perf_counter()
        with pytest.raises(QueueFullError, match="3 texts waiting"):
            batcher.submit(["one too many"])
        assert time.perf_counter() - start < 0.5  # refused, not queued
        model.release.set()
        assert first.result(5) == [{"text": "busy"}] and len(waiting.result(5)) == 3
    assert batcher.submit(["again"]) == [{"text": "again"}]
    batcher.close()
    assert "one too many" not in model.seen


def test_texts_past_their_deadline_are_dropped_uncomputed():
    from axonlab.serve.batcher import DeadlineExceededError

    model = Gate()
    batcher = MicroBatcher(model, max_batch_size=1, max_wait_ms=0, timeout_s=0.05)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher.submit, ["busy"])
        assert model.started.wait(5)
        late = pool.submit(batcher.submit, ["late"])
        time.sleep(0.2)  # "late" waits past its 50 ms deadline behind the busy worker
        model.release.set()
        assert first.result(5) == [{"text": "busy"}]
        with pytest.raises(DeadlineExceededError, match="waited more than 0.05 s"):
            late.result(5)
    batcher.close()
    assert model.seen == ["busy"] and batcher.stats.dropped == 1


def test_work_of_a_caller_that_left_is_never_computed():
    model = Gate()
    batcher = MicroBatcher(model, max_batch_size=8, max_wait_ms=0)

    async def main() -> None:
        busy = asyncio.ensure_future(batcher.submit_async(["busy"]))
        while not model.started.is_set():
            await asyncio.sleep(0.001)
        gone = asyncio.ensure_future(batcher.submit_async(["gone-1", "gone-2"]))
        await asyncio.sleep(0.01)
        gone.cancel()  # what the server does when the client hangs up
        with contextlib.suppress(asyncio.CancelledError):
            await gone  # its texts are withdrawn once the cancellation has run
        model.release.set()
        assert await busy == [{"text": "busy"}]
        assert await batcher.submit_async(["next"]) == [{"text": "next"}]

    asyncio.run(main())
    batcher.close()
    assert model.seen == ["busy", "next"] and batcher.stats.dropped == 2


def test_one_bad_text_fails_alone_and_its_batch_neighbours_are_answered():
    def tokenize(texts: list[str]) -> list[dict]:
        for text in texts:
            text.encode("utf-8")  # a fast tokenizer raises on a lone surrogate like this
        return [{"ok": t} for t in texts]

    batcher = MicroBatcher(tokenize, max_batch_size=8, max_wait_ms=100)
    with ThreadPoolExecutor(4) as pool:
        good = [pool.submit(batcher.submit, [f"good {i}"]) for i in range(3)]
        bad = pool.submit(batcher.submit, ["\ud800"])
        assert [g.result(5) for g in good] == [[{"ok": f"good {i}"}] for i in range(3)]
        with pytest.raises(UnicodeEncodeError):
            bad.result(5)
    batcher.close()
    assert batcher.stats.largest_batch > 1  # they really shared a batch
