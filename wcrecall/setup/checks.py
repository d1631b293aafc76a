"""The doctor's verdicts: one `Check` per line of its report, the checks that judge data, and the report's format.

The checks here are pure: they take what the store or the config answered (`setup/doctor.py` asks) and say OK,
WARN or FAIL, with the fix.
"""

from __future__ import annotations

import stat
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wcrecall.config.settings import format_duration
from wcrecall.i18n import _, n_
from wcrecall.plan.decide import MIN_TIME_TO_PAY, first_pending_delay

OK, WARN, FAIL = "OK", "WARN", "FAIL"
KEYS_PAGE = "WooCommerce > Settings > Advanced > REST API"
# The customer "Failed order" email's settings section (strtolower of its class name, class-wc-settings-emails.php)
# and the label of every WooCommerce email's on/off checkbox (WC_Email::init_form_fields).
CUSTOMER_FAILED_SECTION = "wc_email_customer_failed_order"
EMAIL_ENABLE_LABEL = "Enable this email notification"
CLOCK_WARN = timedelta(minutes=5)
CLOCK_FAIL = timedelta(
    minutes=15
)  # WooCommerce refuses OAuth timestamps further off (class-wc-rest-authentication.php)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report; `fix` says what to do when `level` is not OK."""

    name: str
    level: str
    message: str
    fix: str = ""


# -- pure checks ------------------------------------------------------------------------------------------------------


def check_https(url: str) -> Check:
    """https in use, else a warning: over http only OAuth works and the traffic is readable on the way."""
    if urlsplit(url).scheme == "https":
        return Check("https", OK, _("the store is reached over https"))
    return Check(
        "https",
        WARN,
        _("the store is reached over plain http: only OAuth works and order data travels unencrypted"),
        _("use the shop's https:// address in store.url (a free certificate comes with most hosting plans)"),
    )


def check_hold_stock(manage_stock: Any, hold_minutes: Any, first_pending: timedelta | None) -> Check:
    """FAIL when WooCommerce cancels unpaid pending orders before the first pending reminder is sent.

    wc_cancel_unpaid_orders() (includes/wc-order-functions.php) only runs when woocommerce_manage_stock is "yes" and
    woocommerce_hold_stock_minutes is at least 1; "" means off.
    """
    name = "hold stock"
    if first_pending is None:
        return Check(name, OK, _("pending orders are not recalled (recall.statuses)"))
    if str(manage_stock or "") != "yes":
        return Check(name, OK, _("stock management is off: pending orders are never auto-cancelled"))
    text = str(hold_minutes or "").strip()
    try:
        minutes = float(text) if text else 0.0
    except ValueError:
        return Check(
            name,
            WARN,
            _("hold stock is {value!r}, not a number of minutes").format(value=text),
            _("check Products > Inventory"),
        )
    if minutes < 1:
        return Check(name, OK, _("hold stock is off: pending orders are never auto-cancelled"))
    held = timedelta(minutes=minutes)
    first = format_duration(first_pending)
    if held <= first_pending:
        return Check(
            name,
            FAIL,
            _(
                "WooCommerce cancels unpaid pending orders after {minutes} min, before the first pending reminder "
                "({first})"
            ).format(minutes=text, first=first),
            _(
                "raise WooCommerce > Settings > Products > Inventory > Hold stock above {least} minutes, or set "
                "recall.delays.pending to start below {minutes}m"
            ).format(least=int(first_pending.total_seconds() // 60), minutes=text),
        )
    # As the tick schedules it (decide.steps_for): halfway to the cancel at the latest.
    sent_at = first_pending_delay(first_pending, minutes)
    left = held - sent_at
    message = _(
        "hold stock {minutes} min; the first pending reminder goes at {sent_at}, so buyers get {left} min to pay "
        "after it before WooCommerce cancels the order"
    ).format(minutes=text, sent_at=format_duration(sent_at), left=int(left.total_seconds() // 60))
    if left < MIN_TIME_TO_PAY:
        least = int(MIN_TIME_TO_PAY.total_seconds() // 60)
        return Check(
            name,
            WARN,
            _("{message}; a pending reminder that leaves less than {least} min is not sent").format(
                message=message, least=least
            ),
            _("raise WooCommerce > Settings > Products > Inventory > Hold stock to at least {minutes} minutes").format(
                minutes=2 * least
            ),
        )
    return Check(name, OK, message)


def check_conflicting_senders(customer_failed: Any, abandoned_cart: Any, *, store_url: str = "") -> Check:
    """WARN when WooCommerce itself also emails the buyer about the same order (values: "yes"/"no"; None: absent).

    The fix names each email as WP admin lists it (WC_Email::$title, and "Customer" in its recipient column, since
    the admin "Failed order" email has the same title) and, with `store_url`, links its settings section."""
    emails, fixes = [], []
    if str(customer_failed or "") == "yes":
        emails.append(_('"Failed order" email to customers (WooCommerce 9.5+: "Your order at ... was unsuccessful")'))
        link = f" ({_email_settings_url(store_url, CUSTOMER_FAILED_SECTION)})" if store_url else ""
        fixes.append(
            _('"Failed order" (recipient: Customer) > untick "{label}" > Save changes').format(label=EMAIL_ENABLE_LABEL)
            + link
        )
    if str(abandoned_cart or "") == "yes":
        emails.append(_('"Abandoned cart recovery" email (WooCommerce 11.0+)'))
        fixes.append(_('"Abandoned cart recovery" > turn it off'))
    if not emails:
        return Check("other senders", OK, _("WooCommerce sends no failed-payment email of its own to buyers"))
    return Check(
        "other senders",
        WARN,
        n_(
            "WooCommerce's own {emails} is enabled: buyers would get two emails",
            "WooCommerce's own {emails} are enabled: buyers would get two emails",
            len(emails),
        ).format(emails=_(" and ").join(emails)),
        _("in WP admin, WooCommerce > Settings > Emails > {steps}. Or keep it and lengthen recall.delays").format(
            steps=_("; and ").join(fixes)
        ),
    )


def _email_settings_url(store_url: str, section: str) -> str:
    return f"{store_url.rstrip('/')}/wp-admin/admin.php?page=wc-settings&tab=email&section={section}"


def check_clock(now: datetime, store_date: str | None) -> Check:
    """This machine's clock against the store's `Date` header: OAuth signatures fail beyond 15 minutes."""
    if not store_date:
        return Check("clock", WARN, _("the store sent no Date header; the clocks could not be compared"))
    try:
        theirs = parsedate_to_datetime(store_date)
    except (TypeError, ValueError):
        return Check("clock", WARN, _("the store's Date header is unreadable: {value!r}").format(value=store_date[:40]))
    skew = abs(now - theirs)
    seconds = int(skew.total_seconds())
    if skew <= CLOCK_WARN:
        return Check("clock", OK, _("this clock and the store's differ by {seconds} s").format(seconds=seconds))
    fix = _("set this machine's clock right (NTP), or ask the host to fix the server's")
    level = FAIL if skew > CLOCK_FAIL else WARN
    message = _("this clock and the store's differ by {seconds} s (OAuth fails beyond 15 min)").format(seconds=seconds)
    return Check("clock", level, message, fix)


def check_config_file(path: Path | None) -> Check:
    """The config exists and only its owner can read it (it holds the API secret)."""
    if path is None:
        return Check("config", OK, _("settings come from WCRECALL_* environment variables"))
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Check(
            "config",
            WARN,
            _("{name} can be read by other users").format(name=path.name),
            _("run: chmod 600 {path}").format(path=path),
        )
    return Check("config", OK, _("{path} (readable by you only)").format(path=path))


# -- the report -------------------------------------------------------------------------------------------------------


def exit_code(checks: Iterable[Check]) -> int:
    """1 when any check failed, else 0 (warnings do not fail)."""
    return 1 if any(c.level == FAIL for c in checks) else 0


_COLOURS = {OK: "green", WARN: "yellow", FAIL: "red"}


def format_report(checks: Sequence[Check], *, width: int = 80, colour: bool = False) -> list[str]:
    """One line per check (`LEVEL  name: message`), then `fix:` lines; wrapped to `width` columns."""
    import typer

    lines: list[str] = []
    for check in checks:
        title = check_title(check.name)
        body = textwrap.wrap(
            _("{check}: {message}").format(check=title, message=check.message),
            width=width - 6,
            break_on_hyphens=False,
        ) or [""]
        label = f"{check.level:<4}"
        if colour:
            label = typer.style(label, fg=_COLOURS.get(check.level), bold=check.level != OK)
        lines.append(f"{label}  {body[0]}")
        lines += [f"      {more}" for more in body[1:]]
        if check.fix and check.level != OK:
            lines += textwrap.wrap(
                _("fix: {fix}").format(fix=check.fix), width=width, initial_indent="      ", subsequent_indent="           ",
                break_on_hyphens=False, break_long_words=False,  # a link stays in one piece
            )  # fmt: skip
    fails = sum(c.level == FAIL for c in checks)
    warns = sum(c.level == WARN for c in checks)
    if fails or warns:
        lines.append(_("{n} checks: {fails} FAIL, {warns} WARN").format(n=len(checks), fails=fails, warns=warns))
    else:
        lines.append(_("{n} checks: all OK").format(n=len(checks)))
    return lines


def check_title(name: str) -> str:
    """A check's name as the owner reads it (the name itself stays the check's id); an unknown name as it is."""
    titles = {
        "config": _("config"),
        "https": _("https"),
        "store reachable": _("store reachable"),
        "read orders": _("read orders"),
        "WooCommerce REST": _("WooCommerce REST"),
        "WooCommerce version": _("WooCommerce version"),
        "write notes": _("write notes"),
        "hold stock": _("hold stock"),
        "other senders": _("other senders"),
        "clock": _("clock"),
        "mail login": _("mail login"),
        "templates": _("templates"),
        "sample message": _("sample message"),
        "state": _("state"),
        "run lock": _("run lock"),
        "state file": _("state file"),
        "owner time zone": _("owner time zone"),
        "Magento REST": _("Magento REST"),
        "write comments": _("write comments"),
        "pending lifetime": _("pending lifetime"),
        "pay link": _("pay link"),
    }
    return titles.get(name, name)
