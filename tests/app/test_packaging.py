"""What the desktop build relies on, checked without building it (make package-test
runs the built bundle): the version, the spec's inputs, the desktop metadata."""

from __future__ import annotations

import configparser
import importlib
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from app import __version__
from app.services.components import QT_FILES, app_components, components

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def test_version_is_the_one_in_app_and_the_cli_prints_it() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}
    out = subprocess.run([sys.executable, "-m", "app.cli", "--version"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"healthinsight {__version__}"


def test_pyinstaller_is_pinned_in_the_package_extra_only() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package = pyproject["project"]["optional-dependencies"]["package"]
    assert any(re.fullmatch(r"pyinstaller==\d+\.\d+\.\d+", req) for req in package)
    everything_else = pyproject["project"]["dependencies"] + \
        pyproject["project"]["optional-dependencies"]["test"]
    assert not any(req.lower().startswith("pyinstaller") for req in everything_else)


def test_the_specs_data_files_exist() -> None:
    from storage.vault import httpfs_extension_path
    from ui.views.chart import plotly_folder

    assert httpfs_extension_path().stat().st_size > 1_000_000
    assert (plotly_folder() / "plotly.min.js").is_file()
    for name in ("icons/healthinsight.svg", "styles/app.qss", "prompts"):
        assert (ROOT / "resources" / name).exists(), name
    for name in ("entry.py", "spec_common.py", "healthinsight-linux.spec",
                 "healthinsight-macos.spec", "healthinsight-windows.spec",
                 "healthinsight.iss", "healthinsight.desktop", "README.md"):
        assert (PACKAGING / name).is_file(), name
    for path in QT_FILES:
        assert path.read_text(encoding="utf-8").strip(), path


def test_desktop_entry_and_appstream_metainfo() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "healthinsight.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Exec"].split()[0] == "healthinsight"
    assert desktop["Icon"] == "healthinsight"
    meta = ET.parse(PACKAGING / "healthinsight.metainfo.xml").getroot()
    assert meta.tag == "component" and meta.get("type") == "desktop-application"
    assert re.fullmatch(r"[a-z]+\.[a-z]+(\.[A-Za-z]+)+", meta.findtext("id") or "")
    for tag in ("name", "summary", "metadata_license", "project_license"):
        assert (meta.findtext(tag) or "").strip(), tag
    assert meta.findtext("launchable") == "healthinsight.desktop"
    assert meta.find("description/p") is not None
    releases = [r.get("version") for r in meta.iter("release")]
    assert releases and releases[0] == __version__


def test_components_follow_requirements_with_their_extras() -> None:
    names = {c.name.lower() for c in components(["uvicorn[standard]==0.54.0"])}
    assert {"uvicorn", "h11", "uvloop", "httptools", "websockets"} <= names
    plain = {c.name.lower() for c in components(["uvicorn==0.54.0"])}
    assert "uvloop" not in plain and "h11" in plain


def test_the_apps_components_have_licences_and_qt_its_notice() -> None:
    listed = {c.name.lower(): c for c in app_components()}
    assert {"duckdb", "pyside6", "plotly", "fastapi"} <= set(listed)
    assert "pytest" not in listed and "pyinstaller" not in listed  # extras, not the app
    assert "MIT" in listed["duckdb"].licence
    assert "LGPL" in listed["pyside6"].text()
    assert "Permission is hereby granted" in listed["fastapi"].text()


# --- the bundle's contents (packaging/spec_common.py, icu_data.py) -----------------------

def _packaging_module(name: str):
    sys.path.insert(0, str(PACKAGING))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(PACKAGING))


def test_no_required_distribution_is_excluded_from_the_bundle() -> None:
    """What the app requires (followed through its dependencies) must not be in the
    spec's EXCLUDES: numpy once was, and the Records table and clinic FAQ failed only in
    the bundle. The exceptions are named, both required by uvicorn[standard] for what
    the app never asks of it: PyYAML (YAML log configurations) and watchfiles (--reload)."""
    common = _packaging_module("spec_common")
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    required = {canonicalize_name(c.name) for c in components(requirements)}
    providers = metadata.packages_distributions()
    excluded = {name for name in common.EXCLUDES if "." not in name}  # whole packages
    clashes = {top for top in excluded for dist in providers.get(top, [])
               if canonicalize_name(dist) in required}
    assert clashes == {"yaml", "watchfiles"}


def test_pruned_paths_keep_what_the_app_loads() -> None:
    common = _packaging_module("spec_common")
    plugins = "PySide6/Qt/plugins/"
    for kept in ("platforms/libqxcb.so", "platforms/libqwayland.so",
                 "platforms/libqoffscreen.so", "imageformats/libqsvg.so",
                 "iconengines/libqsvgicon.so", "tls/libqopensslbackend.so"):
        assert common.keep(plugins + kept), kept
    for pruned in ("imageformats/libqtiff.so", "imageformats/libqwebp.so",
                   "platformthemes/libqgtk3.so", "printsupport/libcupsprintersupport.so",
                   "sqldrivers/libqsqlite.so"):
        assert not common.keep(plugins + pruned), pruned
    assert common.keep("PySide6/Qt/translations/qtwebengine_locales/en-US.pak")
    assert not common.keep("PySide6/Qt/translations/qtwebengine_locales/de.pak")
    assert not common.keep("PySide6/Qt/translations/qtbase_de.qm")
    assert common.keep("plotly-7.1.0.dist-info/METADATA")
    assert not common.keep("plotly-7.1.0.dist-info/RECORD")


def test_links_to_dropped_libraries_go_with_them() -> None:
    common = _packaging_module("spec_common")
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY")]
    datas = [("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
             ("libQt63DCore.so.6", "PySide6/Qt/lib/libQt63DCore.so.6", "SYMLINK"),
             ("PySide6/Qt/lib/libfoo.so", "libQt6Core.so.6", "SYMLINK"),
             ("resources/units.json", "/x/units.json", "DATA")]
    kept = common.drop_dangling_links(datas, binaries)
    assert [dest for dest, _, _ in kept] == ["libQt6Core.so.6", "PySide6/Qt/lib/libfoo.so",
                                             "resources/units.json"]


def test_unreachable_and_host_libraries_are_dropped() -> None:
    """On the real PySide6 files: QtCore's module keeps libQt6Core and ICU; a Qt library
    nothing links to goes, and so does libstdc++ (the host's)."""
    pytest.importorskip("PyInstaller")  # the package extra
    import PySide6

    common = _packaging_module("spec_common")
    qt = Path(PySide6.__file__).parent
    lib = qt / "Qt" / "lib"
    stdcxx = next(p for p in (Path("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"),
                              Path("/lib/x86_64-linux-gnu/libstdc++.so.6")) if p.exists())
    binaries = [("PySide6/QtCore.abi3.so", str(qt / "QtCore.abi3.so"), "EXTENSION"),
                ("libstdc++.so.6", str(stdcxx), "BINARY")]
    binaries += [(f"PySide6/Qt/lib/{p.name}", str(p), "BINARY")
                 for p in sorted(lib.glob("libQt6Core.so.6")) + sorted(lib.glob("libicu*.so.*"))
                 + sorted(lib.glob("libQt6Quick3D.so.6"))]
    names = {Path(dest).name for dest, _, _ in common.drop_unreachable_libs(binaries)}
    assert {"QtCore.abi3.so", "libQt6Core.so.6", "libicuuc.so.73", "libicudata.so.73"} <= names
    assert "libQt6Quick3D.so.6" not in names and "libstdc++.so.6" not in names


def test_icu_data_is_cut_to_english_and_the_root_and_still_reads() -> None:
    import PySide6

    icu = _packaging_module("icu_data")
    library = Path(PySide6.__file__).parent / "Qt" / "lib" / icu.SONAME
    whole = library.read_bytes()
    offset, size = icu._symbol(whole, icu.SYMBOL)
    everything = dict(icu.items(whole[offset:offset + size]))
    trimmed = icu.trimmed(library)
    kept = dict(icu.items(trimmed))
    prefix = "icudt73l/"
    for name in ("root.res", "en.res", "res_index.res", "pool.res", "zoneinfo64.res",
                 "metaZones.res", "likelySubtags.res", "cnvalias.icu", "coll/ucadata.icu",
                 "coll/root.res", "brkitr/line.brk", "zone/en.res", "zone/root.res"):
        assert kept[prefix + name] == everything[prefix + name], name
    for name in ("de.res", "zh_Hant.res", "coll/zh.res", "brkitr/cjdict.dict",
                 "gb18030.cnv", "zone/de.res"):
        assert prefix + name in everything and prefix + name not in kept, name
    assert not any("/translit/" in name for name in kept)
    assert list(kept) == sorted(kept)  # ICU finds items by binary search on the names
    assert len(trimmed) < len(whole) / 5


def test_chromiums_icu_file_is_cut_and_keeps_what_the_chart_page_uses(
        tmp_path: Path) -> None:
    """QtWebEngine's icudtl.dat (ICU 74, a plain package file), swapped in the data TOC
    for a package of the same header with English, the root and the tables Intl needs;
    the bundle check then formats numbers, zone names and collates in the page itself."""
    import PySide6

    icu = _packaging_module("icu_data")
    common = _packaging_module("spec_common")
    source = Path(PySide6.__file__).parent / "Qt" / "resources" / icu.CHROMIUM_DATA
    dest = "PySide6/Qt/resources/icudtl.dat"
    other = ("PySide6/Qt/resources/v8_context_snapshot.bin", "/x/v8.bin", "DATA")
    toc = common.chromium_icu_cut([(dest, str(source), "DATA"), other], tmp_path / "icu")
    assert toc[1] == other and toc[0][0] == dest and toc[0][2] == "DATA"
    copy = Path(toc[0][1])
    assert copy.parent == tmp_path / "icu"
    whole, trimmed = source.read_bytes(), copy.read_bytes()
    everything, kept = dict(icu.items(whole)), dict(icu.items(trimmed))
    header_size = int.from_bytes(whole[:2], "little")
    assert trimmed[:header_size] == whole[:header_size]  # version and format unchanged
    prefix = "icudt74l/"
    for name in ("root.res", "en.res", "en_US_POSIX.res", "res_index.res", "zoneinfo64.res",
                 "metaZones.res", "timezoneTypes.res", "plurals.res", "uts46.nrm",
                 "coll/ucadata.icu", "coll/root.res", "coll/en.res", "brkitr/char.brk",
                 "brkitr/line.brk", "curr/en.res", "zone/en.res", "unit/en.res"):
        assert kept[prefix + name] == everything[prefix + name], name
    for name in ("fr.res", "ja.res", "coll/de.res", "zone/fr.res", "brkitr/cjdict.dict",
                 "brkitr/thaidict.dict", "gb18030.cnv", "shift_jis-html.cnv"):
        assert prefix + name in everything and prefix + name not in kept, name
    assert list(kept) == sorted(kept)
    assert len(trimmed) < len(whole) / 4


def test_the_menu_entry_installs_from_the_folder_and_is_removed_again(tmp_path: Path) -> None:
    """install-desktop-entry.sh on a bundle's layout (no build needed: the script only
    reads share/): the entry runs this folder's program; --remove leaves the rest alone."""
    import shutil

    folder = tmp_path / "opt" / f"healthinsight-{__version__}"
    share = folder / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir()
    icon = share / "icons" / "hicolor" / "48x48" / "apps" / "healthinsight.png"
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"\x89PNG")
    shutil.copy2(PACKAGING / "healthinsight.desktop", share / "applications")
    shutil.copy2(PACKAGING / "healthinsight.metainfo.xml", share / "metainfo")
    shutil.copy2(PACKAGING / "install-desktop-entry.sh", folder)
    data = tmp_path / "data"
    vault = data / "HealthInsight" / "vault.json"  # where the vault lives: never touched
    vault.parent.mkdir(parents=True)
    vault.write_text("{}")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}

    subprocess.run([str(folder / "install-desktop-entry.sh")], env=env, check=True,
                   capture_output=True, timeout=60)
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(data / "applications" / "healthinsight.desktop")
    assert entry["Desktop Entry"]["Exec"] == f'"{folder}/healthinsight" gui'
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "healthinsight.png").is_file()
    assert (data / "metainfo" / "healthinsight.metainfo.xml").is_file()

    subprocess.run([str(folder / "install-desktop-entry.sh"), "--remove"], env=env,
                   check=True, capture_output=True, timeout=60)
    left = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    assert left == ["HealthInsight/vault.json"]


def test_smoke_test_flags_connections_off_loopback() -> None:
    smoke = _packaging_module("smoke_test")
    trace = [
        '12 connect(5, {sa_family=AF_INET, sin_port=htons(8000), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '12 connect(6, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = -1',
        '13 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), '
        'inet_pton(AF_INET6, "2606:4700::1111", &sin6_addr)}, 28) = -1',
        '14 connect(8, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("8.8.8.8")}, 16) = 0',
    ]
    bad = smoke.connects_off_loopback(trace)
    assert [line.split()[0] for line in bad] == ["13", "14"]
    assert smoke.names_value("Total cholesterol 168.1 mg/dL", 168.13)
    assert not smoke.names_value("Total cholesterol 170 mg/dL", 168.13)


def test_signed_and_vendored_libraries_are_copied_whole() -> None:
    """The httpfs extension (signed) and auditwheel's `<package>.libs/` (patchelf-edited,
    broken by strip) leave the binaries, which get stripped, for the data."""
    common = _packaging_module("spec_common")
    httpfs = "duckdb_extension_httpfs/extensions/v1.5.5/httpfs.duckdb_extension"
    blas = "numpy.libs/libscipy_openblas64_-32a4b2a6.so"
    core = "PySide6/Qt/lib/libQt6Core.so.6"
    binaries = [(httpfs, "/x/h", "BINARY"), (blas, "/x/b", "BINARY"), (core, "/x/c", "BINARY")]
    kept, datas = common.whole_as_data(binaries, [("resources/units.json", "/x/u", "DATA")])
    assert kept == [(core, "/x/c", "BINARY")]
    assert datas == [("resources/units.json", "/x/u", "DATA"), (httpfs, "/x/h", "DATA"),
                     (blas, "/x/b", "DATA")]


def test_the_size_report_counts_each_file_to_its_part() -> None:
    build = _packaging_module("build")
    expected = {
        "_internal/PySide6/Qt/lib/libQt6WebEngineCore.so.6": "Chromium (libQt6WebEngineCore)",
        "_internal/PySide6/Qt/lib/libQt6Gui.so.6": "PySide6/Qt/lib",
        "_internal/PySide6/Qt/resources/icudtl.dat": "PySide6/Qt/resources",
        "_internal/PySide6/QtGui.abi3.so": "PySide6",
        "_internal/_duckdb.cpython-311-x86_64-linux-gnu.so": "duckdb",
        "_internal/libnss3.so": "system libraries, libpython",
        "_internal/numpy.libs/libscipy_openblas64_-32a4b2a6.so": "numpy",
        "_internal/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so": "numpy",
        "LICENSES/components.json": "LICENSES",
        "healthinsight": "healthinsight",
    }
    assert {path: build.part_of(Path(path)) for path in expected} == expected


def test_plotlys_figure_classes_lose_their_docstrings_and_nothing_else() -> None:
    common = _packaging_module("spec_common")
    pure = [("plotly.graph_objs", "/p/__init__.py", "PYMODULE"),
            ("plotly.graph_objs._scatter", "/p/_scatter.py", "PYMODULE"),
            ("plotly.graph_objects", "/p/graph_objects.py", "PYMODULE"),
            ("plotly.io", "/p/io.py", "PYMODULE"), ("fastapi", "/f.py", "PYMODULE")]
    levels = [typecode for _, _, typecode in common.without_docstrings(pure)]
    assert levels == ["PYMODULE-2", "PYMODULE-2", "PYMODULE", "PYMODULE", "PYMODULE"]


def test_plotlys_json_is_minified_to_the_same_values(tmp_path: Path) -> None:
    import json

    import plotly

    common = _packaging_module("spec_common")
    source = Path(plotly.__file__).parent / "validators" / "_validators.json"
    other = tmp_path / "units.json"
    other.write_text('{\n  "a": 1\n}', encoding="utf-8")
    datas = [("plotly/validators/_validators.json", str(source), "DATA"),
             ("resources/units.json", str(other), "DATA")]
    out = common.minified_json(datas, tmp_path / "minified")
    assert out[1] == datas[1]
    dest, copy, kind = out[0]
    assert (dest, kind) == datas[0][::2] and Path(copy).parent.is_relative_to(tmp_path)
    assert json.loads(Path(copy).read_text(encoding="utf-8")) == json.loads(
        source.read_text(encoding="utf-8"))
    assert Path(copy).stat().st_size < source.stat().st_size * 0.7


def test_launch_cpu_time_is_read_from_proc() -> None:
    """build.py reports the CPU the app used to its window (less load-dependent than the
    wall time): read from /proc, it must agree with the process's own CPU clock."""
    import os
    import time

    bundle_run = _packaging_module("bundle_run")
    before, clock = bundle_run.cpu_seconds(os.getpid()), time.process_time()
    while time.process_time() - clock < 0.3:  # CPU work, not a wait
        pass
    spent = bundle_run.cpu_seconds(os.getpid()) - before
    assert 0.2 <= spent <= time.process_time() - clock + 0.5  # seconds, not clock ticks


def test_every_spec_parses_and_uses_only_what_spec_common_has() -> None:
    """The macOS and Windows specs are never built here: at least they must be valid
    Python calling spec_common's helpers by names it still has."""
    import ast

    common = _packaging_module("spec_common")
    for name in ("linux", "macos", "windows"):
        tree = ast.parse((PACKAGING / f"healthinsight-{name}.spec").read_text(), name)
        used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == "common"}
        assert {"ENTRY", "EXCLUDES", "prune", "without_docstrings", "minified_json",
                "chromium_icu_cut"} <= used
        assert not {attr for attr in used if not hasattr(common, attr)}, name
