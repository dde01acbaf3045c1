"""What the three PyInstaller specs share: the app's modules, data files and exclusions.

The specs (healthinsight-linux.spec, -macos.spec, -windows.spec) only add what is
particular to their platform. Everything here is read from the installed packages at
build time, so the bundle carries exactly the versions pinned in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "packaging" / "entry.py")
NAME = "healthinsight"

# Our packages: every submodule, because app/cli.py imports its command modules by name.
OUR_PACKAGES = ("app", "agents", "storage", "ui")

# Distributions found at run time through their metadata: SQLAlchemy finds the DuckDB
# dialect and keyring its backends by entry points; the others read their own version.
METADATA = ("duckdb_engine", "keyring", "duckdb", "fastapi", "pydantic", "uvicorn", "ollama")

# Installed in the build venv (tests, other tools, optional imports) but not used by the
# app: left out so they cannot be pulled in by an optional import.
EXCLUDES = [
    "tkinter", "_tkinter", "numpy", "pandas", "pyarrow", "IPython", "matplotlib", "PIL",
    "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis", "keyrings.alt",
    "PyInstaller", "setuptools", "pip", "pydoc", "unittest", "lib2to3",
    # Qt modules the app never imports (the PySide6 hooks only follow real imports; these
    # guard against an optional import reaching for them).
    "PySide6.Qt3DCore", "PySide6.QtCharts", "PySide6.QtDataVisualization",
    "PySide6.QtGraphs", "PySide6.QtMultimedia", "PySide6.QtQuick3D", "PySide6.QtPdf",
    "PySide6.QtLocation", "PySide6.QtBluetooth", "PySide6.QtSql", "PySide6.QtTest",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtWebEngineQuick",
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
}
QT_PLUGINS = "PySide6/Qt/plugins/"


def datas() -> list[tuple[str, str]]:
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
    # DuckDB imports pytz from C++ when it returns TIMESTAMPTZ values: no import to follow.
    names: list[str] = ["pytz"]
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
    if path.startswith(QT_PLUGINS):
        folder, _, name = path[len(QT_PLUGINS):].partition("/")
        stem = name.split(".", 1)[0].removeprefix("lib")
        return folder not in PRUNE_PLUGIN_DIRS and stem not in PRUNE_PLUGIN_STEMS
    return True


def prune(toc: list) -> list:  # a PyInstaller TOC: (dest, source, kind) entries
    return [entry for entry in toc if keep(entry[0])]


def _is_qt_lib(dest: str) -> bool:
    path = dest.replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    return (path.startswith("PySide6/Qt/lib/") or "Qt6" in name) and not name.endswith(".pyd") \
        and ".abi3." not in name


def drop_unneeded_qt_libs(binaries: list) -> list:
    """Keep only the Qt libraries that a kept binary links to, directly or not.

    The QML hooks pull in every Qt library some QML plugin links (Quick3D, Charts,
    Multimedia...); with those plugins pruned, nothing that stays needs them.
    """
    from PyInstaller.depend.bindepend import get_imports

    qt_libs = {Path(dest).name: (dest, src) for dest, src, _ in binaries if _is_qt_lib(dest)}
    todo = [src for dest, src, _ in binaries if not _is_qt_lib(dest)]
    needed: set[str] = set()
    while todo:
        for name, _path in get_imports(todo.pop()):
            if name in qt_libs and name not in needed:
                needed.add(name)
                todo.append(qt_libs[name][1])
    return [entry for entry in binaries
            if not _is_qt_lib(entry[0]) or Path(entry[0]).name in needed]


SIGNED_DATA_SUFFIX = ".duckdb_extension"


def signed_as_data(binaries: list, datas: list) -> tuple[list, list]:
    """Move the httpfs extension back from binaries to data.

    PyInstaller reclassifies collected data files that are shared libraries as binaries,
    and binaries get stripped: that would break the signature DuckDB checks. As data it
    is copied byte for byte (packaging/build.py verifies it against the wheel's file).
    """
    signed = [entry for entry in binaries if entry[0].endswith(SIGNED_DATA_SUFFIX)]
    kept = [entry for entry in binaries if not entry[0].endswith(SIGNED_DATA_SUFFIX)]
    return kept, [*datas, *((dest, src, "DATA") for dest, src, _ in signed)]
