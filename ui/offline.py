"""Keeps the web view on this machine: no request leaves for anything but loopback.

The chart page is our own HTML with plotly.min.js from the installed package, so it
needs nothing remote; but plotly.js can reach for a CDN (map topologies) and a figure's
text could name a remote image. An interceptor on the default profile (the one the
chart uses) blocks every URL that is not a local file, inline data or loopback, and the
profile's settings turn off what could contact the network on its own.
QTWEBENGINE_CHROMIUM_FLAGS (set in ui/qt.py) turns off Chromium's background traffic.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ui.qt import HAS_WEBENGINE, QUrl, web_engine

LOCAL_SCHEMES = frozenset({"file", "data", "blob", "qrc", "about"})
LOOPBACK_NAMES = frozenset({"localhost"})


def is_local(url: QUrl) -> bool:
    """True for a local file, inline data, or an http(s)/ws(s) URL on loopback."""
    scheme = url.scheme().lower()
    if scheme in LOCAL_SCHEMES:
        return True
    if scheme not in {"http", "https", "ws", "wss"}:
        return False
    host = url.host().lower().strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _interceptor() -> Any:
    """An interceptor that blocks non-local requests and counts them (the URLs may hold
    patient data: they are not kept or logged)."""

    class LocalOnly(web_engine().QWebEngineUrlRequestInterceptor):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.blocked = 0

        def interceptRequest(self, info: Any) -> None:  # noqa: N802 - Qt's name
            if not is_local(info.requestUrl()):
                info.block(True)
                self.blocked += 1

    return LocalOnly()


_installed: Any = None


def keep_local() -> Any:
    """Install the interceptor and the settings on the default profile (once); the chart
    calls it before it makes the first web view, so no page ever loads without it."""
    global _installed
    if not HAS_WEBENGINE:
        return None
    if _installed is None:
        engine = web_engine()
        profile = engine.QWebEngineProfile.defaultProfile()
        _installed = _interceptor()  # the profile does not own it: kept alive here
        profile.setUrlRequestInterceptor(_installed)
        profile.setSpellCheckEnabled(False)
        settings = profile.settings()
        attr = engine.QWebEngineSettings.WebAttribute
        settings.setAttribute(attr.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(attr.DnsPrefetchEnabled, False)
        settings.setAttribute(attr.HyperlinkAuditingEnabled, False)
    return _installed
