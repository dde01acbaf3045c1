"""ICU data cut down to what the desktop app can use: Qt's 32 MB to 4 MB, Chromium's 10.5 to 2.

Qt Core links ICU (libicuuc, libicui18n) whose data is the whole of CLDR for every
locale, compiled into libicudata.so.73 as one "common data" package. The app's text is
English and Qt formats numbers and dates from its own CLDR tables; ICU serves Qt for
collation, case mapping, time-zone names and legacy text codecs.

Chromium in QtWebEngine carries its own ICU (74) with its data in resources/icudtl.dat,
the same package format as a plain file that Chromium maps at start. It serves the one
page the app shows, the chart shell: plotly.js draws SVG text (never wrapped, so no
line-break dictionaries are needed), formats numbers and dates with its own d3 tables,
and the page is UTF-8 (Chromium decodes UTF-8 and Latin-1 without ICU's converters).
JavaScript's Intl keeps English and the root locale.

Kept in both: the core tables (properties, normalisation, character names, string prep),
the root and English locale bundles of every tree, root collation (UCA), the break rules,
and the supplemental data (likely subtags, time zones, plurals...). Dropped: other
locales' bundles (their collation falls back to the root order, which is right for
English and most European languages), the word-break dictionaries for Chinese,
Japanese, Thai, Khmer, Lao and Burmese, transliteration, spelled-out numbers and the
legacy codec tables (Python reads every imported file, not Qt).

The package format (ICU's udata.h, "CmnD"): a header, then a table of contents of
(name offset, data offset) pairs relative to the table's start, sorted by name, then
the names, then each item aligned to 16 bytes. `rebuild` writes a shared library with
the same SONAME and symbol, assembled with binutils (`as`, `ld`); `rewrite` writes
Chromium's file in place.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

SYMBOL = "icudt73_dat"
SONAME = "libicudata.so.73"
CHROMIUM_DATA = "icudtl.dat"  # in PySide6/Qt/resources, beside QtWebEngine's .pak files
LOCALE_FILE = re.compile(r"(?:[a-z]{2,3}|root)(?:_[A-Za-z0-9]+)*\.res")
KEEP_LOCALES = re.compile(r"(?:root|en|en_US|en_US_POSIX|en_001|en_150|en_GB)\.res")
TREES_DROPPED = frozenset({"translit", "rbnf"})


def _symbol(elf: bytes, name: str) -> tuple[int, int]:
    """(file offset, size) of a dynamic symbol in a little-endian ELF64 shared object."""
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)
                for i in range(shnum)]
    dynsym = next(s for s in sections if s[1] == 11)  # SHT_DYNSYM
    strtab = sections[dynsym[6]]
    for k in range(dynsym[5] // 24):
        st_name, _info, _other, shndx, value, size = struct.unpack_from(
            "<IBBHQQ", elf, dynsym[4] + k * 24)
        end = elf.index(b"\0", strtab[4] + st_name)
        if elf[strtab[4] + st_name:end].decode() == name:
            section = sections[shndx]
            return value - section[3] + section[4], size
    raise ValueError(f"{name} is not a symbol of this library")


def items(package: bytes) -> list[tuple[str, bytes]]:
    """The (name, bytes) items of an ICU common data package, in table order."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27) or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    count, = struct.unpack_from("<I", package, header_size)
    toc = [struct.unpack_from("<II", package, header_size + 4 + 8 * k) for k in range(count)]
    found = []
    for k, (name_at, data_at) in enumerate(toc):
        start = header_size + name_at
        name = package[start:package.index(b"\0", start)].decode("ascii")
        end = header_size + toc[k + 1][1] if k + 1 < count else len(package)
        found.append((name, package[header_size + data_at:end]))
    return found


def package(header: bytes, kept: list[tuple[str, bytes]]) -> bytes:
    """A common data package of these items (names sorted as ICU searches them)."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in kept)
    table = 4 + 8 * len(kept)
    data_at = table + len(names)
    data_at += -data_at % 16
    toc, blobs, name_at, offset = [], [], table, data_at
    for name, blob in kept:
        toc.append(struct.pack("<II", name_at, offset))
        name_at += len(name) + 1
        padded = blob + b"\0" * (-len(blob) % 16)
        blobs.append(padded)
        offset += len(padded)
    body = struct.pack("<I", len(kept)) + b"".join(toc) + names
    return header + body + b"\0" * (data_at - len(body)) + b"".join(blobs)


def wanted(name: str) -> bool:
    """True for an item the desktop app can use (see the module docstring)."""
    parts = name.split("/")[1:]  # drop the "icudt73l" (Qt) or "icudt74l" (Chromium) prefix
    leaf = parts[-1]
    if leaf in ("res_index.res", "pool.res"):  # a tree's index of locales, its strings
        return len(parts) == 1 or parts[0] not in TREES_DROPPED
    if len(parts) == 1:  # top level: core tables, supplemental data, locale bundles
        if leaf.endswith(".cnv"):
            return False
        return not LOCALE_FILE.fullmatch(leaf) or bool(KEEP_LOCALES.fullmatch(leaf))
    tree = parts[0]
    if tree in TREES_DROPPED or leaf.endswith(".dict"):
        return False
    if not leaf.endswith(".res"):
        return True  # UCA data, break rules
    return bool(KEEP_LOCALES.fullmatch(leaf))


def trimmed_package(whole: bytes) -> bytes:
    """A data package with only its wanted items, under the same header."""
    header_size, = struct.unpack_from("<H", whole, 0)
    return package(whole[:header_size], [item for item in items(whole) if wanted(item[0])])


def trimmed(library: Path) -> bytes:
    """The library's data package with only the wanted items."""
    elf = library.read_bytes()
    offset, size = _symbol(elf, SYMBOL)
    return trimmed_package(elf[offset:offset + size])


def rewrite(data_file: Path) -> None:
    """Chromium's icudtl.dat, trimmed in place (a package file needs no assembler)."""
    data_file.write_bytes(trimmed_package(data_file.read_bytes()))


def rebuild(library: Path, work: Path) -> bool:
    """Replace `library` by one holding the trimmed data; False (unchanged) without binutils."""
    if shutil.which("as") is None or shutil.which("ld") is None:
        return False
    work.mkdir(parents=True, exist_ok=True)
    data = work / "icudt73l.dat"
    data.write_bytes(trimmed(library))
    source = work / "icudata.s"
    source.write_text(
        f'.section .rodata\n.globl {SYMBOL}\n.type {SYMBOL}, @object\n.balign 16\n'
        f'{SYMBOL}:\n.incbin "{data}"\n.size {SYMBOL}, . - {SYMBOL}\n'
        '.section .note.GNU-stack,"",@progbits\n', encoding="ascii")
    obj, out = work / "icudata.o", work / SONAME
    subprocess.run(["as", "--64", "-o", str(obj), str(source)], check=True)
    subprocess.run(["ld", "-shared", "-soname", SONAME, "-z", "noexecstack", "-s",
                    "-o", str(out), str(obj)], check=True)
    shutil.copyfile(out, library)
    return True
