"""What every command shares: --home, building the AppContext, one way to report errors."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.settings import Settings
from storage.errors import StorageError, VaultInUse, VaultKeyError

Handler = Callable[[argparse.Namespace, AppContext], int]

_COMMON = argparse.ArgumentParser(add_help=False)
_COMMON.add_argument("--home", default=argparse.SUPPRESS,
                     help="folder of the vault (default: HEALTHINSIGHT_HOME)")


def add_command(sub: argparse._SubParsersAction, name: str, *, help: str,
                handler: Handler) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help, parents=[_COMMON])
    parser.set_defaults(handler=handler)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "home", None):
        overrides["home"] = Path(args.home)
    return Settings(**overrides)


def ask_passphrase(settings: Settings, *, prompt: str = "Vault passphrase: ") -> str | None:
    """The passphrase from the environment, else from the terminal if there is one."""
    if settings.passphrase is not None:
        return settings.passphrase.get_secret_value()
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def context_for(args: argparse.Namespace) -> AppContext:
    settings = settings_for(args)
    from storage.vault import read_meta

    if settings.passphrase is None and read_meta(settings.home).get("key_storage") == "passphrase":
        typed = ask_passphrase(settings)
        if typed is not None:
            settings = settings.model_copy(update={"passphrase": typed})
    return AppContext(settings)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def run_handler(args: argparse.Namespace) -> int:
    """Run a command; storage errors become one line on stderr, never a traceback.

    Exit status 2 means the vault was not touched: the key was wrong or missing, or
    another live process has the vault open.
    """
    handler: Handler = args.handler
    ctx: AppContext | None = None
    try:
        if getattr(handler, "needs_vault", True):
            ctx = context_for(args)
            _ = ctx.vault  # open now, so a wrong key fails before any work starts
        else:
            ctx = AppContext(settings_for(args))
        return handler(args, ctx)
    except (VaultKeyError, VaultInUse) as exc:
        print(f"healthinsight: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"healthinsight: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    finally:
        if ctx is not None:
            ctx.close()


def no_vault(handler: Handler) -> Handler:
    """Mark a command that opens or creates the vault itself (its context is not opened)."""
    handler.needs_vault = False  # type: ignore[attr-defined]
    return handler
