"""What `make package-test` checks inside the frozen bundle, beyond its CLI commands.

The bundle runs this instead of the app when HEALTHINSIGHT_BUNDLE_CHECK=1 (see
entry.py), on the smoke test's vault once a record file is imported. Each check uses the
app's own code as the bundle holds it, so a module, library or data file the spec left
out shows up here as a failure rather than on a user's machine:

- every module of app, agents, storage and ui imports (an excluded package that one of
  them imports at the top fails here);
- the Records table's row order (DuckDB's fetchnumpy: numpy and its OpenBLAS);
- the clinic FAQ's ranking (bm25s and PyStemmer);
- fuzzy name matching with rapidfuzz's generic C++ scorers (its AVX2 copies are left
  out), not its pure-Python fallback;
- a clinic PDF report (reportlab) and an answer's HTML export (plotly.io); plotly's
  validators refuse a wrong property (their minified table) and its figure classes have
  no docstrings (compiled at optimize=2);
- the local API serving /docs with its bundled swagger-ui files;
- the About dialog: the version and the components listed from the bundle's LICENSES;
- Qt's ICU with the cut data (collation, case mapping, zone names);
- the chart: a figure drawn by plotly.js in QtWebEngine, offscreen, with the
  local-only request interceptor on, and JavaScript's Intl on Chromium's cut ICU data
  (English collation, number and time-zone names).

It prints one line per check ("PASS name: detail" or "FAIL name: detail") and exits 1
if any failed.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path

PACKAGES = ("app", "agents", "storage", "ui")
CHART_TIMEOUT_S = 120.0
# Chromium's ICU (resources/icudtl.dat, cut by icu_data.py) seen from the page: each part
# needs data the cut keeps (root collation, English numbers, English zone names).
INTL_SCRIPT = """[
  ["b", "A", "a", "B"].sort(new Intl.Collator("en").compare).join(","),
  new Intl.NumberFormat("en-US").format(1234.5),
  new Intl.DateTimeFormat("en-US", {timeZone: "Europe/Berlin", timeZoneName: "long"})
    .format(new Date(0)),
].join("|")"""
INTL_EXPECTED = ("a,A,b,B", "1,234.5", "Central European Standard Time")


def check_imports() -> str:
    names: list[str] = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, f"{package}.")]
    if len(names) < 50:  # the frozen importer lists modules; a short list means it did not
        raise RuntimeError(f"only {len(names)} modules found in the bundle")
    for name in names:
        importlib.import_module(name)
    return f"{len(names)} modules"


def check_record_order(ctx) -> str:
    from app.services.records import RecordsService

    service = RecordsService(ctx.vault)
    patients = service.patients()
    if not patients:
        raise RuntimeError("the vault has no patient: import a record file first")
    ids = service.order(patient_id=patients[0].id)
    rows = service.page([int(i) for i in ids[:5]])
    if len(ids) == 0 or len(rows) != min(5, len(ids)):
        raise RuntimeError(f"{len(ids)} ids, {len(rows)} rows")
    return f"{len(ids)} records in order ({type(ids).__module__}.{type(ids).__name__})"


def check_faq() -> str:
    from app.services.assist.faq import FaqEntry, FaqIndex

    index = FaqIndex([
        FaqEntry("hours", "When is the clinic open?", "Weekdays from 8 to 18."),
        FaqEntry("parking", "Where can I park my car?", "Behind the building."),
    ])
    found = index.search("what are your opening hours")
    if not found.answered or found.entry is None or found.entry.id != "hours":
        raise RuntimeError(f"ranked {found}")
    return f"answered from entry {found.entry.id!r} (confidence {found.confidence})"


def check_fuzzy() -> str:
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    modules = {fuzz.WRatio.__module__, Levenshtein.distance.__module__}
    if modules != {"rapidfuzz.fuzz_cpp", "rapidfuzz.distance.metrics_cpp"}:
        raise RuntimeError(f"rapidfuzz scores with {sorted(modules)}")
    best = process.extractOne("haemoglobin", ["Glucose", "Hemoglobin A1c"], scorer=fuzz.WRatio)
    if best is None or best[0] != "Hemoglobin A1c" or fuzz.ratio("cholestrol", "cholesterol") < 88:
        raise RuntimeError(f"matched {best}")
    return f"generic C++ scorers ({', '.join(sorted(modules))}); 'haemoglobin' -> {best[0]!r}"


def check_reports(work: Path) -> str:
    from app.services.reports.model import Chart, Report
    from app.services.reports.render import render
    from ui.export import save_html

    report = Report(type="appointment_summary", title="Appointments", organization="Check",
                    start=date(2026, 1, 1), end=date(2026, 1, 31), columns=("status", "n"),
                    rows=(("booked", 3),), summary=(("total", 3),),
                    chart=Chart("By status", ("booked",), (3.0,)))
    pdf = render(report, "pdf")
    if not pdf.startswith(b"%PDF"):
        raise RuntimeError("the clinic report is not a PDF")
    figure = {"data": [{"type": "scatter", "x": ["2026-01-01", "2026-02-01"], "y": [1, 2]}]}
    html = save_html(work / "answer.html", {"query": "check"}, figure, "check").read_text()
    if "plotly.js v" not in html or "2026-02-01" not in html:  # the library and the figure
        raise RuntimeError("the HTML export has no chart")
    import plotly.graph_objs as go

    try:  # plotly's validators, read from the minified table, still refuse a wrong property
        go.Figure({"data": [{"type": "scatter", "not_a_property": 1}]})
        refused = False
    except ValueError:
        refused = True
    if not refused or go.Scatter.__init__.__doc__ is not None:
        raise RuntimeError(f"plotly validated: {refused}; docstrings dropped: "
                           f"{go.Scatter.__init__.__doc__ is None}")
    return f"PDF {len(pdf)} bytes, HTML {len(html)} bytes, plotly validates"


def check_api(ctx) -> str:
    import httpx

    from app.api.server import ApiServer

    server = ApiServer(ctx, "127.0.0.1", 0)
    server.start()
    try:
        docs = httpx.get(f"{server.url}/docs", timeout=30)
        asset = next(part.split('"')[0] for part in docs.text.split('src="')[1:]
                     if "swagger-ui-bundle" in part)
        script = httpx.get(asset if asset.startswith("http") else server.url + asset,
                           timeout=30)
        schema = httpx.get(f"{server.url}/openapi.json", timeout=30)
    finally:
        server.stop()
    if docs.status_code != 200 or script.status_code != 200 or schema.status_code != 200:
        raise RuntimeError(f"/docs {docs.status_code}, swagger-ui {script.status_code}, "
                           f"/openapi.json {schema.status_code}")
    return f"/docs, its swagger-ui ({len(script.content)} bytes) and /openapi.json served"


def check_about() -> str:
    """The About dialog: the version, and the components read from the bundle's LICENSES."""
    from app import __version__
    from app.services.components import bundle_licences
    from ui.about import AboutDialog
    from ui.qt import QApplication

    app = QApplication.instance() or QApplication(["healthinsight"])
    folder = bundle_licences()
    dialog = AboutDialog()
    names = {c.name.lower() for c in dialog.components}
    texts = [c for c in dialog.components if c.files and all(f.is_file() for f in c.files)]
    shown = f"HealthInsight {__version__}" in dialog.intro.text() \
        and dialog.table.rowCount() == len(dialog.components)
    dialog.close()
    del app
    if folder is None or not (folder / "components.json").is_file():
        raise RuntimeError(f"no LICENSES folder beside the program ({folder})")
    if not shown or not {"pyside6", "duckdb", "numpy", "python"} <= names or len(texts) < 50:
        raise RuntimeError(f"{len(names)} components, {len(texts)} with licence files")
    return (f"shows version {__version__}, {len(names)} components from {folder.name}/, "
            f"{len(texts)} with their licence files")


def check_icu() -> str:
    """Qt's ICU with the trimmed data (packaging/icu_data.py): collation, case, zones."""
    from PySide6.QtCore import QCollator, QLocale, QTimeZone

    order = sorted(["beta", "Alpha", "alpha", "Beta"], key=QCollator(QLocale("en_US")).sortKey)
    upper = QLocale("tr_TR").toUpper("i")
    zone = QTimeZone(b"Europe/Berlin").displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US"))
    if order != ["alpha", "Alpha", "beta", "Beta"] or upper != "\u0130" or "Central" not in zone:
        raise RuntimeError(f"sorted {order}, Turkish upper {upper!r}, zone {zone!r}")
    return f"collation, Turkish case and the zone name {zone!r}"


def _wait_until(done: Callable[[], bool]) -> None:
    from ui.qt import QEventLoop, QTimer

    deadline = time.monotonic() + CHART_TIMEOUT_S
    loop = QEventLoop()
    while not done() and time.monotonic() < deadline:
        QTimer.singleShot(100, loop.quit)
        loop.exec()


def check_chart() -> str:
    from ui import offline
    from ui.qt import QApplication
    from ui.views.chart import ChartView

    app = QApplication.instance() or QApplication(["healthinsight"])
    view = ChartView()
    view.resize(640, 400)
    view.show()
    view.show_figure({"data": [{"type": "scatter", "name": "check", "x": [1, 2, 3],
                                "y": [4, 5, 6]}], "layout": {"title": {"text": "check"}}})
    _wait_until(lambda: view.rendered_traces != 0)
    traces = view.rendered_traces
    intl: list[str] = []
    if traces:
        view.view.page().runJavaScript(INTL_SCRIPT, 0, lambda value: intl.append(str(value)))
        _wait_until(lambda: bool(intl))
    view.close()
    del app
    if traces != 1:
        raise RuntimeError(f"plotly.js drew {traces} traces in QtWebEngine (wanted 1)")
    if offline.keep_local() is None:
        raise RuntimeError("the local-only interceptor is not installed")
    parts = intl[0].split("|") if intl else []
    if len(parts) != 3 or parts[0] != INTL_EXPECTED[0] or parts[1] != INTL_EXPECTED[1] \
            or INTL_EXPECTED[2] not in parts[2]:
        raise RuntimeError(f"Intl in QtWebEngine gave {intl!r} (wanted {INTL_EXPECTED})")
    return f"plotly.js drew the figure in QtWebEngine (interceptor on); Intl: {intl[0]}"


def main() -> int:
    from app.context import AppContext
    from app.settings import Settings

    work = Path(os.environ.get("HEALTHINSIGHT_BUNDLE_CHECK_DIR", "."))
    ctx = AppContext(Settings())
    checks: list[tuple[str, Callable[[], str]]] = [
        ("every module imports", check_imports),
        ("records table order (numpy)", lambda: check_record_order(ctx)),
        ("clinic FAQ ranking (bm25s)", check_faq),
        ("fuzzy matching (rapidfuzz)", check_fuzzy),
        ("PDF report and HTML export", lambda: check_reports(work)),
        ("local API with /docs", lambda: check_api(ctx)),
        ("About dialog and LICENSES", check_about),
        ("Qt's ICU", check_icu),
        ("chart in QtWebEngine", check_chart),
    ]
    failed = 0
    for name, check in checks:
        try:
            print(f"PASS {name}: {check()}", flush=True)
        except Exception as exc:  # one check's failure is that check's result
            failed += 1
            detail = "".join(traceback.format_exception_only(exc)).strip()
            print(f"FAIL {name}: {detail}", flush=True)
    ctx.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
