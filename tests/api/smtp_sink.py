"""A loopback SMTP sink for tests: a real SMTP conversation on 127.0.0.1, each message
kept parsed in memory, so a test checks what a mail server would have received.

Stdlib only (socketserver and email): the server speaks the part of RFC 5321 that
smtplib uses (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and
refuses the rest with 502. It binds loopback alone, on a port the system picks.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType


@dataclass(frozen=True)
class Received:
    """One message as delivered: the envelope and the parsed content."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    message: EmailMessage


@dataclass
class _Inbox:
    messages: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def add(self, received: Received) -> None:
        with self.arrived:
            self.messages.append(received)
            self.arrived.notify_all()


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=12` -> a@b."""
    value = argument.split(":", 1)[1].strip()
    return value.split(">", 1)[0].lstrip("<").strip()


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 sink.localhost ESMTP test sink")
        sender: str | None = None
        recipients: list[str] = []
        for raw in self.rfile:
            command, _, argument = raw.decode("ascii", "replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink.localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 sink.localhost")
            elif verb == "MAIL" and argument.upper().startswith("FROM:"):
                sender, recipients = _address(argument), []
                self.reply("250 OK")
            elif verb == "RCPT" and argument.upper().startswith("TO:") and sender is not None:
                recipients.append(_address(argument))
                self.reply("250 OK")
            elif verb == "DATA" and recipients:
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.inbox.add(Received(sender or "", tuple(recipients),
                                               self._data()))
                sender, recipients = None, []
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _data(self) -> EmailMessage:
        lines: list[bytes] = []
        for line in self.rfile:
            if line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        parsed = message_from_bytes(b"".join(lines), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, inbox: _Inbox) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.inbox = inbox


class SmtpSink:
    """`with SmtpSink() as sink:` point the code at `sink.host`, `sink.port`; then
    `sink.wait(n)` returns the first n messages received."""

    def __init__(self) -> None:
        self._inbox = _Inbox()
        self._server = _Server(self._inbox)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def messages(self) -> list[Received]:
        with self._inbox.arrived:
            return list(self._inbox.messages)

    def wait(self, count: int, *, timeout: float = 30) -> list[Received]:
        """The first `count` messages; fails if they have not all arrived by `timeout`
        (a bound on a hang, not a timing assertion: smtplib has returned already)."""
        with self._inbox.arrived:
            self._inbox.arrived.wait_for(lambda: len(self._inbox.messages) >= count,
                                         timeout=timeout)
            assert len(self._inbox.messages) >= count, self._inbox.messages
            return list(self._inbox.messages[:count])

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
