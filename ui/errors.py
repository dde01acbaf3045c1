"""The one place the desktop app shows an error.

Errors raised on purpose (storage's StorageError tree, the services' ServiceError tree)
carry messages written for people and are shown as they are. Anything else is a bug:
the person gets a generic message, and the log gets the exception's type and where it
happened, never its message or locals, which may hold patient data.
"""

from __future__ import annotations

import logging
import re
import traceback

from app.services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceError,
    ValidationFailed,
)
from storage.errors import (
    EncryptionUnavailable,
    IngestError,
    StorageError,
    VaultInUse,
    VaultKeyError,
    VaultNotFound,
)
from ui.qt import QMessageBox, QWidget

log = logging.getLogger(__name__)

GENERIC = ("Something went wrong inside HealthInsight. Your records are safe and "
           "unchanged; please try again.")

_TITLES: list[tuple[type[BaseException], str]] = [
    (VaultInUse, "Your vault is already open"),
    (VaultKeyError, "Cannot unlock the vault"),
    (VaultNotFound, "No vault here"),
    (EncryptionUnavailable, "Encryption is not available"),
    (IngestError, "The file was not imported"),
    (StorageError, "Vault problem"),
    (NotFound, "Not found"),
    (ValidationFailed, "Please check your request"),
    (PermissionDenied, "Not allowed"),
    (Conflict, "Already exists"),
    (RateLimited, "Too many requests"),
    (ServiceError, "Cannot do that"),
]


def in_use_message(exception: VaultInUse) -> str:
    """What is wrong, why, and what to do, for a vault another program holds."""
    pid = re.search(r"process (\d+)", str(exception))
    who = f"another program (process {pid.group(1)})" if pid else "another program"
    return (f"Your vault is open in {who}: most likely another HealthInsight window, or "
            "`healthinsight serve` or an import running in a terminal. A vault is used by "
            "one program at a time, so that nothing in it is written twice. Switch to that "
            "window or close that program, then start HealthInsight again. Your records "
            "are safe and unchanged.")


def describe(exception: BaseException) -> tuple[str, str]:
    """(title, message) for a person; a generic message for anything unexpected."""
    if isinstance(exception, VaultInUse):
        return _TITLES[0][1], in_use_message(exception)
    for kind, title in _TITLES:
        if isinstance(exception, kind):
            message = getattr(exception, "message", None) or str(exception) or title
            return title, _capitalised(message)
    if isinstance(exception, TimeoutError):
        return "Still working", "This is taking longer than expected; please try again."
    return "Unexpected error", GENERIC


def show_exception(*, parent: QWidget | None, exception: BaseException) -> QMessageBox:
    """Show `exception` in a window-modal box and return it (open, not exec: never blocks)."""
    title, message = describe(exception)
    if message == GENERIC:
        where = traceback.extract_tb(exception.__traceback__)
        places = "; ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in where[-5:])
        log.error("unexpected %s at %s", type(exception).__name__, places or "?")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if message != GENERIC else QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    box.setObjectName("errorBox")
    box.open()
    return box


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
