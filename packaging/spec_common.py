"""What the three PyInstaller specs share: the app's modules, data files and exclusions.

The specs (healthinsight-linux.spec, -macos.spec, -windows.spec) only add what is
particular to their platform. Everything here is read from the installed packages at
build time, so the bundle carries exactly the versions pinned in pyproject.toml.
"""

from __future__ import annotations

import json
from pathlib import Path

import icu_data  # beside this file: the specs and the tests put packaging/ on the path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "packaging" / "entry.py")
PATHEX = [str(ROOT), str(ROOT / "packaging")]  # our packages; bundle_check beside entry.py
NAME = "healthinsight"

# Our packages: every submodule, because app/cli.py imports its command modules by name.
OUR_PACKAGES = ("app", "agents", "storage", "ui")

# Distributions found at run time through their metadata: SQLAlchemy finds the DuckDB
# dialect and keyring its backends by entry points; the others read their own version.
METADATA = ("duckdb_engine", "keyring", "duckdb", "fastapi", "pydantic", "uvicorn", "ollama")

# Installed in the build venv (tests, other tools, optional imports) but not used by the
# app: left out so they cannot be pulled in by an optional import. numpy stays: DuckDB's
# fetchnumpy (the Records table) and bm25s (the clinic FAQ) import it.
EXCLUDES = [
    "tkinter", "_tkinter", "pandas", "pyarrow", "IPython", "matplotlib", "scipy",
    "numba", "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis", "keyrings.alt",
    "PyInstaller", "setuptools", "pip", "pydoc", "pdb", "doctest", "unittest", "lib2to3",
    "readline", "curses", "sqlite3", "numpy.f2py", "numpy.distutils", "numpy.testing",
    # numpy's parts that only load when asked for (random numbers, FFT, polynomials,
    # masked arrays, its test extension), and uvicorn's reloader (watchfiles)
    "numpy.random", "numpy.fft", "numpy.polynomial", "numpy.ma",
    "numpy._core._multiarray_tests", "watchfiles",
    # httpx's command line (rich, pygments, markdown-it), websockets' routers (werkzeug),
    # uvicorn's optional YAML config, plotly's express and figure factories (narwhals
    # stays: plotly's validators import it).
    "rich", "pygments", "markdown_it", "werkzeug", "yaml", "plotly.express",
    "plotly.figure_factory", "lxml.objectify", "lxml.html", "lxml.isoschematron",
    # Pillow stays (reportlab imports it), without the codecs and font engine the
    # reports never use, and their libraries (AVIF, WebP, LittleCMS, FreeType).
    "PIL._avif", "PIL._webp", "PIL._imagingcms", "PIL._imagingft", "PIL._imagingtk",
    "PIL.ImageQt", "PIL.ImageTk",
    # rapidfuzz's AVX2 copies of its scorers (5.3 MB): it falls back to the generic C++
    # build, as on a CPU without AVX2. The app scores one short name against another, where
    # the call costs more than the SIMD saves (2,000 WRatio calls: 5.7 ms generic, 6.2 AVX2).
    "rapidfuzz.fuzz_cpp_avx2", "rapidfuzz.distance.metrics_cpp_avx2",
    # SQLAlchemy's dialects for other databases (its hook takes them all; duckdb_engine
    # builds on the PostgreSQL one) and DuckDB's experimental Spark API.
    "sqlalchemy.dialects.mysql", "sqlalchemy.dialects.mssql", "sqlalchemy.dialects.oracle",
    "duckdb.experimental",
    # nanoarrow's IPC reader and writer (0.9 MB): the import builds arrays in memory and
    # hands DuckDB a C stream, never an IPC message.
    "nanoarrow.ipc", "nanoarrow._ipc_lib",
    # Qt modules the app never imports. QtWebEngineWidgets' hook names QtOpenGL, QtQml and
    # QtQuick; the app imports only Core, Gui, Widgets, Network, PrintSupport, WebChannel
    # and the two WebEngine modules (the C++ libraries QtWebEngine links stay).
    "PySide6.Qt3DCore", "PySide6.QtCharts", "PySide6.QtDataVisualization",
    "PySide6.QtGraphs", "PySide6.QtMultimedia", "PySide6.QtQuick3D", "PySide6.QtPdf",
    "PySide6.QtLocation", "PySide6.QtBluetooth", "PySide6.QtSql", "PySide6.QtTest",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtWebEngineQuick", "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtDBus", "PySide6.QtSvg", "PySide6.QtSvgWidgets", "PySide6.QtPositioning",
]

# Parts of the Qt tree that the app does not need at run time: Qt's own translations
# (the UI is English) except Chromium's en-US strings (translations/qtwebengine_locales),
# DevTools and the QML modules (the web view is a widget, not Quick). Matched against bundle paths.
PRUNE_PREFIXES = (
    "PySide6/Qt/translations/",
    "PySide6/Qt/qml/",
    "PySide6/Qt/resources/qtwebengine_devtools_resources.pak",
    # plotly's hook takes all package_data; the app needs plotly.min.js and the templates.
    "plotly/package_data/datasets/",
    "plotly/package_data/widgetbundle.js",
)
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-*.png", "oauth2-redirect.*")
KEEP_LOCALES = ("en-US.pak",)
# Qt plugins for things the app does not do (sensors, positioning, QML debugging, KMS
# or VNC displays, the QML virtual keyboard, PDF images); the display, image, icon,
# portal-theme, input-method and TLS plugins stay (no printing; the GTK theme plugin would
# drag in half of GTK's libraries). Folders, then file stems.
PRUNE_PLUGIN_DIRS = {
    "egldeviceintegrations", "generic", "networkinformation", "position", "qmltooling",
    "sensors", "multimedia", "sqldrivers", "texttospeech", "webview", "geoservices",
    "canbus", "designer", "assetimporters", "geometryloaders", "renderers",
    "renderplugins", "sceneparsers", "scxmldatamodel", "vectorimageformats",
    "wayland-graphics-integration-server", "printsupport",
}
PRUNE_PLUGIN_STEMS = {
    "qeglfs", "qlinuxfb", "qminimalegl", "qvkkhrdisplay", "qvnc", "qtvirtualkeyboardplugin",
    "qpdf", "qgtk3", "dmabuf-server", "drm-egl-server", "shm-emulation-server", "vulkan-server",
    # image formats the app never reads (its icons are SVG and PNG; Chromium decodes its own)
    "qtiff", "qwebp", "qtga", "qwbmp", "qicns",
}
QT_PLUGINS = "PySide6/Qt/plugins/"


# plotly's generated figure classes (plotly.graph_objs, 4.5 MB of the 21 MB module
# archive), compiled without docstrings (optimize=2): every property's documentation is
# a quarter of their bytecode, and they hold no assert and nothing reads their __doc__.
DOCSTRINGS_DROPPED = "plotly.graph_objs"
# JSON that plotly reads with json.load, written without its indentation (the validators
# table: 3.2 to 1.9 MB); the same values.
MINIFIED_JSON = "plotly/"


def without_docstrings(pure: list) -> list:
    """The module TOC with DOCSTRINGS_DROPPED's modules marked for optimize=2.

    A new list on purpose: PyInstaller's code cache is keyed by the Analysis list, so
    PYZ compiles this one afresh, each module at the level its entry names."""
    def level(name: str, typecode: str) -> str:
        inside = name == DOCSTRINGS_DROPPED or name.startswith(DOCSTRINGS_DROPPED + ".")
        return "PYMODULE-2" if inside and typecode == "PYMODULE" else typecode

    return [(name, path, level(name, typecode)) for name, path, typecode in pure]


def minified_json(datas: list, work: Path) -> list:
    """The data TOC with MINIFIED_JSON's .json files replaced by compact copies in `work`."""
    result = []
    for dest, src, kind in datas:
        path = dest.replace("\\", "/")
        if kind == "DATA" and path.startswith(MINIFIED_JSON) and path.endswith(".json"):
            copy = work / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            value = json.loads(Path(src).read_text(encoding="utf-8"))
            copy.write_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False),
                            encoding="utf-8")
            src = str(copy)
        result.append((dest, src, kind))
    return result


def chromium_icu_cut(datas: list, work: Path) -> list:
    """The data TOC with QtWebEngine's icudtl.dat replaced by its cut copy in `work`
    (icu_data: English and the root, 10.5 to 1.9 MB). A plain data file on every
    platform, so all three specs cut it, before a macOS build signs the bundle."""
    result = []
    for dest, src, kind in datas:
        if kind == "DATA" and Path(dest).name == icu_data.CHROMIUM_DATA:
            copy = work / icu_data.CHROMIUM_DATA
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(Path(src).read_bytes())
            icu_data.rewrite(copy)
            src = str(copy)
        result.append((dest, src, kind))
    return result


def datas() -> list[tuple[str, str]]:
    # PyInstaller is imported where it is used, so tests can read this module without it.
    from PyInstaller.utils.hooks import collect_data_files, copy_metadata

    found: list[tuple[str, str]] = [(str(ROOT / "resources"), "resources")]
    # The signed httpfs extension, copied byte for byte as data (never as a binary, which
    # PyInstaller might strip or rewrite): DuckDB checks its signature when it loads.
    found += collect_data_files("duckdb_extension_httpfs")
    # nanoarrow reads its version from this source file at import time.
    found += collect_data_files("nanoarrow", include_py_files=True,
                                includes=["_static_version.py"])
    # /docs assets, served locally: the files app/api/docs.py links, not the source maps.
    found += collect_data_files("swagger_ui_bundle", includes=[
        f"vendor/*/{name}" for name in SWAGGER_FILES])
    for dist in METADATA:
        found += copy_metadata(dist)
    return found


def hiddenimports() -> list[str]:
    from PyInstaller.utils.hooks import collect_submodules

    # DuckDB imports pytz from C++ when it returns TIMESTAMPTZ values: no import to follow.
    # bundle_check: what `make package-test` runs inside the bundle (entry.py).
    names: list[str] = ["pytz", "bundle_check"]
    for package in OUR_PACKAGES:
        names += collect_submodules(package)
    return names


def keep(dest: str) -> bool:
    """False for a bundle path under a pruned Qt folder or plugin."""
    path = dest.replace("\\", "/")
    if "/qtwebengine_locales/" in path or path.startswith("PySide6/Qt/resources/locales/"):
        return path.rsplit("/", 1)[-1] in KEEP_LOCALES  # QtWebEngine wants its en-US.pak
    if any(path.startswith(prefix) for prefix in PRUNE_PREFIXES):
        return False
    if path.endswith(".dist-info/RECORD"):  # the wheel's file list (plotly's is 0.3 MB):
        return False  # the bundle reads versions and entry points, never files()
    if path.startswith(QT_PLUGINS):
        folder, _, name = path[len(QT_PLUGINS):].partition("/")
        stem = name.split(".", 1)[0].removeprefix("lib")
        return folder not in PRUNE_PLUGIN_DIRS and stem not in PRUNE_PLUGIN_STEMS
    return True


def prune(toc: list) -> list:  # a PyInstaller TOC: (dest, source, kind) entries
    return [entry for entry in toc if keep(entry[0])]


# Shared libraries every Linux desktop provides, taken from the host as a pip install
# takes them (the PySide6 wheels do not carry them either): the AppImage project's
# exclude list. A bundled copy older than the host's breaks the host's GL drivers
# (libstdc++) or font configuration (fontconfig, freetype).
HOST_LIBS = frozenset({
    "libasound.so.2", "libcom_err.so.2", "libdrm.so.2", "libEGL.so.1", "libexpat.so.1",
    "libfontconfig.so.1", "libfreetype.so.6", "libfribidi.so.0", "libgbm.so.1",
    "libgcc_s.so.1", "libgdk_pixbuf-2.0.so.0", "libgio-2.0.so.0", "libglapi.so.0",
    "libGLdispatch.so.0", "libglib-2.0.so.0", "libGL.so.1", "libGLX.so.0", "libgmp.so.10",
    "libgobject-2.0.so.0", "libgpg-error.so.0", "libharfbuzz.so.0", "libICE.so.6",
    "libjack.so.0", "libOpenGL.so.0", "libp11-kit.so.0", "libpango-1.0.so.0",
    "libpangocairo-1.0.so.0", "libpangoft2-1.0.so.0", "libSM.so.6", "libstdc++.so.6",
    "libthai.so.0", "libusb-1.0.so.0", "libuuid.so.1", "libX11.so.6", "libxcb.so.1",
    "libxcb-dri2.so.0", "libxcb-dri3.so.0", "libz.so.1",
})
# Loaded with dlopen, so no binary names them: NSS's PKCS#11 modules, which Chromium's
# certificate code opens through libnss3.
DLOPENED = frozenset({"libsoftokn3.so", "libfreeblpriv3.so", "libfreebl3.so",
                      "libnssckbi.so", "libnssdbm3.so"})


def _is_root(dest: str, kind: str) -> bool:
    """A binary loaded by name at run time: Python extensions, Qt plugins, the web
    engine's helper process, libpython (the bootloader opens it), dlopen'd modules and
    the httpfs extension (DuckDB loads it from its path)."""
    path = dest.replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    return (kind == "EXTENSION" or path.startswith(QT_PLUGINS) or name in DLOPENED
            or name.startswith(("QtWebEngineProcess", "libpython"))
            or name.endswith(SIGNED_DATA_SUFFIX))


def drop_unreachable_libs(binaries: list) -> list:
    """Keep the shared libraries some root links to, directly or not, minus the host's.

    The QML hooks pull in every Qt library some QML plugin links (Quick3D, Charts,
    Multimedia...), and pruned plugins leave their system libraries behind (the GTK
    theme's cairo and pango, the print plugin's CUPS and GnuTLS): nothing that stays
    needs them.
    """
    from PyInstaller.depend.bindepend import get_imports

    libs = {Path(dest).name: src for dest, src, kind in binaries
            if kind == "BINARY" and not _is_root(dest, kind)}
    todo = [src for dest, src, kind in binaries if kind != "SYMLINK" and _is_root(dest, kind)]
    needed: set[str] = set()
    while todo:
        for name, _path in get_imports(todo.pop()):
            if name in libs and name not in needed:
                needed.add(name)
                todo.append(libs[name])
    return [(dest, src, kind) for dest, src, kind in binaries
            if kind == "EXTENSION" or _is_root(dest, kind)
            or (Path(dest).name in needed and Path(dest).name not in HOST_LIBS)]


def drop_dangling_links(datas: list, binaries: list) -> list:
    """Drop SYMLINK entries of `datas` (dest, target relative to dest's folder) whose
    target is not in the bundle: PyInstaller links top-level names to the libraries it
    keeps in subfolders, including the ones pruned since."""
    present = {dest.replace("\\", "/") for dest, _src, kind in (*binaries, *datas)
               if kind != "SYMLINK"}

    def target(dest: str, src: str) -> str:
        folder = dest.replace("\\", "/").rpartition("/")[0]
        return f"{folder}/{src}" if folder else src

    return [entry for entry in datas
            if entry[2] != "SYMLINK" or target(entry[0], entry[1]) in present]


SIGNED_DATA_SUFFIX = ".duckdb_extension"


def _kept_whole(dest: str) -> bool:
    path = dest.replace("\\", "/")
    return path.endswith(SIGNED_DATA_SUFFIX) or path.split("/", 1)[0].endswith(".libs")


def whole_as_data(binaries: list, datas: list) -> tuple[list, list]:
    """Move the binaries that must keep every byte from binaries to data (never stripped).

    PyInstaller reclassifies collected data files that are shared libraries as binaries,
    and binaries get stripped. That would break the signature DuckDB checks on the httpfs
    extension (packaging/build.py verifies it against the wheel's file), and it breaks
    the libraries auditwheel vendored into `<package>.libs/` (numpy's OpenBLAS, Pillow's
    codecs): patchelf edited their program headers, and `strip` then leaves load
    segments the loader refuses ("ELF load command address/offset not page-aligned").
    As data they are copied byte for byte, to the same place.
    """
    whole = [entry for entry in binaries if _kept_whole(entry[0])]
    kept = [entry for entry in binaries if not _kept_whole(entry[0])]
    return kept, [*datas, *((dest, src, "DATA") for dest, src, _ in whole)]
