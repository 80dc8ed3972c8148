"""Alerts POSTed to a webhook from a thread of their own: a slow or dead receiver delays only
its own deliveries, never ingestion. An alert is marked delivered when the receiver answers 2xx;
until then it is retried (``retries`` times with doubling waits, then again on the next round),
and across restarts, since the undelivered ones are read back from the store."""

from __future__ import annotations

import logging
import threading
from typing import Any

from axonlab.monitor.config import WebhookSettings
from axonlab.monitor.store import Store

log = logging.getLogger("axonlab.monitor")
ROUND_SECONDS = 5.0  # a failed round waits this long before the next


class WebhookNotifier:
    """Deliver the store's undelivered alerts to ``settings.url``."""

    def __init__(self, store: Store, settings: WebhookSettings, *, first_wait: float = 0.5):
        self.store, self.settings, self.first_wait = store, settings, first_wait
        self.wake, self.stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhook", daemon=True)

    def start(self) -> WebhookNotifier:
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self.wake.set()
        self._thread.join(timeout)

    def notify(self, alert: dict[str, Any] | None = None) -> None:
        """There is something new to deliver."""
        self.wake.set()

    def _loop(self) -> None:
        while not self.stop.is_set():
            delivered_all = self.deliver_pending()
            self.wake.wait(None if delivered_all else ROUND_SECONDS)
            self.wake.clear()

    def deliver_pending(self) -> bool:
        """Try every undelivered alert, oldest first; False when one could not be delivered."""
        import httpx

        with httpx.Client(timeout=self.settings.timeout_s) as client:
            while not self.stop.is_set():
                pending = self.store.alerts(limit=50, undelivered=True)
                if not pending:
                    return True
                for alert in pending:
                    if not self._post(client, alert):
                        return False
                    self.store.mark_delivered(alert["id"])
        return False

    def _post(self, client: Any, alert: dict[str, Any]) -> bool:
        import httpx

        wait = self.first_wait
        for attempt in range(self.settings.retries + 1):
            try:
                response = client.post(self.settings.url, json=alert)
                if response.is_success:
                    return True
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as err:
                reason = type(err).__name__
            log.warning("webhook %s: %s (try %d)", self.settings.url, reason, attempt + 1)
            if attempt < self.settings.retries and self.stop.wait(wait):
                return False
            wait *= 2
        return False
