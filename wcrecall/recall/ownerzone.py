"""The time zone owner times are shown in: `owner.timezone`, else the store's own time zone (read from WordPress by
`init` and `doctor`, at most once a day, and kept beside the state file; `run` keeps to its one connection and
`explain` and `preview` write nothing: they use the zone kept, or read it for themselves), else UTC."""

from __future__ import annotations

import re
import time
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreError
from wcrecall.state.files import atomic_write
from wcrecall.store.client import Store

FRESH = timedelta(days=1)  # how long the store's zone is trusted before it is read again
_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)")


def zone_file(settings: Settings) -> Path:
    """Where the store's time zone is kept: beside the state file (one per store)."""
    return settings.state_path.with_name(settings.state_path.name + ".store-zone")


def parse_zone(name: str) -> tzinfo | None:
    """An IANA name ("Asia/Shanghai") or a UTC offset ("+05:30") as a time zone; None when it is neither."""
    found = _OFFSET.fullmatch(name.strip())
    if found:
        sign = -1 if found[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(found[2]), minutes=int(found[3])))
    try:
        return ZoneInfo(name.strip()) if name.strip() else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def owner_zone(settings: Settings) -> tuple[tzinfo, bool]:
    """The owner's time zone without asking the store (`owner.timezone`, the store's zone as last read, or UTC),
    and whether it is known (False: the UTC fallback)."""
    if settings.owner.timezone:
        return ZoneInfo(settings.owner.timezone), True
    try:
        stored = parse_zone(zone_file(settings).read_text(encoding="utf-8"))
    except OSError:
        stored = None
    return (stored, True) if stored is not None else (UTC, False)


def store_zone_now(settings: Settings, *, store: Store | None = None) -> str:
    """The store's time zone as WordPress says it now (writes nothing). StoreError when it does not say."""
    name = (store or Store(settings.store, max_attempts=1, max_retry_time=0)).site_timezone()
    if parse_zone(name) is None:
        raise StoreError(_("the store names a time zone wcrecall does not know: {zone!r}").format(zone=name[:40]))
    return name


def refresh_store_zone(settings: Settings, *, force: bool = False, store: Store | None = None) -> str:
    """Read the store's time zone when `owner.timezone` is empty and the kept one is missing or a day old (or
    `force`); keep it beside the state file and return it. StoreError when the store does not say."""
    path = zone_file(settings)
    try:
        fresh = time.time() - path.stat().st_mtime < FRESH.total_seconds()
    except OSError:
        fresh = False
    if settings.owner.timezone or (fresh and not force):
        return settings.owner.timezone or path.read_text(encoding="utf-8").strip()
    name = store_zone_now(settings, store=store)
    atomic_write(path, name.encode("utf-8"))
    return name
