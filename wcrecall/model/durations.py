"""Durations in settings and options: "30m", "24h", "3d", "90s", or a number of minutes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any, key: str) -> timedelta:
    """`"30m"`, `"24h"`, `"3d"`, `"90s"` or a number of minutes -> timedelta; errors name the key."""
    if isinstance(value, bool):
        raise ConfigError(
            _('{key}: expected a duration like "30m", "24h" or "3d", got {value!r}').format(key=key, value=value)
        )
    if isinstance(value, (int, float)):
        seconds = float(value) * 60
    else:
        match = _DURATION_RE.match(str(value))
        if not match:
            raise ConfigError(
                _('{key}: expected a duration like "30m", "24h" or "3d", got {value!r}').format(key=key, value=value)
            )
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "m"]
    if seconds < 0:
        raise ConfigError(_("{key}: a duration cannot be negative").format(key=key))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
