"""A DNS server's address as a setting gives it (`mail.nameserver`): `IP`, `IP:port` or `[IPv6]:port`."""

from __future__ import annotations

import ipaddress

from wcrecall.model.errors import ConfigError


def parse_nameserver(text: str, key: str = "mail.nameserver") -> tuple[str, int] | None:
    """`text` -> (IP, port), port 53 when none is given; None when empty (the system's DNS); ConfigError naming
    `key` otherwise."""
    if not text:
        return None
    host, port, address = text, "53", ""
    if text.startswith("["):
        host, _close, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or port
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address, number = str(ipaddress.ip_address(host)), int(port)
    except ValueError:
        number = 0
    if not 0 < number < 65536:
        raise ConfigError(f"{key}: expected an IP address and optional port, like 127.0.0.1:5353, got {text!r}")
    return address, number
