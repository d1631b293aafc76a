"""Shared fixtures. Servers started here listen on 127.0.0.1 only, on a free port, and stop with the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dns_server import DnsServer
from e2e import NOW, SMTP_PASSWORD
from prerequisites import SKIPPED
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore


@pytest.fixture(scope="session", autouse=True)
def local_dns() -> Iterator[None]:
    """doctor's deliverability lookups go to an empty DNS server on 127.0.0.1 (every name: NXDOMAIN), never further;
    tests that serve records pass their own server in mail.nameserver."""
    with DnsServer({}) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("WCRECALL_MAIL_NAMESERVER", server.address)
        yield


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) that records what it accepts; set its misbehaviour attributes per test."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    """The sandbox WooCommerce store on 127.0.0.1, its clock at the suite's NOW (tests/e2e.py)."""
    with SandboxStore() as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """The test SMTP server with the login the end-to-end configs use (tests/e2e.py write_config)."""
    with SmtpServer(username="shop", password=SMTP_PASSWORD) as server:
        yield server


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat, at the end of the run, which tests were skipped for a missing prerequisite (tests/prerequisites.py)."""
    for what, why in SKIPPED.items():
        terminalreporter.write_line(f"{what.upper()} SKIPPED: {why}", yellow=True, bold=True)
