"""A real SMTP server on loopback (aiosmtpd) for the tests that send mail: ``smtp_inbox``.

Registered as a pytest plugin in tests/conftest.py, so any test folder may ask for it. It points this process's
mail settings at the server (Django's test set-up would otherwise swap in its in-memory outbox) and gives the
environment a worker process needs to send there too (``inbox.env``, for ``start_worker(**inbox.env)``).

    def test_it_mails(smtp_inbox):
        ...  # something sends
        message = smtp_inbox.wait_for(1)[0]
        assert message.to == ["manager@example.com"] and "Open it" in message.body
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from .servers import free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return " ".join(str(self.message["Subject"]).split())  # unfolded

    @property
    def body(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)


class Inbox:
    """What the server accepted, in order. ``refuse``: addresses answered with a 550 at RCPT (a permanent
    refusal)."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self._lock = threading.Lock()
        self.host, self.port = "127.0.0.1", 0

    @property
    def env(self) -> dict:
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def wait_for(self, count: int, *, timeout: float = 30) -> list[Received]:
        """At least ``count`` messages, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"the SMTP server received {len(self.messages())} messages, not {count}, "
                             f"in {timeout} s")


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port, ready_timeout=10)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = inbox.host, inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
