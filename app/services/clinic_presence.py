"""Whether the vault runs a clinic desk, asked without loading the clinic: its services and
models take most of a second of Python to import, which a personal vault never needs, and
the desktop asks right after its window opens, beside the first pages the person reads."""

from __future__ import annotations

from storage.vault import Vault


def has_desk(vault: Vault) -> bool:
    """True when the vault has an owner account and an organization (the desk's owner)."""
    if vault.users.owner() is None:
        return False
    store = vault.clinic
    with store.read() as conn:
        return bool(store.organizations.all(conn))
