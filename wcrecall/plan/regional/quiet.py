"""Quiet hours: a daily window of the buyer's local wall-clock time in which no reminder goes out, and the moment a
reminder due inside it may go instead (daylight saving time changes included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["QuietHours", "outside_quiet_hours", "parse_quiet_hours"]


@dataclass(frozen=True)
class QuietHours:
    """A daily window of local wall-clock time in which no reminder is sent; it may cross midnight (21:00-08:00).

    `start` is inside the window, `end` is not. `start == end` means no quiet hours at all.
    """

    start: time
    end: time

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, moment: time) -> bool:
        """True if a local wall-clock time falls inside the window."""
        if not self.enabled:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}" if self.enabled else "off"


_QUIET_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})\s*")
_QUIET_OFF = frozenset({"off", "none", "no", "false", "0"})


@lru_cache(maxsize=64)  # asked for every open recall on every tick, from a handful of settings
def parse_quiet_hours(text: str) -> QuietHours:
    """ "21:00-08:00" -> QuietHours(21:00, 08:00); "off" -> no quiet hours. Raises ValueError saying what is wrong."""
    if text.strip().lower() in _QUIET_OFF:
        return QuietHours(time(0), time(0))
    match = _QUIET_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"quiet hours must look like 21:00-08:00 (start-end, 24-hour local time) or off, got {text!r}")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    for hour, minute in ((start_h, start_m), (end_h, end_m)):
        if hour > 23 or minute > 59:
            raise ValueError(
                f"quiet hours {text.strip()!r}: {hour:02d}:{minute:02d} is not a time of day (00:00-23:59)"
            )
    return QuietHours(time(start_h, start_m), time(end_h, end_m))


def outside_quiet_hours(at: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """`at` itself if it is outside the quiet window in `zone`, else the moment the window ends there (aware, UTC).

    The window is wall-clock time, so it follows daylight saving time: 08:00 is 08:00 local on the day of a change.
    An end time that does not exist that day (skipped by the clocks going forward) ends the window when the clocks
    jump past it; one that occurs twice (clocks going back) ends it at the first occurrence after `at`.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("outside_quiet_hours needs an aware datetime, got a naive one")
    wall = at.astimezone(zone).replace(tzinfo=None)
    if not quiet.contains(wall.time()):
        return at
    end_day: date = wall.date()
    if quiet.start > quiet.end and wall.time() >= quiet.start:
        end_day += timedelta(days=1)  # the evening part of a window that crosses midnight ends tomorrow morning
    return _first_instant_at(datetime.combine(end_day, quiet.end), zone, after=at.astimezone(UTC))


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant_at(target: datetime, zone: ZoneInfo, *, after: datetime) -> datetime:
    """The first instant after `after` whose wall-clock time in `zone` is `target`, or the first one past it."""
    candidates = sorted({target.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)})
    existing = [instant for instant in candidates if _wall(instant, zone) == target]
    later = [instant for instant in existing if instant > after]
    if later:
        return later[0]
    if existing:
        return existing[-1]
    # `target` falls in a gap. fold=1 read it with the offset after the change and fold=0 with the one before, so
    # the change lies between the two: find the first second whose wall time is at or past `target`.
    low, high = int(candidates[0].timestamp()), int(candidates[-1].timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
