"""`healthinsight user add`, `token` and `serve`, run as the installed command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import PASSPHRASE

EXE = Path(sys.executable).with_name("healthinsight")


def _run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(home), "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE}
    return subprocess.run([str(EXE), *args], input=stdin, env=env, capture_output=True,
                          text=True, timeout=120)


def test_first_user_owns_the_vault_and_gets_personal_tokens(vault_home: Path) -> None:
    first = _run(vault_home, "user", "add", "Me@Example.org", "--name", "Me", "--json",
                 stdin="a good password\n")
    assert first.returncode == 0, first.stderr
    me = json.loads(first.stdout)
    assert me["is_owner"] is True and me["email"] == "me@example.org"
    second = _run(vault_home, "user", "add", "desk@clinic.example", "--org", "clinic-one",
                  "--role", "staff", "--json", stdin="another password\n")
    assert json.loads(second.stdout)["is_owner"] is False
    duplicate = _run(vault_home, "user", "add", "me@example.org", stdin="a good password\n")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    short = _run(vault_home, "user", "add", "x@example.org", stdin="short\n")
    assert short.returncode == 1 and "password" in short.stderr

    issued = _run(vault_home, "token")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.count(".") == 2  # a JWT
    token_id = re.search(r"token id (tok_\w+)", issued.stderr).group(1)  # type: ignore[union-attr]
    listed = _run(vault_home, "token", "--list")
    assert f"{token_id}  active" in listed.stdout
    assert _run(vault_home, "token", "--revoke", token_id).returncode == 0
    assert f"{token_id}  revoked" in _run(vault_home, "token", "--list").stdout
    again = _run(vault_home, "token", "--revoke", token_id)
    assert again.returncode == 1


def test_token_needs_a_user(vault_home: Path) -> None:
    result = _run(vault_home, "token")
    assert result.returncode == 1 and "user add" in result.stderr


def test_serve_answers_on_loopback_until_interrupted(vault_home: Path) -> None:
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(vault_home),
           "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen([str(EXE), "serve", "--port", "0"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        match = re.search(r"API on http://127\.0\.0\.1:(\d+) ", proc.stdout.readline())
        assert match, "the server did not print its port"
        port = int(match.group(1))
        assert port != 0
        reply = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=30)
        assert reply.status_code == 200
        assert reply.json()["info"]["title"] == "HealthInsight API"
    finally:
        proc.send_signal(signal.SIGINT)  # the port answered: the signal handlers are set
        _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 130  # the shell's code for Ctrl-C, after a clean shutdown
    assert "Finished server process" in rest  # uvicorn shut down, not a KeyboardInterrupt
    assert "Traceback" not in rest


def test_serve_warns_before_binding_beyond_loopback(vault_home: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is assigned to no interface: the bind fails after the warning.
    result = _run(vault_home, "serve", "--host", "192.0.2.1", "--port", "0")
    assert "WARNING" in result.stderr and "192.0.2.1" in result.stderr
    assert result.returncode != 0
