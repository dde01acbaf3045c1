"""From launch to an open vault: first-run, unlock, or straight in.

Opening runs scrypt and DuckDB's ATTACH, so even the "straight in" case opens the vault
in an op while a local event loop keeps the window system responsive.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from app.context import AppContext
from app.services import preferences
from app.services.vault_access import in_use, unlock_vault, vault_state
from storage.errors import VaultKeyError
from ui.dialogs.first_run import FirstRunDialog
from ui.dialogs.unlock import UnlockDialog
from ui.errors import show_exception
from ui.ops import Op
from ui.qt import QDialog, QEventLoop, QTimer, QWidget


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


def wait_for(future: Future[Any]) -> tuple[Any, BaseException | None]:
    """A future begun before Qt was loaded (vault_access.start_unlock), waited for in a
    local event loop: (result, error). It polls, as nothing of Qt's can be told from
    that thread; for the second of a start-up that costs nothing."""
    if not future.done():
        loop = QEventLoop()
        poll = QTimer(interval=5)
        poll.timeout.connect(lambda: future.done() and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
    error = future.exception()
    return (None if error is not None else future.result()), error


def open_vault(ctx: AppContext, parent: QWidget | None = None,
               started: Future[None] | None = None) -> bool:
    """Make sure ctx.vault is open, asking the person as needed. False if they gave up.
    `started`: vault_access.start_unlock's, when it was begun earlier."""
    state = "ready" if started is not None else vault_state(ctx.settings)
    busy = None if state == "missing" or started is not None else in_use(ctx.settings)
    if busy is not None:
        show_exception(parent=parent, exception=busy).exec()
        return False
    if state == "missing":
        if FirstRunDialog(ctx, parent).exec() != QDialog.DialogCode.Accepted:
            return False
    elif state == "ready":
        _, error = (wait_for(started) if started is not None
                    else run_and_wait(lambda: unlock_vault(ctx, None)))
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
