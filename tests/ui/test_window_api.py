"""The desktop window starts the local API with it and stops it when it closes."""

from __future__ import annotations

import httpx
import pytest

from ui.main_window import MainWindow


def test_the_window_serves_the_local_api_while_it_is_open(qtbot, ctx):
    ctx.settings.api_port = 0  # an ephemeral loopback port
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.api is not None, timeout=30000)
    url = window.api.url
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    assert window.api_label.text() == f"API: {url}"
    assert httpx.get(f"{url}/openapi.json", timeout=10).status_code == 200

    window.close()
    assert window.api is None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/openapi.json", timeout=2)
