"""`healthinsight demo [--open]`: a vault with an invented patient, ready to try.

Demo records are made up, so when no keyring and no passphrase are around the demo
vault uses the passphrase "demo" and says so; a real vault never has a default.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pydantic import SecretStr

from app.commands.common import add_command, no_vault
from app.context import AppContext
from app.demo import write_demo_bundle
from storage.keys import usable_keyring
from storage.vault import Vault, exists

DEMO_PASSPHRASE = "demo"


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(sub, "demo", help="create a demo vault with an invented patient",
                         handler=demo)
    parser.add_argument("--open", action="store_true", help="then open the desktop app")


@no_vault
def demo(args: argparse.Namespace, ctx: AppContext) -> int:
    settings = ctx.settings
    if settings.passphrase is None and usable_keyring() is None:
        settings = settings.model_copy(update={"passphrase": SecretStr(DEMO_PASSPHRASE)})
        print(f'Demo vault passphrase: "{DEMO_PASSPHRASE}" (set HEALTHINSIGHT_PASSPHRASE '
              "to choose another).")
    passphrase = settings.passphrase.get_secret_value() if settings.passphrase else None
    demo_ctx = AppContext(settings)
    try:
        if not exists(settings.home):
            Vault.create(settings.home, passphrase=passphrase).close()
            # invented records, yet written beside the vault, never to the system temp
            with tempfile.TemporaryDirectory(dir=settings.home) as tmp:
                summary = demo_ctx.imports.run([write_demo_bundle(Path(tmp))]).summary
            print(f"Created a demo vault in {settings.home} with "
                  f"{summary.total_records} records.")
        else:
            print(f"Using the vault in {settings.home}.")
        if not args.open:
            return 0
        from ui.main import run  # Qt only when the window is wanted

        return run(demo_ctx)
    finally:
        demo_ctx.close()
