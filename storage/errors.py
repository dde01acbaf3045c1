"""One small exception tree, so every layer above can show storage errors one way."""

from __future__ import annotations


class StorageError(Exception):
    """Base of everything storage raises on purpose."""


class VaultNotFound(StorageError):
    """There is no vault in the folder asked for."""


class VaultExists(StorageError):
    """`vault init` on a folder that already holds a vault."""


class VaultKeyError(StorageError):
    """The key is missing or wrong (bad passphrase, lost keyring entry)."""


class VaultInUse(StorageError):
    """Another live process has the vault open (its pid is in the message)."""


class EncryptionUnavailable(StorageError):
    """DuckDB's encryption extension cannot be loaded; we never fall back to plaintext."""


class IngestError(StorageError):
    """A file was rejected whole. Says which file, where in it and why."""

    def __init__(self, file: str, position: str, reason: str) -> None:
        super().__init__(f"{file}: {position}: {reason}")
        self.file = file
        self.position = position
        self.reason = reason


def out_of_memory(exc: BaseException) -> bool:
    """Whether DuckDB ran out of its memory somewhere under `exc` (directly, as the cause,
    or wrapped by SQLAlchemy): a moment's overload, not a fault of the request."""
    import duckdb

    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, duckdb.OutOfMemoryException):
            return True
        orig = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__,
                    orig if isinstance(orig, BaseException) else None]
    return False


# What a DuckDB error message says went wrong, by its fixed wording, for logs that must
# not carry the message itself (it can quote keys and values from the records).
_KINDS = (("constraint", "constraint"), ("conflict", "conflict"),
          ("checkpoint", "checkpoint"), ("out of memory", "out of memory"),
          ("catalog", "catalog"), ("transaction", "transaction"))


def error_kind(exc: BaseException) -> str:
    """"constraint", "conflict", "checkpoint", ... or "other": what kind of failure
    `exc` reports, safe to log."""
    text = str(exc).lower()
    return next((kind for phrase, kind in _KINDS if phrase in text), "other")
