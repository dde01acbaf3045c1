"""Creating and unlocking the vault for a front end that asks the person (the desktop app).

The CLI reads the passphrase from the environment or the terminal; the desktop app asks
in a dialog. Both end the same way: the AppContext's settings hold the passphrase and
`ctx.vault` opens the vault, so every service is built on the one open vault.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Literal

from pydantic import SecretStr

from app.context import AppContext
from app.settings import Settings
from storage.errors import StorageError, VaultInUse, VaultKeyError
from storage.keys import usable_keyring
from storage.lock import VaultLock
from storage.vault import Vault, read_meta

VaultState = Literal["missing", "locked", "ready"]

MIN_PASSPHRASE = 8


def vault_state(settings: Settings) -> VaultState:
    """`missing`: no vault yet; `locked`: it needs a passphrase we do not have; else `ready`."""
    try:
        meta = read_meta(settings.home)
    except StorageError:
        return "missing"
    if meta.get("key_storage") == "passphrase" and settings.passphrase is None:
        return "locked"
    return "ready"


def in_use(settings: Settings) -> VaultInUse | None:
    """Whether another live process holds the vault (its error, naming the pid), asked
    before the passphrase so nobody types it for a vault that cannot open."""
    lock = VaultLock(settings.home)
    try:
        lock.acquire()
    except VaultInUse as exc:
        return exc
    lock.release()
    return None


def keyring_available() -> bool:
    return usable_keyring() is not None


def check_new_passphrase(first: str, second: str) -> None:
    """Raise VaultKeyError with a message for a person when a new passphrase is not usable."""
    if len(first) < MIN_PASSPHRASE:
        raise VaultKeyError(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    if first != second:
        raise VaultKeyError("the two passphrases differ")


def create_vault(ctx: AppContext, *, passphrase: str | None, use_keyring: bool) -> None:
    """A new vault at ctx.settings.home, then opened through the context, with its owner
    account (the person at this computer; `AuthService.owner_account`), so tokens and
    the clinic work without the command line."""
    Vault.create(ctx.settings.home, passphrase=passphrase, use_keyring=use_keyring).close()
    unlock_vault(ctx, None if use_keyring else passphrase)
    ctx.auth.owner_account()


def start_unlock(ctx: AppContext) -> Future[None] | None:
    """The "straight in" unlock (scrypt, then DuckDB's ATTACH) begun on a thread of its
    own, for a start that has other work meanwhile: the desktop's Qt modules load while
    it runs (scrypt leaves the GIL to them). None when a person must be asked first (no
    vault yet, locked, in use)."""
    if vault_state(ctx.settings) != "ready" or in_use(ctx.settings) is not None:
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unlock")
    try:
        return pool.submit(unlock_vault, ctx, None)
    finally:
        pool.shutdown(wait=False)


def unlock_vault(ctx: AppContext, passphrase: str | None) -> None:
    """Open ctx.vault with `passphrase`; a wrong one raises VaultKeyError and changes nothing."""
    previous = ctx.settings.passphrase
    if passphrase is not None:
        ctx.settings.passphrase = SecretStr(passphrase)
    try:
        _ = ctx.vault
    except Exception:
        ctx.settings.passphrase = previous
        raise


def change_passphrase(ctx: AppContext, *, current: str, new: str, repeat: str) -> None:
    """Re-wrap the vault key with a new passphrase (the records are not rewritten); a wrong
    current passphrase raises VaultKeyError and changes nothing."""
    check_new_passphrase(new, repeat)
    ctx.vault.change_passphrase(current, new)
    if ctx.settings.passphrase is not None:
        ctx.settings.passphrase = SecretStr(new)  # this run keeps working with the new one
