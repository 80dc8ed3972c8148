"""The dashboard in headless Chromium: series, alerts and items drawn from a live monitor."""

from __future__ import annotations

from axonlab.monitor import Monitor, Store
from axonlab.monitor.service import MonitorService, create_monitor_app
from tests.live import browser, running  # noqa: F401  (the browser fixture)
from tests.monitor.conftest import stream


def test_dashboard_shows_series_alerts_and_items(browser, config, sentiment):  # noqa: F811
    monitor = Monitor(config, Store(config.store), sentiment=sentiment)
    monitor.process(stream(600) + stream(40, negative_every=1, start=600 * 60.0))
    monitor.process(stream(30, key="OTHER", start=0.0))
    errors: list[str] = []
    with running(create_monitor_app(MonitorService(monitor))) as url:
        page = browser.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(url + "/")
        page.wait_for_selector("#alerts tr td:has-text('zscore')")
        assert page.locator("#status").inner_text() == (
            f"670 items, {monitor.store.counts()['alerts']} alerts"
        )
        points = page.locator("polyline[data-series=negative_share]").get_attribute("points")
        assert len(points.split()) == 11  # 640 minutes in 1-hour buckets
        assert page.locator("#items tr").count() == 30
        assert page.locator("#items td.negative").first.inner_text() == "negative"
        page.select_option("#key", "OTHER")
        page.wait_for_function(
            "document.querySelectorAll('#items tr').length === 30 && "
            "document.querySelector('#items td:nth-child(2)').textContent === 'OTHER'"
        )
        page.select_option("#bucket", "15m")
        page.wait_for_function(
            "document.querySelector('polyline').getAttribute('points').split(' ').length === 2"
        )
        page.close()
    assert errors == []
