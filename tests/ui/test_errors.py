"""One place shows errors: on-purpose errors verbatim, anything else generic and unlogged."""

from __future__ import annotations

import logging

from app.services.errors import NotFound, ValidationFailed
from storage.errors import IngestError, VaultKeyError
from ui.errors import GENERIC, describe, show_exception


def test_errors_raised_on_purpose_are_shown_with_their_message(qtbot):
    for exc, title in [
        (VaultKeyError("wrong passphrase"), "Cannot unlock the vault"),
        (IngestError("labs.json", "line 3", "truncated JSON"), "The file was not imported"),
        (ValidationFailed("several patients: choose one", {"patients": 2}),
         "Please check your request"),
        (NotFound("no such conversation"), "Not found"),
    ]:
        box = show_exception(parent=None, exception=exc)
        qtbot.addWidget(box)
        assert box.windowTitle() == title
        assert box.text().lower() == str(exc).lower()
        assert box.text()[0].isupper()


def test_unexpected_errors_show_a_generic_message_and_log_no_details(qtbot, caplog):
    secret = "Patient Jane Roe, LDL 187 mg/dL"
    try:
        raise KeyError(secret)
    except KeyError as exc:
        caught = exc
    with caplog.at_level(logging.ERROR, logger="ui.errors"):
        box = show_exception(parent=None, exception=caught)
    qtbot.addWidget(box)
    assert box.text() == GENERIC
    assert "KeyError" in caplog.text  # the bug is still findable
    assert "Jane Roe" not in caplog.text and "mg/dL" not in caplog.text


def test_describe_keeps_timeouts_readable():
    title, message = describe(TimeoutError("qry_1"))
    assert "longer" in message and "qry_1" not in message
