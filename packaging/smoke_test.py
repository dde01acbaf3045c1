"""`make package-test`: the built archive, unpacked and run with no Python environment.

Unpacks dist/healthinsight-<version>-linux-x86_64.tar.gz into a folder under build/,
then with `env -i PATH=/usr/bin:/bin` (plus HOME and a throwaway vault's variables)
runs `--version`, `vault init`, `import` of a Synthea bundle from ../shared/testdata,
`ask --offline --json` (the answer must name the latest total cholesterol of that file,
computed here from the raw JSON: LOINC 2093-3, latest effectiveDateTime), imports an
Apple Health export (every <Record>, counted here with the standard library) and a
C-CDA document (both read by lxml in the bundle), runs the
checks of packaging/bundle_check.py inside the bundle (every module imports, the records
table, the clinic FAQ, reports, the API's /docs, a chart drawn in QtWebEngine), and
starts the desktop app offscreen until its main window is shown. Under strace (when present)
it also checks that every socket the bundle connects is on loopback or a local socket.
Prints "N passed, N failed" and exits non-zero on any failure.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import bundle_run

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import __version__  # noqa: E402

ARCHIVE = ROOT / "dist" / f"healthinsight-{__version__}-linux-x86_64.tar.gz"
TESTDATA = ROOT.parent / "shared" / "testdata"
BUNDLE = TESTDATA / "fhir_r4_synthea" / "Don_Moore_d65926d8-f057-4869-a5ed-85856e8e1f8c.json"
WORK = ROOT / "build" / "package-test"  # never the system temp folder: a vault goes here
LOINC_TOTAL_CHOLESTEROL = "2093-3"
APPLE_EXPORT = TESTDATA / "apple_health" / "apple_health_parser_export.xml"
CCDA = TESTDATA / "ccda" / "Documents_CCD_CCD_1_CCD.XML"


def latest_total_cholesterol(bundle: Path) -> tuple[float, str]:
    """(value, date) of the newest Observation coded LOINC 2093-3 in a FHIR bundle."""
    found: list[tuple[datetime, float]] = []
    for entry in json.loads(bundle.read_text(encoding="utf-8")).get("entry", []):
        res = entry.get("resource", {})
        codings = res.get("code", {}).get("coding", [])
        if res.get("resourceType") == "Observation" and any(
                c.get("system") == "http://loinc.org" and c.get("code") ==
                LOINC_TOTAL_CHOLESTEROL for c in codings) and "effectiveDateTime" in res:
            when = datetime.fromisoformat(res["effectiveDateTime"])
            found.append((when, float(res["valueQuantity"]["value"])))
    when, value = max(found)
    return value, when.date().isoformat()


def apple_records(export: Path) -> int:
    """How many <Record> elements an Apple Health export holds (the standard library's
    parser, not the app's lxml)."""
    return sum(1 for _event, element in ET.iterparse(export) if element.tag == "Record")


def names_value(text: str, value: float) -> bool:
    """True if the text states the value (to the precision it chose, at most 0.5 off)."""
    for number in re.findall(r"\d+(?:\.\d+)?", text):
        decimals = len(number.split(".")[1]) if "." in number else 0
        if abs(float(number) - value) <= 0.5 * 10 ** -decimals + 1e-9:
            return True
    return False


def connects_off_loopback(trace: Iterable[str]) -> list[str]:
    """connect() calls to an INET address that is not loopback, from strace's lines."""
    bad = []
    for line in trace:
        if "connect(" not in line or "AF_UNIX" in line or "AF_NETLINK" in line:
            continue
        inet = re.search(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', line)
        if inet and (inet.group(1) or inet.group(2)) not in {"127.0.0.1", "::1"}:
            bad.append(line.strip())
    return bad


def main() -> int:
    if not ARCHIVE.exists():
        print(f"{ARCHIVE} is missing: run `make package` first", file=sys.stderr)
        return 2
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    with tarfile.open(ARCHIVE) as tar:
        tar.extractall(WORK, filter="tar")
    exe = WORK / f"healthinsight-{__version__}" / "healthinsight"
    home = WORK / "home" / "vault"
    home.parent.mkdir()
    results: list[tuple[str, bool, str]] = []

    def check(name: str, test: Callable[[], tuple[bool, str]]) -> None:
        try:
            ok, detail = test()
        except Exception as exc:  # a crash of one step is that step's failure
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def version() -> tuple[bool, str]:
        out = bundle_run.run(exe, home, "--version")
        return out.stdout.strip() == f"healthinsight {__version__}", out.stdout.strip()

    def init() -> tuple[bool, str]:
        out = bundle_run.run(exe, home, "vault", "init")
        return out.returncode == 0 and (home / "vault.duckdb").exists(), out.stderr.strip()

    def import_bundle() -> tuple[bool, str]:
        out = bundle_run.run(exe, home, "import", "--json", str(BUNDLE))
        status = json.loads(out.stdout) if out.returncode == 0 else {}
        return status.get("status") == "completed", status.get("status") or out.stderr

    def ask() -> tuple[bool, str]:
        value, date = latest_total_cholesterol(BUNDLE)
        out = bundle_run.run(exe, home, "ask", "--offline", "--json",
                             "What is my latest total cholesterol?")
        summary = json.loads(out.stdout)["synthesis"]["summary"] if out.returncode == 0 else ""
        ok = names_value(summary, value) and date in summary
        return ok, f"expected {value:.2f} on {date}; answer: {summary or out.stderr}"

    def import_xml() -> tuple[bool, str]:
        """lxml in the bundle: every Record of an Apple Health export, then a C-CDA."""
        expected = apple_records(APPLE_EXPORT)
        found = []
        for path in (APPLE_EXPORT, CCDA):
            out = bundle_run.run(exe, home, "import", "--json", str(path))
            status = json.loads(out.stdout) if out.returncode == 0 else {}
            found.append((status.get("status"), status.get("summary", {}).get("total_records"),
                          [f.get("format") for f in status.get("files", [])], out.stderr[-500:]))
        (apple_status, apple_n, apple_format, _), (ccda_status, ccda_n, ccda_format, _) = found
        ok = (apple_status == ccda_status == "completed" and apple_n == expected
              and apple_format == ["apple_xml"] and ccda_format == ["ccda"] and ccda_n)
        return bool(ok), (f"Apple Health {apple_n} records (expected {expected}), "
                          f"C-CDA {ccda_n} records" if ok else f"{found}")

    def inside() -> None:
        """packaging/bundle_check.py in the bundle: one result per line it prints."""
        out = bundle_run.run(exe, home, timeout=600, HEALTHINSIGHT_BUNDLE_CHECK="1",
                             HEALTHINSIGHT_BUNDLE_CHECK_DIR=str(WORK),
                             QT_QPA_PLATFORM="offscreen")
        lines = [line for line in out.stdout.splitlines() if line.startswith(("PASS ", "FAIL "))]
        for line in lines:
            verdict, _, rest = line.partition(" ")
            name, _, detail = rest.partition(": ")
            results.append((f"in the bundle: {name}", verdict == "PASS", detail))
            print(line, flush=True)
        if not lines or out.returncode not in (0, 1):
            results.append(("in the bundle: the checks ran", False,
                            f"exit {out.returncode}: {out.stderr.strip()[-2000:]}"))
            print(f"FAIL the bundle checks did not run: {out.stderr.strip()[-2000:]}")

    def gui() -> tuple[bool, str]:
        strace = shutil.which("strace")
        trace = WORK / "gui.strace"
        wrapper = (strace, "-f", "-qq", "-e", "trace=connect", "-o", str(trace)) \
            if strace else ()
        seconds = bundle_run.time_to_window(exe, home, wrapper=wrapper, timeout=180).wall_s
        if not strace:
            return True, f"main window shown after {seconds:.2f} s (no strace: sockets unchecked)"
        bad = connects_off_loopback(trace.read_text(errors="replace").splitlines())
        return not bad, (f"main window shown after {seconds:.2f} s under strace; "
                         f"connections off loopback: {bad[:5] or 'none'}")

    check("--version", version)
    check("vault init", init)
    check("import a Synthea bundle", import_bundle)
    check("ask --offline --json names the latest total cholesterol", ask)
    check("import an Apple Health export and a C-CDA (lxml)", import_xml)
    inside()
    check("desktop app shows its main window offscreen", gui)
    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    if not failed:
        shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
