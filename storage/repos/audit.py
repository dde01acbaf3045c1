"""The audit trail: who read or changed what, and when (never the data itself).

Append-only and hash-chained. Each organization has its own chain (`chain` is its id;
"" is the platform's, for events outside any organization): a row holds its position
`seq`, the previous row's hash and the SHA-256 of its own canonical content joined to
that previous hash. Editing a row breaks its own hash, deleting one leaves a gap in
`seq` and a `prev_hash` that no longer matches, inserting one breaks the next link.
This repository has no update and no delete; appends run inside the vault's one writer
(`Vault.write`) in the caller's transaction, so an event commits with the change it
describes or not at all, and UNIQUE(chain, seq) refuses a fork. What a chain cannot
show by itself is the loss of its newest rows: `verify` reports each chain's length so
an operator can compare it with an earlier run.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.schema import audit_events

if TYPE_CHECKING:
    from storage.vault import Vault

PLATFORM_CHAIN = ""
GENESIS = "0" * 64
_HASHED = ("chain", "seq", "occurred_at", "user_id", "organization_id", "action",
           "resource_type", "resource_id", "outcome", "request_id", "details")


@dataclass(frozen=True)
class ChainCheck:
    """What `verify` found: rows checked, and the first row that does not verify."""

    checked: int
    chains: int
    bad_id: str | None = None
    bad_chain: str | None = None
    bad_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_id is None


def _stamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 of the previous hash and the row's canonical JSON (sorted keys, UTC time)."""
    content = {key: row.get(key) for key in _HASHED}
    content["occurred_at"] = _stamp(row["occurred_at"])
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


class AuditRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def append(self, conn: sa.Connection, *, action: str, user_id: str | None = None,
               organization_id: str | None = None, resource_type: str | None = None,
               resource_id: str | None = None, outcome: str = "success",
               request_id: str | None = None, details: dict[str, Any] | None = None) -> str:
        """Append one event to its organization's chain on `conn` (inside Vault.write)."""
        chain = organization_id or PLATFORM_CHAIN
        last = conn.execute(
            sa.select(audit_events.c.seq, audit_events.c.row_hash)
            .where(audit_events.c.chain == chain)
            .order_by(audit_events.c.seq.desc()).limit(1)).first()
        seq, prev = (1, GENESIS) if last is None else (int(last.seq) + 1, str(last.row_hash))
        values: dict[str, Any] = {
            "id": f"aud_{secrets.token_hex(8)}", "occurred_at": datetime.now(UTC),
            "user_id": user_id, "organization_id": organization_id, "action": action,
            "resource_type": resource_type, "resource_id": resource_id, "outcome": outcome,
            "request_id": request_id, "details": details or {}, "chain": chain, "seq": seq,
            "prev_hash": prev}
        values["row_hash"] = row_hash(values, prev)
        conn.execute(sa.insert(audit_events).values(**values))
        return str(values["id"])

    def record(self, *, action: str, user_id: str | None = None,
               organization_id: str | None = None, resource_type: str | None = None,
               resource_id: str | None = None, details: dict[str, Any] | None = None) -> str:
        """Append one event in a transaction of its own (for events with no other write)."""
        with self._vault.write() as conn:
            return self.append(conn, action=action, user_id=user_id,
                               organization_id=organization_id, resource_type=resource_type,
                               resource_id=resource_id, details=details)

    def list(self, *, organization_id: str | None = None, user_id: str | None = None,
             action: str | None = None, start: datetime | None = None,
             end: datetime | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """One page of events, newest first, and the total matching count."""
        conditions = []
        if organization_id is not None:
            conditions.append(audit_events.c.organization_id == organization_id)
        if user_id is not None:
            conditions.append(audit_events.c.user_id == user_id)
        if action is not None:
            conditions.append(audit_events.c.action == action)
        if start is not None:
            conditions.append(audit_events.c.occurred_at >= start)
        if end is not None:
            conditions.append(audit_events.c.occurred_at <= end)
        where = sa.and_(sa.true(), *conditions)
        query = (sa.select(audit_events).where(where)
                 .order_by(audit_events.c.occurred_at.desc(), audit_events.c.seq.desc())
                 .limit(limit).offset((max(page, 1) - 1) * limit))
        total_query = sa.select(sa.func.count()).select_from(audit_events).where(where)
        with self._vault.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            total = int(conn.execute(total_query).scalar_one())
        return rows, total

    def verify(self, *, organization_id: str | None = None) -> ChainCheck:
        """Walk one organization's chain (or every chain) and stop at the first bad row."""
        query = sa.select(audit_events).where(audit_events.c.chain.is_not(None))
        if organization_id is not None:
            query = query.where(audit_events.c.chain == organization_id)
        query = query.order_by(audit_events.c.chain, audit_events.c.seq)
        checked, chains = 0, 0
        current: str | None = None
        expected_seq, prev = 1, GENESIS
        with self._vault.engine.connect() as conn:
            for found in conn.execute(query):
                row = dict(found._mapping)
                if row["chain"] != current:
                    current, expected_seq, prev, chains = row["chain"], 1, GENESIS, chains + 1
                reason = None
                if row["seq"] != expected_seq:
                    reason = f"expected position {expected_seq}, found {row['seq']}"
                elif row["prev_hash"] != prev:
                    reason = "its previous-row hash does not match the row before it"
                elif row_hash(row, prev) != row["row_hash"]:
                    reason = "its content does not match its hash"
                if reason is not None:
                    return ChainCheck(checked=checked, chains=chains, bad_id=row["id"],
                                      bad_chain=row["chain"], bad_seq=row["seq"], reason=reason)
                checked += 1
                expected_seq, prev = expected_seq + 1, str(row["row_hash"])
        return ChainCheck(checked=checked, chains=chains)
