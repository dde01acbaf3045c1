"""`healthinsight gui`: the desktop app's entry point."""

from __future__ import annotations

import signal
import sys

from app.context import AppContext
from app.settings import Settings

HEADLESS = """healthinsight: there is no display here, so the desktop window cannot open.
Use the command line instead:
  healthinsight serve                 the local API on http://127.0.0.1:{port}
  healthinsight ask "QUESTION"        ask the medical team (add --json for JSON)
  healthinsight import FILE...        import health records
(To open the window on a headless machine, run it under Xvfb or set QT_QPA_PLATFORM.)"""


def has_display(settings: Settings, platform: str = sys.platform) -> bool:
    """Linux needs X11 or Wayland (or an explicit Qt platform); other systems always have one."""
    if not platform.startswith("linux"):
        return True
    return bool(settings.display or settings.wayland_display or settings.qt_qpa_platform)


def run(ctx: AppContext) -> int:
    if not has_display(ctx.settings):
        print(HEADLESS.format(port=ctx.settings.api_port), file=sys.stderr)
        return 1
    from app.services.vault_access import start_unlock

    unlocking = start_unlock(ctx)  # Qt and the window's modules load while it runs
    from ui import ops, resources
    from ui.collector import MainThreadCollector
    from ui.main_window import MainWindow
    from ui.qt import QApplication, QTimer
    from ui.startup import open_vault

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "healthinsight"])
    assert isinstance(app, QApplication)
    app.setApplicationName("HealthInsight")
    app.setApplicationDisplayName("HealthInsight")
    app.setDesktopFileName("healthinsight")
    resources.apply(app)
    if not open_vault(ctx, started=unlocking):
        return 1
    resources.set_appearance(app, ctx.settings.appearance)  # the saved choice, now readable
    from ui import logfile

    logfile.start(ctx.settings.home)
    collector = MainThreadCollector()
    window = MainWindow(ctx)
    window.show()
    if ctx.settings.report_startup:  # packaging's start-time check waits for this line
        QTimer.singleShot(0, lambda: print("healthinsight: main window shown",
                                           file=sys.stderr, flush=True))
    # Ctrl+C or a TERM closes the window the normal way (API stopped, vault closed).
    # Python only sees signals between bytecodes, so a timer wakes it while Qt waits.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: window.close())
    wake = QTimer(interval=250)
    wake.timeout.connect(lambda: None)
    wake.start()
    try:
        return int(app.exec())
    finally:
        wake.stop()
        window.close()
        ops.shutdown()
        collector.stop()
