"""The audit trail: who read or changed what, and when (never the data itself).

Append-only and hash-chained. Each organization has its own chain (`chain` is its id;
"" is the platform's, for events outside any organization): a row holds its position
`seq`, the previous row's hash and the SHA-256 of its own canonical content joined to
that previous hash. Editing a row breaks its own hash, deleting one leaves a gap in
`seq` and a `prev_hash` that no longer matches, inserting one breaks the next link.
This repository has no update and no delete; appends run inside the vault's one writer
(`Vault.write`) in the caller's transaction, so an event commits with the change it
describes or not at all, and UNIQUE(chain, seq) refuses a fork.

What rows alone cannot show is the loss of the newest ones, so each chain has a head
in `audit_heads`, kept apart from the rows: the position and hash of its last row,
sealed with an HMAC under a key derived from the vault's key (which no table holds).
An append chains from the head, not from whatever row is last, so rows deleted at the
tail leave a gap the next append cannot close. `verify` compares each chain's end with
its sealed head, and wants a head for every chain and every organization. A head found
missing when rows exist is rewritten with `broken_at`, which verify reports for good.

An append is held with its transaction and written just before that transaction
commits (a commit hook on the engine): the rows of one transaction go in one INSERT and
each chain's head is read and rewritten once, so a group of requests committed together
(storage/repos/scheduling/group.py) pays one head read and write, not one per request.
A rollback drops them with the change they describe.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.repos.held import held, release
from storage.repos.json_rows import insert_from_json, json_rows
from storage.schema import audit_events, audit_heads, organizations

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
        return self.reason is None


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


def _seal(vault: Vault, chain: str, seq: int, row_hash_: str, broken_at: int | None) -> str:
    return vault.seal(f"audit-head\n{chain}\n{seq}\n{row_hash_}\n{broken_at or ''}")


def _write_head(conn: sa.Connection, vault: Vault, *, chain: str, seq: int, row_hash_: str,
                broken_at: int | None, exists: bool) -> None:
    values = {"seq": seq, "row_hash": row_hash_, "broken_at": broken_at,
              "seal": _seal(vault, chain, seq, row_hash_, broken_at),
              "updated_at": datetime.now(UTC)}
    if exists:
        conn.execute(sa.update(audit_heads).where(audit_heads.c.chain == chain).values(**values))
    else:
        conn.execute(sa.insert(audit_heads).values(chain=chain, **values))


def start_chain(conn: sa.Connection, vault: Vault, chain: str) -> None:
    """A new organization's chain: a sealed head at position 0, before any row, so that
    removing every row it will have is seen too."""
    _write_head(conn, vault, chain=chain, seq=0, row_hash_=GENESIS, broken_at=None,
                exists=False)


def seal_unsealed_chains(vault: Vault) -> int:
    """Give every chain without a head one at its current last row, and every
    organization without a chain an empty one (the migration that brings heads to
    vaults written before them); how many were sealed."""
    last = (sa.select(audit_events.c.chain, sa.func.max(audit_events.c.seq).label("seq"))
            .where(audit_events.c.chain.is_not(None)).group_by(audit_events.c.chain)
            .subquery())
    query = (sa.select(audit_events.c.chain, audit_events.c.seq, audit_events.c.row_hash)
             .join(last, sa.and_(last.c.chain == audit_events.c.chain,
                                 last.c.seq == audit_events.c.seq))
             .where(audit_events.c.chain.not_in(sa.select(audit_heads.c.chain))))
    with vault.write() as conn:
        tails = conn.execute(query).all()
        for tail in tails:
            _write_head(conn, vault, chain=tail.chain, seq=int(tail.seq),
                        row_hash_=str(tail.row_hash), broken_at=None, exists=False)
        empty = conn.execute(sa.select(organizations.c.id).where(
            organizations.c.id.not_in(sa.select(audit_heads.c.chain)))).scalars().all()
        for organization_id in empty:
            start_chain(conn, vault, str(organization_id))
    return len(tails) + len(empty)


PENDING = "audit_pending"  # held for the transaction: the rows to write at its commit


class AuditRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        sa.event.listen(vault.engine, "commit", self._flush)
        sa.event.listen(vault.engine, "rollback", self._drop)

    def append(self, conn: sa.Connection, *, action: str, user_id: str | None = None,
               organization_id: str | None = None, resource_type: str | None = None,
               resource_id: str | None = None, outcome: str = "success",
               request_id: str | None = None, details: dict[str, Any] | None = None) -> str:
        """Append one event to its organization's chain in `conn`'s transaction (inside
        Vault.write): it is written when the transaction commits, and not at all if it
        rolls back."""
        values: dict[str, Any] = {
            "id": f"aud_{secrets.token_hex(8)}", "occurred_at": datetime.now(UTC),
            "user_id": user_id, "organization_id": organization_id, "action": action,
            "resource_type": resource_type, "resource_id": resource_id, "outcome": outcome,
            "request_id": request_id, "details": details or {},
            "chain": organization_id or PLATFORM_CHAIN}
        self._rows(conn).append(values)
        return str(values["id"])

    @staticmethod
    def pending(conn: sa.Connection) -> int:
        """How many events `conn`'s transaction holds for its commit."""
        return len(AuditRepository._rows(conn))

    @staticmethod
    def _rows(conn: sa.Connection) -> list[dict[str, Any]]:
        """This transaction's held events (a list left by an earlier one is not its)."""
        return held(conn, PENDING, list)

    def _drop(self, conn: sa.Connection) -> None:
        conn.info.pop(PENDING, None)

    def _flush(self, conn: sa.Connection) -> None:
        """Before the commit: chain the held events onto their heads and write them."""
        rows: list[dict[str, Any]] | None = release(conn, PENDING)
        if not rows:
            return
        for chain in dict.fromkeys(r["chain"] for r in rows):
            self._chain(conn, chain, [r for r in rows if r["chain"] == chain])
        # every row has the columns `append` made and `_chain` completed
        conn.execute(insert_from_json(audit_events, tuple(rows[0])),
                     {"rows": json_rows(rows, audit_events)})

    def _chain(self, conn: sa.Connection, chain: str, rows: list[dict[str, Any]]) -> None:
        """Give `rows` their positions and hashes after the chain's head; move the head."""
        head = conn.execute(sa.select(audit_heads.c.seq, audit_heads.c.row_hash,
                                      audit_heads.c.broken_at)
                            .where(audit_heads.c.chain == chain)).first()
        broken_at = None if head is None else head.broken_at
        if head is not None:
            seq, prev = int(head.seq), str(head.row_hash)
        else:
            last = conn.execute(
                sa.select(audit_events.c.seq, audit_events.c.row_hash)
                .where(audit_events.c.chain == chain)
                .order_by(audit_events.c.seq.desc()).limit(1)).first()
            seq, prev = (0, GENESIS) if last is None else (int(last.seq), str(last.row_hash))
            if last is not None:  # rows but no head: someone removed it
                broken_at = seq + 1
        for row in rows:
            seq += 1
            row.update(seq=seq, prev_hash=prev)
            prev = row["row_hash"] = row_hash(row, prev)
        _write_head(conn, self._vault, chain=chain, seq=seq, row_hash_=prev,
                    broken_at=broken_at, exists=head is not None)

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
        with self._vault.reads.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            total = int(conn.execute(total_query).scalar_one())
        return rows, total

    def verify(self, *, organization_id: str | None = None) -> ChainCheck:
        """Walk one organization's chain (or every chain), stop at the first bad row, and
        hold each chain's end against its sealed head."""
        query = sa.select(audit_events).where(audit_events.c.chain.is_not(None))
        heads_query = sa.select(audit_heads)
        orgs_query = sa.select(organizations.c.id)
        if organization_id is not None:
            query = query.where(audit_events.c.chain == organization_id)
            heads_query = heads_query.where(audit_heads.c.chain == organization_id)
            orgs_query = orgs_query.where(organizations.c.id == organization_id)
        query = query.order_by(audit_events.c.chain, audit_events.c.seq)
        checked = 0
        ends: dict[str, tuple[int, str]] = {}  # chain -> (seq, row_hash) of its last row
        with self._vault.reads.connect() as conn:
            heads = {str(h.chain): h for h in conn.execute(heads_query)}
            expected: set[str] = set(heads) | {str(r.id) for r in conn.execute(orgs_query)}
            for found in conn.execute(query):
                row = dict(found._mapping)
                chain = str(row["chain"])
                seq, prev = ends.get(chain, (0, GENESIS))
                reason = None
                if row["seq"] != seq + 1:
                    reason = f"expected position {seq + 1}, found {row['seq']}"
                elif row["prev_hash"] != prev:
                    reason = "its previous-row hash does not match the row before it"
                elif row_hash(row, prev) != row["row_hash"]:
                    reason = "its content does not match its hash"
                if reason is not None:
                    return ChainCheck(checked=checked, chains=len(ends), bad_id=row["id"],
                                      bad_chain=chain, bad_seq=row["seq"], reason=reason)
                checked += 1
                ends[chain] = (int(row["seq"]), str(row["row_hash"]))
        for chain in sorted(expected | set(ends)):
            reason = self._head_reason(chain, heads.get(chain), ends.get(chain))
            if reason is not None:  # no row to name: the chain as a whole
                return ChainCheck(checked=checked, chains=len(ends), bad_chain=chain,
                                  reason=reason)
        return ChainCheck(checked=checked, chains=len(ends))

    def _head_reason(self, chain: str, head: Any, end: tuple[int, str] | None) -> str | None:
        """Why a chain's end and its head disagree (None when they agree)."""
        if head is None:
            return "the chain has no head: its end cannot be checked (the head was removed)"
        broken = int(head.broken_at) if head.broken_at is not None else None
        if head.seal != _seal(self._vault, chain, int(head.seq), str(head.row_hash), broken):
            return "its head's seal does not verify: the head was edited"
        if broken is not None:
            return f"its head was missing when position {broken} was appended"
        seq, last_hash = end or (0, GENESIS)
        if seq != int(head.seq) or last_hash != head.row_hash:
            return (f"the chain ends at position {seq} but its head records position "
                    f"{head.seq}: its newest rows were removed")
        return None
