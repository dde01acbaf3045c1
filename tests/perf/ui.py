"""Desktop benchmark, one JSON report:

    .venv/bin/python tests/perf/ui.py [--records N]

- `startup_seconds`: process start to the main window shown, of `healthinsight gui` as a
  person starts it on an existing vault (unlocking with the product's scrypt cost, the
  local API on, as by default), with its modules byte-compiled as installed (one
  uncounted run first). Target < 2 s.
- `import_stall_ms`: the longest event-loop stall while the window imports a generated
  Apple Health export of N records (default 1,000,000, tests/perf/ingest.py's
  generator): a 10 ms timer notes how late each tick runs. Target < 100 ms.
- `records_page_ms`: Records at N rows (tests/ui/bulk.py): time from scrolling to a row
  of a page never read to its rows shown, for pages across the whole table. Target:
  each < 50 ms.
Runs offscreen (QT_QPA_PLATFORM=offscreen); the machine's load average is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSPHRASE = "benchmark passphrase"

# `healthinsight gui` as installed: the console script's own call. The app prints one
# line when the window is shown (HEALTHINSIGHT_REPORT_STARTUP) and is then stopped
# with SIGTERM, which closes the window the normal way.
GUI = "import sys; from app.cli import main; sys.exit(main(['gui']))"
SHOWN = b"healthinsight: main window shown"


def startup(work: Path) -> float:
    from storage.vault import Vault

    home = work / "startup"
    Vault.create(home, passphrase=PASSPHRASE, use_keyring=False).close()
    # As installed (a wheel or the bundle), the app's modules are byte-compiled; a
    # checkout run with PYTHONDONTWRITEBYTECODE would compile them on every start. The
    # child keeps its bytecode in the work folder, and a first run (not counted) writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(work / "pycache"),
               HEALTHINSIGHT_HOME=str(home), HEALTHINSIGHT_PASSPHRASE=PASSPHRASE,
               HEALTHINSIGHT_API_PORT="0", HEALTHINSIGHT_LLM_ENGINE="offline",
               HEALTHINSIGHT_REPORT_STARTUP="1")
    runs = []
    for _ in range(4):
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", GUI], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        said: list[bytes] = []  # the app's stderr up to the SHOWN line (or its end)
        for line in iter(proc.stderr.readline, b""):
            said.append(line)
            if SHOWN in line:
                break
        runs.append(time.perf_counter() - t)
        proc.terminate()
        proc.wait(60)
        assert SHOWN in said[-1], b"".join(said[-30:]).decode(errors="replace")
    return min(runs[1:])


def _finish(ctx) -> None:  # type: ignore[no-untyped-def]
    from ui import ops

    ops.shutdown()
    ctx.close()


def wait_until(condition, timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    from ui.qt import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        QApplication.processEvents()
        time.sleep(0.001)


def import_stall(work: Path, records: int) -> dict[str, float]:
    from app.context import AppContext
    from app.settings import Settings
    from storage.vault import Vault
    from tests.perf.ingest import generate
    from ui.main_window import MainWindow
    from ui.qt import QApplication, QTimer

    export = work / "export.xml"
    generate(export, records)
    home = work / "import"
    Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=2**12).close()
    ctx = AppContext(Settings(home=home, passphrase=PASSPHRASE, llm_engine="offline"))
    _ = ctx.vault
    window = MainWindow(ctx, start_api=False)
    window.show()
    wait_until(lambda: window.sidebar.patients.count() > 0)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    start = time.perf_counter()
    window.import_paths([export])
    last[0] = time.perf_counter()
    timer.start()
    app = QApplication.instance()
    assert app is not None
    while window.last_import is None:
        app.processEvents()
        time.sleep(0.002)
    timer.stop()
    seconds = time.perf_counter() - start
    status = window.last_import.status
    window.close()
    _finish(ctx)
    stalls = sorted(max(0.0, g - 0.010) for g in gaps)
    return {"status": status, "seconds": round(seconds, 2),
            "max_stall_ms": round(1000 * stalls[-1], 1),
            "p99_stall_ms": round(1000 * stalls[int(len(stalls) * 0.99)], 1),
            "ticks": len(gaps)}


def records_scroll(work: Path, rows: int) -> dict[str, object]:
    from app.context import AppContext
    from app.settings import Settings
    from storage.vault import Vault
    from tests.ui.bulk import fill
    from ui.main_window import MainWindow
    from ui.views.records_model import PAGE

    home = work / "records"
    vault = Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=2**12)
    t = time.perf_counter()
    fill(vault, rows)
    build = time.perf_counter() - t
    vault.close()
    ctx = AppContext(Settings(home=home, passphrase=PASSPHRASE, llm_engine="offline"))
    _ = ctx.vault
    window = MainWindow(ctx, start_api=False)
    window.resize(1280, 820)
    window.show()
    window.tabs.setCurrentWidget(window.records)
    t = time.perf_counter()
    wait_until(lambda: window.records.model.rowCount() == rows)
    order = time.perf_counter() - t
    model, table = window.records.model, window.records.table
    wait_until(lambda: model.peek(0) is not None)
    times = []
    targets = [int(rows * k / 20) + PAGE // 2 for k in range(1, 20)] + [rows - 1]
    for row in targets:
        t = time.perf_counter()
        table.scrollTo(model.index(row, 0))
        wait_until(lambda r=row: model.peek(r) is not None, 30)
        times.append(1000 * (time.perf_counter() - t))
    window.close()
    _finish(ctx)
    return {"rows": rows, "build_seconds": round(build, 1),
            "order_query_seconds": round(order, 2), "pages_measured": len(times),
            "page_ms_max": round(max(times), 1), "page_ms_p50": round(statistics.median(times), 1),
            "pages_read": model.pages_read}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    from ui import resources
    from ui.qt import QApplication

    work = Path(tempfile.mkdtemp(prefix="hi-ui-bench-", dir=ROOT.parent))
    try:
        report: dict[str, object] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
        report["startup_seconds"] = round(startup(work), 3)
        app = QApplication(sys.argv[:1])
        resources.apply(app)
        report["records_scroll"] = records_scroll(work, args.records)
        report["import"] = import_stall(work, args.records)
        report["targets"] = {"startup_seconds": 2.0, "import_max_stall_ms": 100,
                             "records_page_ms": 50}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
