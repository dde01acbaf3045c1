"""`healthinsight vault init | status | passphrase`."""

from __future__ import annotations

import argparse
import getpass
import sys

from pydantic import SecretStr

from app.commands.common import add_command, no_vault, print_json
from app.context import AppContext
from storage.errors import VaultKeyError
from storage.keys import usable_keyring
from storage.vault import Vault


def register(sub: argparse._SubParsersAction) -> None:
    vault = sub.add_parser("vault", help="create and inspect the encrypted vault")
    vsub = vault.add_subparsers(dest="vault_command", metavar="ACTION", required=True)
    add_command(vsub, "init", help="create a new encrypted vault", handler=init)
    status = add_command(vsub, "status", help="where the vault is, its encryption and contents",
                         handler=status_)
    status.add_argument("--json", action="store_true", help="print JSON")
    add_command(vsub, "passphrase", help="change the vault's passphrase (the key stays)",
                handler=change_passphrase)


def _new_passphrase(from_env: SecretStr | None, variable: str) -> str:
    """From the environment, else typed twice on the terminal."""
    if from_env is not None:
        return from_env.get_secret_value()
    if not sys.stdin.isatty():
        raise VaultKeyError(f"a new passphrase is needed: set {variable} or run in a terminal")
    first = getpass.getpass("New vault passphrase: ")
    if first != getpass.getpass("Repeat it: "):
        raise VaultKeyError("the two passphrases differ")
    return first


@no_vault
def init(args: argparse.Namespace, ctx: AppContext) -> int:
    passphrase = None
    if usable_keyring() is None:
        passphrase = _new_passphrase(ctx.settings.passphrase, "HEALTHINSIGHT_PASSPHRASE")
    with Vault.create(ctx.settings.home, passphrase=passphrase) as vault:
        info = vault.info()
    print(f"Created an encrypted vault in {info.location} (key in the {info.key_storage}).")
    return 0


def status_(args: argparse.Namespace, ctx: AppContext) -> int:
    info = ctx.vault.info()
    if args.json:
        print_json({
            "location": str(info.location), "vault_id": info.vault_id,
            "schema_version": info.schema_version, "cipher": info.cipher,
            "key_storage": info.key_storage, "row_counts": info.row_counts,
        })
        return 0
    print(f"location:        {info.location}")
    print(f"schema version:  {info.schema_version}")
    print(f"encryption:      AES-256-{info.cipher}")
    print(f"key storage:     {info.key_storage}")
    print("rows:")
    for table, count in info.row_counts.items():
        print(f"  {table:<20} {count}")
    return 0


def change_passphrase(args: argparse.Namespace, ctx: AppContext) -> int:
    old = ctx.settings.passphrase
    if old is None:
        raise VaultKeyError("this vault's key is not protected by a passphrase")
    new = _new_passphrase(ctx.settings.new_passphrase, "HEALTHINSIGHT_NEW_PASSPHRASE")
    ctx.vault.change_passphrase(old.get_secret_value(), new)
    print("Passphrase changed; the database was not rewritten.")
    return 0
