"""Running a built bundle the way a person would: a bare environment, a throwaway vault.

Shared by build.py (start-time measurement) and smoke_test.py (`make package-test`).
The environment is `env -i PATH=/usr/bin:/bin` plus HOME and the vault's variables: no
Python environment or virtualenv of the build machine is visible to the bundle.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PASSPHRASE = "throwaway smoke-test passphrase"
SHOWN = "healthinsight: main window shown"


@dataclass(frozen=True)
class Launch:
    """One launch of the desktop app until its main window showed."""

    wall_s: float  # seconds from launch to the window: grows with the machine's load
    cpu_s: float | None  # CPU seconds (user + system) the app had used by then: far less
    # load-dependent; None when a wrapper (strace) is the process we started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process and its waited-for children (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])  # stat fields 14-17
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home.parent),
           "HEALTHINSIGHT_HOME": str(home), "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE,
           "HEALTHINSIGHT_API_PORT": "0"}
    env.update(extra)
    return env


def run(exe: Path, home: Path, *args: str, timeout: float = 300,
        **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *args], env=bare_env(home, **extra), capture_output=True,
                          text=True, timeout=timeout, check=False)


def time_to_window(exe: Path, home: Path, *, timeout: float = 120,
                   wrapper: tuple[str, ...] = ()) -> Launch:
    """Time from launching the desktop app (offscreen) to its main window shown.

    The app prints one line when the window is shown (HEALTHINSIGHT_REPORT_STARTUP);
    it is then closed with SIGTERM, which closes the window the normal way.
    """
    env = bare_env(home, QT_QPA_PLATFORM="offscreen", HEALTHINSIGHT_REPORT_STARTUP="1",
                   HEALTHINSIGHT_LLM_ENGINE="offline")
    if os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    start = time.monotonic()
    # A session of its own, so the app is signalled as a group: a wrapper (strace) that
    # is signalled alone detaches and leaves the app running.
    proc = subprocess.Popen([*wrapper, str(exe)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    seen: list[str] = []
    watchdog = threading.Timer(timeout, proc.kill)  # a silent hang ends the read loop
    watchdog.start()
    try:
        for line in proc.stderr:
            seen.append(line.rstrip())
            if SHOWN in line:
                wall = time.monotonic() - start
                # The one-folder bootloader runs Python in its own process: its CPU is the
                # app's (Chromium's helpers start after the window).
                return Launch(wall, None if wrapper else cpu_seconds(proc.pid))
        raise RuntimeError("the main window was not shown; the app said:\n"
                           + "\n".join(seen[-30:]))
    finally:
        watchdog.cancel()
        stop_group(proc)


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to the process group, then wait until every member is gone (SIGKILL late)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
