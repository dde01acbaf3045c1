"""The passphrase-wrapped key file: the KDF is standard scrypt, and files written before
the switch to hashlib's scrypt (by cryptography's) still open."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from storage.errors import VaultKeyError
from storage.keys import PassphraseStore, _derive

# RFC 7914, section 12, third vector: scrypt("pleaseletmein", "SodiumChloride", N=16384,
# r=8, p=1, dkLen=64). Its first 32 bytes are the 32-byte key (PBKDF2 blocks are independent).
RFC_7914 = ("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
            "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")


def test_the_kdf_is_standard_scrypt() -> None:
    key = _derive("pleaseletmein", b"SodiumChloride", 16384, 8, 1)
    assert key == bytes.fromhex(RFC_7914)[:32]


def _old_key_file(path: Path, key: bytes, passphrase: str, n: int) -> None:
    """A key file as the app wrote it with cryptography's scrypt."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapping = Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode())
    wrapped = AESGCM(wrapping).encrypt(nonce, key, b"healthinsight-vault-key")
    path.write_text(json.dumps({
        "version": 1, "cipher": "AES-256-GCM",
        "kdf": {"name": "scrypt", "n": n, "r": 8, "p": 1,
                "salt": base64.b64encode(salt).decode()},
        "nonce": base64.b64encode(nonce).decode(),
        "wrapped_key": base64.b64encode(wrapped).decode()}))


def test_a_key_file_from_before_opens(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "vault.key"
    _old_key_file(path, key, "correct horse battery", 2**12)
    store = PassphraseStore(path)
    assert store.load("correct horse battery") == key
    with pytest.raises(VaultKeyError, match="wrong passphrase"):
        store.load("correct horse batterY")


def test_a_key_file_asking_for_an_absurd_cost_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    PassphraseStore(path, scrypt_n=2**10).save(secrets.token_bytes(32), "pass phrase")
    doc = json.loads(path.read_text())
    doc["kdf"]["n"] = 2**24  # 16 GiB of memory
    path.write_text(json.dumps(doc))
    with pytest.raises(VaultKeyError, match="damaged"):
        PassphraseStore(path).load("pass phrase")
