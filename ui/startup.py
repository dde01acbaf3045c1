"""From launch to an open vault: first-run, unlock, or straight in.

Opening runs scrypt and DuckDB's ATTACH, so even the "straight in" case opens the vault
in an op while a local event loop keeps the window system responsive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.context import AppContext
from app.services import preferences
from app.services.vault_access import in_use, unlock_vault, vault_state
from storage.errors import VaultKeyError
from ui.dialogs.first_run import FirstRunDialog
from ui.dialogs.unlock import UnlockDialog
from ui.errors import show_exception
from ui.ops import Op
from ui.qt import QDialog, QEventLoop, QWidget


def run_and_wait(fn: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run `fn` in an op and wait for it in a local event loop: (result, error)."""
    loop = QEventLoop()
    outcome: list[Any] = [None, None]

    def done(index: int, value: Any) -> None:
        outcome[index] = value
        loop.quit()

    Op(fn).success(lambda r: done(0, r)).failure(lambda e: done(1, e)).run_in_background()
    loop.exec()
    return outcome[0], outcome[1]


def open_vault(ctx: AppContext, parent: QWidget | None = None) -> bool:
    """Make sure ctx.vault is open, asking the person as needed. False if they gave up."""
    state = vault_state(ctx.settings)
    busy = None if state == "missing" else in_use(ctx.settings)
    if busy is not None:
        show_exception(parent=parent, exception=busy).exec()
        return False
    if state == "missing":
        if FirstRunDialog(ctx, parent).exec() != QDialog.DialogCode.Accepted:
            return False
    elif state == "ready":
        _, error = run_and_wait(lambda: unlock_vault(ctx, None))
        if isinstance(error, VaultKeyError) and ctx.settings.passphrase is not None:
            ctx.settings.passphrase = None  # the one given for this run is wrong: ask
            return open_vault(ctx, parent)
        if error is not None:
            show_exception(parent=parent, exception=error).exec()
            return False
    elif UnlockDialog(ctx, parent).exec() != QDialog.DialogCode.Accepted:
        return False
    # Saved engine choices are a convenience: if they cannot be read, defaults serve.
    run_and_wait(lambda: preferences.apply_saved(ctx.vault, ctx.settings))
    return True
