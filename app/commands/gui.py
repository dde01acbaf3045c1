"""`healthinsight gui` (also the bare command): the desktop window."""

from __future__ import annotations

import argparse

from app.commands.common import add_command, no_vault
from app.context import AppContext


def register(sub: argparse._SubParsersAction) -> None:
    add_command(sub, "gui", help="open the desktop app (the default)", handler=gui)


@no_vault
def gui(args: argparse.Namespace, ctx: AppContext) -> int:
    from ui.main import run  # Qt is imported only here, never at app/ import time

    return run(ctx)
