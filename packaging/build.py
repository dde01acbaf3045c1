"""`make package`: the Linux x86-64 desktop build, measured.

1. PyInstaller builds the one-folder bundle from packaging/healthinsight-linux.spec.
2. The folder becomes healthinsight-<version>/ with the desktop entry, icons rendered
   from resources/icons/healthinsight.svg (16-512 px, Qt's SVG renderer, offscreen),
   the AppStream metainfo and LICENSES (licence files of every bundled distribution,
   Python's, Qt's LGPL notice, and the Debian copyright files of bundled system
   libraries), then dist/healthinsight-<version>-linux-x86_64.tar.gz.
   Qt's ICU data is cut to what the app uses (packaging/icu_data.py; the spec cuts
   Chromium's) and the archive gets a SHA-256 file beside it (`sha256sum -c` checks it).
3. It prints the unpacked size (target < 450 MB), its largest parts, and the time from
   launching the bundle to its main window (target < 3 s), as JSON on the last line.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bundle_run  # noqa: E402 - beside this script
import icu_data  # noqa: E402

from app import __version__  # noqa: E402
from app.services.components import INDEX, Component, components  # noqa: E402

BUILD = ROOT / "build"
DIST = ROOT / "dist"
NAME = f"healthinsight-{__version__}"
ARCHIVE = DIST / f"{NAME}-linux-x86_64.tar.gz"
CHECKSUM = ARCHIVE.with_name(ARCHIVE.name + ".sha256")
ICU_DATA = Path("_internal", "PySide6", "Qt", "lib", icu_data.SONAME)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
APP_ID = "healthinsight"
SIZE_TARGET_MB = 450
START_TARGET_S = 3.0


def pyinstaller() -> Path:
    work = BUILD / "pyinstaller"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(work / "dist"), "--workpath", str(work / "work"),
                    str(ROOT / "packaging" / "healthinsight-linux.spec")], check=True)
    return work / "dist" / "healthinsight"


def render_icons(share: Path) -> None:
    """PNGs of the SVG icon, drawn by QSvgRenderer on an offscreen QGuiApplication."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    svg = ROOT / "resources" / "icons" / "healthinsight.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read the icon {svg}")
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        out = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out)):
            raise SystemExit(f"cannot write {out}")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(svg, scalable)
    del app


def python_component() -> Component:
    licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    return Component(name="Python", version=platform.python_version(), licence="PSF-2.0",
                     files=(licence,) if licence.is_file() else ())


def system_components(internal: Path) -> list[Component]:
    """Debian packages whose libraries PyInstaller copied from the build machine."""
    libs = sorted(p.name for p in internal.glob("*.so*") if p.is_file())
    paths = [str(d / name) for name in libs
             for d in (Path("/lib/x86_64-linux-gnu"), Path("/usr/lib/x86_64-linux-gnu"))
             if (d / name).exists()]
    if not paths or shutil.which("dpkg") is None:
        return []
    found = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True).stdout
    packages = sorted({line.split(":", 1)[0] for line in found.splitlines() if ":" in line})
    result = []
    for package in packages:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                                 capture_output=True, text=True).stdout.strip()
        copyright_file = Path("/usr/share/doc") / package.split(":")[0] / "copyright"
        result.append(Component(
            name=f"{package} (Debian library)", version=version,
            licence="see the Debian copyright file",
            files=(copyright_file,) if copyright_file.is_file() else ()))
    return result


def write_licences(folder: Path, internal: Path) -> int:
    """LICENSES/<component>/<files> and the index the About dialog reads."""
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    listed = [python_component(), *components(requirements), *system_components(internal)]
    index = []
    for component in listed:
        sub = f"{component.name.split(' ')[0]}-{component.version}"
        copied = []
        for n, source in enumerate(component.files):
            if not source.is_file():
                continue
            dest_name = source.name if n == 0 or source.name not in {
                p.name for p in component.files[:n]} else f"{n}-{source.name}"
            dest = folder / sub / dest_name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
            copied.append(f"{sub}/{dest_name}")
        index.append({"name": component.name, "version": component.version,
                      "licence": component.licence, "files": copied})
    (folder / INDEX).write_text(json.dumps(index, indent=1), encoding="utf-8")
    return len(index)


def check_signed_extension(folder: Path) -> None:
    """The bundled httpfs extension must be the wheel's file, byte for byte (signed)."""
    from storage.vault import httpfs_extension_path

    source = httpfs_extension_path()
    copied = folder / "_internal" / source.relative_to(source.parents[3])
    if not copied.is_file() or copied.read_bytes() != source.read_bytes():
        raise SystemExit(f"{copied} is not the signed file of the wheel ({source})")


def assemble(frozen: Path) -> Path:
    folder = BUILD / NAME
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(frozen, folder, symlinks=True)
    check_signed_extension(folder)
    icu = folder / ICU_DATA
    before = icu.stat().st_size
    if icu_data.rebuild(icu, BUILD / "icu"):
        print(f"ICU data: {before / 1e6:.1f} MB -> {icu.stat().st_size / 1e6:.1f} MB")
    else:
        print("ICU data kept whole: binutils (as, ld) are not installed")
    share = folder / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(ROOT / "packaging" / f"{APP_ID}.desktop", share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy2(ROOT / "packaging" / f"{APP_ID}.metainfo.xml", share / "metainfo")
    shutil.copy2(ROOT / "packaging" / "install-desktop-entry.sh", folder)
    render_icons(share)
    count = write_licences(folder / "LICENSES", folder / "_internal")
    print(f"LICENSES: {count} components")
    return folder


def archive(folder: Path) -> None:
    """The tar.gz and its checksum file, in `sha256sum` format."""
    DIST.mkdir(exist_ok=True)
    with tarfile.open(ARCHIVE, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=NAME)
    digest = hashlib.sha256()
    with ARCHIVE.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    CHECKSUM.write_text(f"{digest.hexdigest()}  {ARCHIVE.name}\n", encoding="ascii")


def largest_parts(folder: Path, count: int = 8) -> list[tuple[str, float]]:
    """The biggest files of the bundle (MB), for the size report."""
    files = sorted((p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()),
                   key=lambda p: p.stat().st_size, reverse=True)[:count]
    return [(str(p.relative_to(folder)), round(p.stat().st_size / 1e6, 1)) for p in files]


def part_of(relative: Path) -> str:
    """The part of the bundle a file counts to in the size report: a top folder of
    _internal (a package with its auditwheel `.libs`), Chromium, Qt's other libraries,
    resources and plugins apart from the bindings, DuckDB, the other loose libraries."""
    parts = relative.parts
    if parts[0] != "_internal" or len(parts) == 1:
        return parts[0]
    inner = parts[1:]
    if inner[-1].startswith("libQt6WebEngineCore.so"):
        return "Chromium (libQt6WebEngineCore)"
    if len(inner) == 1:
        return "duckdb" if inner[0].startswith("_duckdb.") else "system libraries, libpython"
    if inner[0] == "PySide6" and len(inner) > 3 and inner[1] == "Qt":
        return "/".join(inner[:3])
    return inner[0].removesuffix(".libs")


def size_by_part(folder: Path, count: int = 14) -> list[tuple[str, float]]:
    """Unpacked MB per part (part_of), largest first: where the bundle's size goes."""
    sizes: dict[str, int] = {}
    for path in folder.rglob("*"):
        if path.is_file() or path.is_symlink():
            key = part_of(path.relative_to(folder))
            sizes[key] = sizes.get(key, 0) + path.lstat().st_size
    ranked = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:count]
    return [(name, round(size / 1e6, 1)) for name, size in ranked]


def unpacked_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def start_times(folder: Path, runs: int = 3) -> list[bundle_run.Launch]:
    """Launch to main window, on a throwaway empty vault under build/ (never /tmp)."""
    home = BUILD / "start-check" / "vault"
    shutil.rmtree(home.parent, ignore_errors=True)
    home.parent.mkdir(parents=True)
    exe = folder / "healthinsight"
    init = bundle_run.run(exe, home, "vault", "init")
    if init.returncode != 0:
        raise SystemExit(f"vault init failed in the bundle: {init.stderr}")
    return [bundle_run.time_to_window(exe, home) for _ in range(runs)]


def platform_assets(out: Path) -> None:
    """For the macOS and Windows builds: LICENSES and the .icns/.ico icons in `out`."""
    shutil.rmtree(out / "LICENSES", ignore_errors=True)
    write_licences(out / "LICENSES", out / "no-system-libraries")
    render_icons(out / "share")
    from PySide6.QtGui import QImage

    big = QImage(str(out / "share" / "icons" / "hicolor" / "512x512" / "apps" / f"{APP_ID}.png"))
    for name, kind in ((f"{APP_ID}.icns", "ICNS"), (f"{APP_ID}.ico", "ICO")):
        image = big.scaled(256, 256) if kind == "ICO" else big  # ICO holds at most 256 px
        if not image.save(str(out / name), kind):
            raise SystemExit(f"Qt cannot write {kind} here (imageformats plugin missing)")


def main() -> int:
    if sys.argv[1:2] == ["--assets"]:  # packaging/README.md: macOS and Windows
        platform_assets(Path(sys.argv[2]))
        return 0
    folder = assemble(pyinstaller())
    archive(folder)
    size = unpacked_bytes(folder)
    launches = start_times(folder)
    times = [launch.wall_s for launch in launches]
    report = {"archive": str(ARCHIVE.relative_to(ROOT)),
              "archive_mb": round(ARCHIVE.stat().st_size / 1e6, 1),
              "sha256": CHECKSUM.read_text().split()[0],
              "unpacked_mb": round(size / 1e6, 1), "unpacked_target_mb": SIZE_TARGET_MB,
              "largest_mb": largest_parts(folder), "by_part_mb": size_by_part(folder),
              "start_to_window_s": [round(t, 2) for t in times],
              "first_start_s": round(times[0], 2),
              "median_start_s": round(statistics.median(times), 2),
              "start_cpu_s": [round(launch.cpu_s or 0.0, 2) for launch in launches],
              "load_average": os.getloadavg()[0],
              "start_target_s": START_TARGET_S}
    print(f"unpacked size: {report['unpacked_mb']} MB (target < {SIZE_TARGET_MB} MB); "
          "largest: " + ", ".join(f"{name} {mb}" for name, mb in report["largest_mb"]))
    print("by part: " + ", ".join(f"{name} {mb}" for name, mb in report["by_part_mb"]))
    print(f"launch to main window: first {report['first_start_s']} s, median "
          f"{report['median_start_s']} s (target < {START_TARGET_S} s); CPU to the window "
          f"{report['start_cpu_s']} s; load average {report['load_average']:.1f}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
