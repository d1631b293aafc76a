"""Shared fixtures. Servers started here listen on 127.0.0.1 only, on a free port, and stop with the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from smtp_server import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) that records what it accepts; set its misbehaviour attributes per test."""
    with SmtpServer() as server:
        yield server
