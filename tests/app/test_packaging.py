"""What the desktop build relies on, checked without building it (make package-test
runs the built bundle): the version, the spec's inputs, the desktop metadata."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

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
