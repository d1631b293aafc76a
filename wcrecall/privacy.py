"""Privacy: the suppression list, `forget`, and retention of ended recalls.

The suppression list lives in the state file (State.suppressions) and holds no address: a buyer is kept as the keyed
hash of the normalised email (the same hash that groups their orders), a domain as its name. The recall loop asks
`blocked()` when it opens a recall and again right before each send, so a buyer suppressed between two steps gets
nothing more.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from wcrecall.config import Settings
from wcrecall.errors import WcrecallError
from wcrecall.order import is_valid_email, mask_email
from wcrecall.records import from_iso
from wcrecall.state import RunLock, State


class PrivacyError(WcrecallError):
    """An argument of `forget` or `suppress` is not an address or a domain (the message says which form works)."""

    exit_code = 2


@dataclass(frozen=True)
class Entry:
    kind: str  # "email" or "domain"
    value: str  # the keyed hash for an email, the name for a domain
    reason: str


def _domain(text: str) -> str:
    """`@Example.COM`, `example.com.` -> `example.com` (IDN kept in its ASCII form so both spellings match)."""
    domain = text.strip().lstrip("@").rstrip(".").lower()
    if not domain.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid IDN: compared as typed
            domain = domain.encode("idna").decode("ascii")
    return domain


def _email_domain(email: str) -> str:
    return _domain(email.strip().rpartition("@")[2])


def blocked(state: State, email: str) -> str | None:
    """Why `email` must not be mailed (suppressed address or domain), or None."""
    if not email or not state.meta.get("hash_key"):
        return None
    lists = state.suppressions()
    reason = lists["emails"].get(state.email_hash(email))
    if reason is not None:
        return f"suppressed: {reason}"
    domain = _email_domain(email)
    for listed, why in lists["domains"].items():
        if domain == listed or domain.endswith("." + listed):
            return f"suppressed: domain {listed} ({why})"
    return None


def suppress_email(state: State, email: str, reason: str, *, show: bool = True) -> None:
    """Suppress one address, kept as its keyed hash; `show` adds the masked form to the reason (not for `forget`)."""
    lists = state.suppressions()
    lists["emails"][state.email_hash(email)] = f"{reason} ({mask_email(email)})" if show else reason
    state.set_suppressions(lists)


def suppress_domain(state: State, domain: str, reason: str) -> None:
    lists = state.suppressions()
    lists["domains"][_domain(domain)] = reason
    state.set_suppressions(lists)


def unsuppress(state: State, target: str) -> bool:
    """Remove an address or a domain from the list; False if it was not on it."""
    lists = state.suppressions()
    if "@" in target.strip().lstrip("@"):
        found = lists["emails"].pop(state.email_hash(target), None) is not None
    else:
        found = lists["domains"].pop(_domain(target), None) is not None
    if found:
        state.set_suppressions(lists)
    return found


def entries(state: State) -> list[Entry]:
    lists = state.suppressions()
    return [Entry("domain", d, r) for d, r in sorted(lists["domains"].items())] + [
        Entry("email", h, r) for h, r in sorted(lists["emails"].items(), key=lambda kv: kv[1])
    ]


def forget(state: State, email: str, *, now: datetime) -> int:
    """Drop every recall of this buyer and suppress the address; returns how many recalls were dropped."""
    key = state.email_hash(email)
    gone = [r.id for r in state.recalls.values() if r.email_hash == key]
    for order_id in gone:
        state.delete(order_id)
    suppress_email(state, email, f"forgotten on {now:%Y-%m-%d}", show=False)
    return len(gone)


def prune(state: State, now: datetime, keep: timedelta) -> int:
    """Drop ended recalls that ended more than `keep` ago (their end note already written); returns how many."""
    old = [
        r.id
        for r in state.recalls.values()
        if not r.is_open and r.end_noted and (ended := from_iso(r.ended)) is not None and ended < now - keep
    ]
    for order_id in old:
        state.delete(order_id)
    return len(old)


# -- the commands' work (each under the run lock, so a cron tick never races it) ---------------------------------


def _locked_state(settings: Settings) -> tuple[RunLock, State]:
    lock = RunLock(settings.state_path).__enter__()
    try:
        return lock, State.of(settings).load()
    except BaseException:
        lock.__exit__(None, None, None)
        raise


def _check_email(email: str) -> str:
    if not is_valid_email(email):
        raise PrivacyError(f"{email!r} is not an email address; give the buyer's billing email, e.g. jane@example.com")
    return email.strip()


def _scrub_broken_copies(state_path: Path, needles: list[str]) -> int:
    """Broken copies of the state (kept for diagnosis) that mention the buyer are deleted too."""
    removed = 0
    for path in state_path.parent.glob(state_path.name + "*.broken-*"):
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if any(n and n in text for n in needles):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def forget_buyer(settings: Settings, email: str, *, now: datetime) -> str:
    """`wcrecall forget EMAIL`: remove every local trace of the buyer and never mail them again."""
    email = _check_email(email)
    lock, state = _locked_state(settings)
    try:
        key = state.email_hash(email)
        count = forget(state, email, now=now)
        state.save(compact=True)  # rewrites the snapshot and empties the journal, which still held the buyer's recalls
        scrubbed = _scrub_broken_copies(state.path, [key])
    finally:
        state.close()
        lock.__exit__(None, None, None)
    extra = f", {scrubbed} broken state cop{'y' if scrubbed == 1 else 'ies'} deleted" if scrubbed else ""
    return f"forgot {mask_email(email)}: {count} recall(s) removed{extra}; the address is suppressed"


def change_suppression(settings: Settings, action: str, target: str, *, now: datetime) -> str:
    """`wcrecall suppress add|remove TARGET`: an address (jane@example.com) or a whole domain (example.com)."""
    target = target.strip()
    is_email = "@" in target.lstrip("@")
    if is_email:
        target = _check_email(target)
    elif not target or "." not in target or any(c.isspace() for c in target):
        raise PrivacyError(f"{target!r}: give an address (jane@example.com) or a domain (example.com)")
    lock, state = _locked_state(settings)
    try:
        shown = mask_email(target) if is_email else _domain(target)
        if action == "add":
            reason = f"added on {now:%Y-%m-%d}"
            (suppress_email if is_email else suppress_domain)(state, target, reason)
            message = f"suppressed {shown}"
        else:
            message = f"removed {shown}" if unsuppress(state, target) else f"{shown} was not on the suppression list"
        state.save()
    finally:
        state.close()
        lock.__exit__(None, None, None)
    return message


def list_suppressions(settings: Settings) -> list[Entry]:
    """`wcrecall suppress list`: domains by name, addresses by reason and masked form (the address is not kept)."""
    return entries(State.of(settings, read_only=True).load())
