"""`healthinsight`: one entry point. Each command lives in app/commands/<name>.py.

A command module exposes ``register(sub)``, which adds its parsers through
``commands.common.add_command`` so every command takes ``--home`` the same way.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.commands.common import run_handler

# Modules that register subcommands, in the order `--help` lists them.
COMMAND_MODULES = [
    "app.commands.gui",
    "app.commands.vault",
    "app.commands.records",
    "app.commands.demo",
    "app.commands.serve",
    "app.commands.users",
    "app.commands.ask",
    "app.commands.clinic",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthinsight",
        description="Your health records in an encrypted local vault, answered by a "
        "team of local AI agents.",
    )
    parser.add_argument("--home", help="folder of the vault (default: HEALTHINSIGHT_HOME "
                        "or the platform's user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `healthinsight` opens the desktop app
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
