"""The vault's SQLAlchemy engine gets every listener when the vault opens.

SQLAlchemy dispatches an event by iterating a deque of listeners; a listener added
while another thread iterates it raises "RuntimeError: deque mutated during iteration"
in that thread, whose checkin then never returns its connection to the pool. The
desktop opened its clinic desk (whose stores add table watches) on one worker while
others read the vault, and so failed now and then, most often during an import."""

from __future__ import annotations

from storage.vault import Vault


def _listeners(vault: Vault) -> tuple[int, int]:
    return len(vault.engine.pool.dispatch.checkin), len(vault.engine.dispatch.after_execute)


def test_the_clinic_and_scheduling_stores_add_no_listener_once_the_vault_is_open(
        vault: Vault) -> None:
    before = _listeners(vault)
    assert before[0] >= 3 and before[1] >= 2  # the reader mark and both table watches
    assert vault.clinic.changes is not vault.scheduling.changes
    with vault.engine.connect():
        pass
    assert _listeners(vault) == before
