"""Where the vault's 256-bit key lives.

The key is random and never derived from a passphrase directly: the passphrase only
wraps it. That is why changing the passphrase rewrites a small key file and never the
database. With a real OS keyring the key sits there instead and no passphrase is asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import VaultKeyError

if TYPE_CHECKING:  # keyring (with its backends) loads only when a keyring is used: a
    # vault under a passphrase, e.g. every headless `import`, never needs it
    import keyring.backend

KEY_FILE = "vault.key"
KEYRING_SERVICE = "HealthInsight"
KEY_BYTES = 32
# scrypt cost: about 0.1 s and 64 MiB on a laptop, well above OWASP's minimum (2**17, 8, 1).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# scrypt needs 128 * n * r * p bytes (128 MiB at the product's cost). A key file asking for
# more than this is treated as damaged rather than allowed to exhaust memory.
SCRYPT_MAXMEM = 1 << 30


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def usable_keyring() -> keyring.backend.KeyringBackend | None:
    """The OS keyring if it is a real one; never the plain-text or fail backends.

    keyring's ChainerBackend chains every backend with priority > 0, plain-text ones
    included, and falls through to them when the real one fails: we take its best
    real member directly instead.
    """
    import keyring

    backend = keyring.get_keyring()
    candidates = getattr(backend, "backends", None) or [backend]
    for ring in sorted(candidates, key=lambda r: getattr(r, "priority", 0), reverse=True):
        name = f"{type(ring).__module__}.{type(ring).__name__}".lower()
        if getattr(ring, "priority", 0) >= 1 and not any(
            bad in name for bad in ("plaintext", ".fail.", ".null.", "chainer")
        ):
            return ring
    return None


@dataclass(frozen=True)
class KeyringStore:
    """The key in the OS keyring, under the vault's own id."""

    vault_id: str
    backend: keyring.backend.KeyringBackend
    kind: str = "keyring"

    def save(self, key: bytes) -> None:
        self.backend.set_password(KEYRING_SERVICE, self.vault_id, key.hex())

    def load(self) -> bytes:
        stored = self.backend.get_password(KEYRING_SERVICE, self.vault_id)
        if stored is None:
            raise VaultKeyError("the vault's key is missing from the OS keyring")
        return bytes.fromhex(stored)


@dataclass(frozen=True)
class PassphraseStore:
    """The key wrapped with scrypt + AES-GCM in `vault.key` beside the database."""

    path: Path
    kind: str = "passphrase"
    # Tests lower the cost; the file records it, so reading never needs to know.
    scrypt_n: int = SCRYPT_N

    def save(self, key: bytes, passphrase: str) -> None:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        wrapping = _derive(passphrase, salt, self.scrypt_n)
        wrapped = AESGCM(wrapping).encrypt(nonce, key, b"healthinsight-vault-key")
        doc = {
            "version": 1,
            "kdf": {"name": "scrypt", "n": self.scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P,
                    "salt": _b64(salt)},
            "cipher": "AES-256-GCM",
            "nonce": _b64(nonce),
            "wrapped_key": _b64(wrapped),
        }
        # Write then rename so a crash never leaves half a key file behind.
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(doc, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    def load(self, passphrase: str) -> bytes:
        if not self.path.exists():
            raise VaultKeyError(f"the key file {self.path} is missing")
        try:
            doc = json.loads(self.path.read_text())
            kdf = doc["kdf"]
            derived = _derive(passphrase, _unb64(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])
            return AESGCM(derived).decrypt(
                _unb64(doc["nonce"]), _unb64(doc["wrapped_key"]), b"healthinsight-vault-key"
            )
        except InvalidTag:
            raise VaultKeyError("wrong passphrase") from None
        except (KeyError, ValueError, TypeError) as exc:
            raise VaultKeyError(f"the key file {self.path} is damaged ({exc})") from None


def _derive(passphrase: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R,
            p: int = SCRYPT_P) -> bytes:
    """The wrapping key. hashlib's scrypt (OpenSSL's, as cryptography's is) releases the
    GIL while it works: with cryptography's, the half second of an unlock froze the
    window's event loop and every other thread of the process."""
    if 128 * n * r * p >= SCRYPT_MAXMEM:
        raise ValueError(f"scrypt cost n={n}, r={r}, p={p} is beyond any this app writes")
    return hashlib.scrypt(passphrase.encode(), salt=salt, n=n, r=r, p=p,
                          maxmem=SCRYPT_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
