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


class Pending:
    """`fn` running in an op from the moment this is made; `wait` returns its outcome,
    running a local event loop until it is there."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._loop: QEventLoop | None = None
        self._outcome: tuple[Any, BaseException | None] | None = None
        Op(fn).success(lambda r: self._done(r, None)) \
            .failure(lambda e: self._done(None, e)).run_in_background()

    def _done(self, result: Any, error: BaseException | None) -> None:
        self._outcome = (result, error)
        if self._loop is not None:
            self._loop.quit()

    def wait(self) -> tuple[Any, BaseException | None]:
        """(result, error)."""
        if self._outcome is None:  # else it was delivered already: no loop to run
            self._loop = QEventLoop()
            self._loop.exec()
        assert self._outcome is not None
        return self._outcome


def run_and_wait(fn: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run `fn` in an op and wait for it in a local event loop: (result, error)."""
    return Pending(fn).wait()


def begin_unlock(ctx: AppContext) -> Pending | None:
    """Start the "straight in" unlock now, so that it runs while the window's modules
    load (its scrypt and DuckDB's ATTACH leave the GIL to them): a third of a second of
    the start. None when a person must be asked first (no vault yet, locked, in use)."""
    if vault_state(ctx.settings) != "ready" or in_use(ctx.settings) is not None:
        return None
    return Pending(lambda: unlock_vault(ctx, None))


def open_vault(ctx: AppContext, parent: QWidget | None = None,
               started: Pending | None = None) -> bool:
    """Make sure ctx.vault is open, asking the person as needed. False if they gave up.
    `started`: begin_unlock's, when it was started earlier."""
    state = "ready" if started is not None else vault_state(ctx.settings)
    busy = None if state == "missing" or started is not None else in_use(ctx.settings)
    if busy is not None:
        show_exception(parent=parent, exception=busy).exec()
        return False
    if state == "missing":
        if FirstRunDialog(ctx, parent).exec() != QDialog.DialogCode.Accepted:
            return False
    elif state == "ready":
        _, error = (started or Pending(lambda: unlock_vault(ctx, None))).wait()
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
