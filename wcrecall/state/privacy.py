"""Privacy: the suppression list, `forget`, and retention of ended recalls.

The suppression list lives in the state file (State.suppressions) and holds no address: a buyer is kept as the keyed
hash of the normalised email (the same hash that groups their orders), a domain as its name. The recall loop asks
`blocked()` when it opens a recall and again right before each send, so a buyer suppressed between two steps gets
nothing more.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from wcrecall.config.settings import Settings
from wcrecall.i18n import _, n_
from wcrecall.model.errors import WcrecallError
from wcrecall.model.order import is_valid_email, mask_email
from wcrecall.model.records import from_iso
from wcrecall.state.db import RunLock, State


class PrivacyError(WcrecallError):
    """An argument of `forget` or `suppress` is not an address or a domain (the message says which form works)."""

    exit_code = 2


@dataclass(frozen=True)
class Entry:
    kind: str  # "email" or "domain"
    value: str  # the keyed hash for an email, the name for a domain
    reason: str  # why and when; for an address it ends with the masked form, e.g. "(j***@example.com)"

    @property
    def id(self) -> str:
        """What `suppress list` shows and `suppress remove` accepts: the domain, or the hash's first characters."""
        return self.value if self.kind == "domain" else self.value[:ID_CHARS]

    @property
    def masked(self) -> str:
        match = _MASKED_RE.search(self.reason)
        return match.group(1) if match else ""


ID_CHARS = 12
_MASKED_RE = re.compile(r"\(([^()\s]*\*\*\*@[^()\s]+)\)$")
_MASKED_ADDRESS_RE = re.compile(r"[^@\s]?\*\*\*@[^@\s]+")
_ID_RE = re.compile(r"[0-9a-f]{8,32}")


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
        return _("suppressed: {reason}").format(reason=shown_reason(reason))
    domain = _email_domain(email)
    for listed, why in lists["domains"].items():
        if domain == listed or domain.endswith("." + listed):
            return _("suppressed: domain {domain} ({why})").format(domain=listed, why=shown_reason(why))
    return None


_ADDED_RE = re.compile(r"added on (\d{4}-\d{2}-\d{2})")
_FORGOTTEN_RE = re.compile(r"forgotten on (\d{4}-\d{2}-\d{2})")
_REFUSED_RE = re.compile(r"refused by the mail server on (\d{4}-\d{2}-\d{2}): (.*)", re.DOTALL)


def shown_reason(reason: str) -> str:
    """A suppression's stored reason (kept in one form, whatever the owner's language) in the owner's words."""
    masked = _MASKED_RE.search(reason)
    core = reason[: masked.start()].rstrip() if masked else reason
    if match := _ADDED_RE.fullmatch(core):
        core = _("added on {day}").format(day=match.group(1))
    elif match := _FORGOTTEN_RE.fullmatch(core):
        core = _("forgotten on {day}").format(day=match.group(1))
    elif match := _REFUSED_RE.fullmatch(core):
        core = _("refused by the mail server on {day}: {reply}").format(day=match.group(1), reply=match.group(2))
    return _("{reason} ({address})").format(reason=core, address=masked.group(1)) if masked else core


def kind_label(kind: str) -> str:
    """An entry's kind ("email" or "domain") as `suppress list` shows it."""
    return {"email": _("email"), "domain": _("domain")}.get(kind, kind)


def suppress_email(state: State, email: str, reason: str, *, show: bool = True) -> None:
    """Suppress one address, kept as its keyed hash; `show` adds the masked form to the reason (not for `forget`)."""
    lists = state.suppressions()
    lists["emails"][state.email_hash(email)] = f"{reason} ({mask_email(email)})" if show else reason
    state.set_suppressions(lists)


def suppress_refused(state: State, email: str, reply: str, *, now: datetime) -> None:
    """The mail server refused the address itself (no such user): suppress it with the day and the server's reply,
    so `suppress list` shows an owner what happened and `suppress remove` can undo it."""
    reply = " ".join(reply.split())[:160] or "no reply text"
    suppress_email(state, email, f"refused by the mail server on {now:%Y-%m-%d}: {reply}")


def suppress_domain(state: State, domain: str, reason: str) -> None:
    lists = state.suppressions()
    lists["domains"][_domain(domain)] = reason
    state.set_suppressions(lists)


def unsuppress(state: State, target: str) -> str | None:
    """Remove an entry: an address, a domain, or what `suppress list` shows for an address (its id, or its masked form
    when only one entry has it). Returns how the removed entry is shown, or None if nothing matched; an ambiguous
    masked form or id raises PrivacyError naming the ids to choose from."""
    target = target.strip()
    lists = state.suppressions()
    if _MASKED_ADDRESS_RE.fullmatch(target) or _ID_RE.fullmatch(target):
        matches = [
            e
            for e in entries(state)
            if e.kind == "email" and (e.masked.lower() == target.lower() or e.value.startswith(target))
        ]
        if len(matches) > 1:
            ids = _(", ").join(_("{id} ({reason})").format(id=e.id, reason=shown_reason(e.reason)) for e in matches)
            raise PrivacyError(
                _("{target} matches {n} entries: {ids}; give the full address or one id").format(
                    target=target, n=len(matches), ids=ids
                )
            )
        if not matches:
            return None
        del lists["emails"][matches[0].value]
        shown = matches[0].masked or matches[0].id
    elif "@" in target.lstrip("@"):
        if lists["emails"].pop(state.email_hash(target), None) is None:
            return None
        shown = mask_email(target)
    else:
        if lists["domains"].pop(_domain(target), None) is None:
            return None
        shown = _domain(target)
    state.set_suppressions(lists)
    return shown


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
        raise PrivacyError(
            _("{email!r} is not an email address; give the buyer's billing email, e.g. jane@example.com").format(
                email=email
            )
        )
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
    if scrubbed:
        return n_(
            "forgot {email}: {count} recall(s) removed, {n} broken state copy deleted; the address is suppressed",
            "forgot {email}: {count} recall(s) removed, {n} broken state copies deleted; the address is suppressed",
            scrubbed,
        ).format(email=mask_email(email), count=count, n=scrubbed)
    return _("forgot {email}: {count} recall(s) removed; the address is suppressed").format(
        email=mask_email(email), count=count
    )


def change_suppression(settings: Settings, action: str, target: str, *, now: datetime) -> str:
    """`wcrecall suppress add|remove TARGET`: an address (jane@example.com) or a whole domain (example.com); `remove`
    also takes an entry as `suppress list` shows it (its id, or its masked address when that is unique)."""
    target = target.strip()
    listed = action != "add" and bool(_MASKED_ADDRESS_RE.fullmatch(target) or _ID_RE.fullmatch(target))
    is_email = "@" in target.lstrip("@")
    if listed:
        pass  # as `suppress list` shows it: matched against the list
    elif is_email:
        target = _check_email(target)
        if _MASKED_ADDRESS_RE.fullmatch(target):
            raise PrivacyError(_("{target!r} is a masked address; give the buyer's full address").format(target=target))
    elif not target or "." not in target or any(c.isspace() for c in target):
        raise PrivacyError(
            _(
                "{target!r}: give an address (jane@example.com), a domain (example.com) or, to remove, an entry as "
                "`wcrecall suppress list` shows it"
            ).format(target=target)
        )
    lock, state = _locked_state(settings)
    try:
        if action == "add":
            reason = f"added on {now:%Y-%m-%d}"
            (suppress_email if is_email else suppress_domain)(state, target, reason)
            message = _("suppressed {target}").format(target=mask_email(target) if is_email else _domain(target))
        else:
            removed = unsuppress(state, target)
            shown = target if listed else mask_email(target) if is_email else _domain(target)
            message = (
                _("removed {target}").format(target=removed)
                if removed
                else _("{target} was not on the suppression list").format(target=shown)
            )
        state.save()
    finally:
        state.close()
        lock.__exit__(None, None, None)
    return message


def list_suppressions(settings: Settings) -> list[Entry]:
    """`wcrecall suppress list`: domains by name, addresses by reason and masked form (the address is not kept)."""
    return entries(State.of(settings, read_only=True).load())
