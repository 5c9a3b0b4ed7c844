"""A real SMTP server for tests (aiosmtpd, on loopback): it records what it accepted, and
can refuse, stall or stop like a real server in trouble."""

import asyncio
import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.received = []  # (recipient, Message-ID, subject)
        self.reply = None  # e.g. "451 4.3.0 Try again later", instead of accepting
        self.hold_at = None  # hold the message that would be number N (1-based)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = len(self.received) + 1
            hold = self.hold_at is not None and number == self.hold_at
        if hold:
            self.hold_at = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            return "451 4.3.0 Aborted"  # the sender went away meanwhile
        if self.reply:
            return self.reply
        message = message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient, message["Message-ID"], message["Subject"]))
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return [recipient for recipient, _id, _subject in self.received]


class SMTPServer:
    """``with SMTPServer() as server:`` listens on ``server.port`` until the block ends."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.handler.release.set()
        self.controller.stop()

    def mailer_settings(self, timeout: int = 3) -> dict:
        return smtp_mailer(self.port, timeout=timeout)


def smtp_mailer(port: int, *, timeout: int = 3) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }
