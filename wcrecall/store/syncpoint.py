"""Where the sync stands, kept in the state's meta: the watermark, a window cut short by the page cap, and the orders
to read again by id.

- The watermark is the store's "now" (its `Date` header) when the last complete sync began, or, without that header,
  the newest `date_modified` it listed. No time from the store is trusted beyond this machine's clock plus
  `CLOCK_SKEW`: a store clock or an order a year ahead would otherwise move the watermark there, and nothing would be
  read again.
- A sync that reaches the page cap records the window and the next page (`sync_resume`); the next tick goes on there,
  and the watermark moves only when the window was read to its end.
- An order that could not be handled (its notes could not be read, its data is malformed) is remembered by id
  (`sync_retry`), reported once, and read again by id on each later tick until it is handled, is gone from the
  store, or is older than the lookback. It never holds the watermark back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wcrecall.model.records import from_iso, iso

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this machine's clock a time from the store may be


def trusted(moment: datetime | None, now: datetime) -> datetime | None:
    """`moment` (from the store), at most `CLOCK_SKEW` after `now` (this machine's clock)."""
    if moment is None:
        return None
    return min(moment, now + CLOCK_SKEW)


@dataclass(frozen=True)
class Resume:
    """A window the previous tick could not finish: read from `page` on with the same `since`."""

    since: datetime
    until: datetime | None  # the watermark once the window is done (the store's "now" at its first page)
    page: int

    @staticmethod
    def load(meta: dict[str, Any]) -> Resume | None:
        raw = meta.get("sync_resume")
        if not isinstance(raw, dict):
            return None
        try:
            since = from_iso(raw.get("since"))
            page = int(raw.get("page", 0))
            until = from_iso(raw.get("until"))
        except (TypeError, ValueError):
            return None
        return Resume(since, until, page) if since is not None and page > 1 else None

    def dump(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": iso(self.until), "page": self.page}


class RetryList:
    """Order ids to read again by id: `{id: {"why": first problem, "since": when it was first met}}`."""

    def __init__(self, meta: dict[str, Any]) -> None:
        raw = meta.get("sync_retry")
        self.entries: dict[str, dict[str, str]] = {
            str(k): dict(v) for k, v in (raw.items() if isinstance(raw, dict) else ()) if isinstance(v, dict)
        }
        self.changed = False

    def ids(self) -> list[int]:
        return sorted(int(k) for k in self.entries if k.isdigit())

    def add(self, order_id: int, why: str, now: datetime) -> bool:
        """Remember `order_id`; True when it is new (then, and only then, it is reported)."""
        if str(order_id) in self.entries:
            return False
        self.entries[str(order_id)] = {"why": why, "since": now.isoformat()}
        self.changed = True
        return True

    def done(self, order_id: int) -> None:
        if self.entries.pop(str(order_id), None) is not None:
            self.changed = True

    def expire(self, oldest: datetime) -> list[tuple[int, str]]:
        """Forget the entries first met before `oldest`: (id, why) of each."""
        gone = []
        for key, entry in list(self.entries.items()):
            since = _parse(entry.get("since"))
            if since is None or since < oldest:
                del self.entries[key]
                self.changed = True
                if key.isdigit():
                    gone.append((int(key), str(entry.get("why", ""))))
        return gone


def _parse(value: Any) -> datetime | None:
    try:
        return from_iso(value)
    except ValueError:
        return None
