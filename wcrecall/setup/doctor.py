"""`wcrecall doctor`: every check a store owner needs before the first buyer is mailed, one line each.

Each check is a small function returning a `Check`; the ones that judge data (https, hold stock, conflicting
emails, clock) are pure and take what the store answered. `run_checks` does the I/O, in the order a new user
meets the problems: config, store, mail, templates, state.
"""

from __future__ import annotations

import stat
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wcrecall.config.settings import Settings, format_duration, load_settings
from wcrecall.model.errors import (
    LockHeld,
    StoreAuthError,
    StoreError,
    StoreNotFound,
    WcrecallError,
)
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
        return Check("https", OK, "the store is reached over https")
    return Check(
        "https",
        WARN,
        "the store is reached over plain http: only OAuth works and order data travels unencrypted",
        "use the shop's https:// address in store.url (a free certificate comes with most hosting plans)",
    )


def check_hold_stock(manage_stock: Any, hold_minutes: Any, first_pending: timedelta | None) -> Check:
    """FAIL when WooCommerce cancels unpaid pending orders before the first pending reminder is sent.

    wc_cancel_unpaid_orders() (includes/wc-order-functions.php) only runs when woocommerce_manage_stock is "yes" and
    woocommerce_hold_stock_minutes is at least 1; "" means off.
    """
    name = "hold stock"
    if first_pending is None:
        return Check(name, OK, "pending orders are not recalled (recall.statuses)")
    if str(manage_stock or "") != "yes":
        return Check(name, OK, "stock management is off: pending orders are never auto-cancelled")
    text = str(hold_minutes or "").strip()
    try:
        minutes = float(text) if text else 0.0
    except ValueError:
        return Check(name, WARN, f"hold stock is {text!r}, not a number of minutes", "check Products > Inventory")
    if minutes < 1:
        return Check(name, OK, "hold stock is off: pending orders are never auto-cancelled")
    held = timedelta(minutes=minutes)
    first = format_duration(first_pending)
    if held <= first_pending:
        return Check(
            name,
            FAIL,
            f"WooCommerce cancels unpaid pending orders after {text} min, before the first pending reminder ({first})",
            f"raise WooCommerce > Settings > Products > Inventory > Hold stock above {int(first_pending.total_seconds() // 60)} "
            f"minutes, or set recall.delays.pending to start below {text}m",
        )
    # As the tick schedules it (decide.steps_for): halfway to the cancel at the latest.
    sent_at = first_pending_delay(first_pending, minutes)
    left = held - sent_at
    message = (
        f"hold stock {text} min; the first pending reminder goes at {format_duration(sent_at)}, so buyers get "
        f"{int(left.total_seconds() // 60)} min to pay after it before WooCommerce cancels the order"
    )
    if left < MIN_TIME_TO_PAY:
        least = int(MIN_TIME_TO_PAY.total_seconds() // 60)
        return Check(
            name,
            WARN,
            f"{message}; a pending reminder that leaves less than {least} min is not sent",
            f"raise WooCommerce > Settings > Products > Inventory > Hold stock to at least {2 * least} minutes",
        )
    return Check(name, OK, message)


def check_conflicting_senders(customer_failed: Any, abandoned_cart: Any, *, store_url: str = "") -> Check:
    """WARN when WooCommerce itself also emails the buyer about the same order (values: "yes"/"no"; None: absent).

    The fix names each email as WP admin lists it (WC_Email::$title, and "Customer" in its recipient column, since
    the admin "Failed order" email has the same title) and, with `store_url`, links its settings section."""
    emails, fixes = [], []
    if str(customer_failed or "") == "yes":
        emails.append('"Failed order" email to customers (WooCommerce 9.5+: "Your order at ... was unsuccessful")')
        link = f" ({_email_settings_url(store_url, CUSTOMER_FAILED_SECTION)})" if store_url else ""
        fixes.append(f'"Failed order" (recipient: Customer) > untick "{EMAIL_ENABLE_LABEL}" > Save changes{link}')
    if str(abandoned_cart or "") == "yes":
        emails.append('"Abandoned cart recovery" email (WooCommerce 11.0+)')
        fixes.append('"Abandoned cart recovery" > turn it off')
    if not emails:
        return Check("other senders", OK, "WooCommerce sends no failed-payment email of its own to buyers")
    return Check(
        "other senders",
        WARN,
        f"WooCommerce's own {' and '.join(emails)} {'are' if len(emails) > 1 else 'is'} enabled: buyers would get "
        "two emails",
        f"in WP admin, WooCommerce > Settings > Emails > {'; and '.join(fixes)}. Or keep it and lengthen recall.delays",
    )


def _email_settings_url(store_url: str, section: str) -> str:
    return f"{store_url.rstrip('/')}/wp-admin/admin.php?page=wc-settings&tab=email&section={section}"


def check_clock(now: datetime, store_date: str | None) -> Check:
    """This machine's clock against the store's `Date` header: OAuth signatures fail beyond 15 minutes."""
    if not store_date:
        return Check("clock", WARN, "the store sent no Date header; the clocks could not be compared")
    try:
        theirs = parsedate_to_datetime(store_date)
    except (TypeError, ValueError):
        return Check("clock", WARN, f"the store's Date header is unreadable: {store_date[:40]!r}")
    skew = abs(now - theirs)
    shown = f"{int(skew.total_seconds())} s"
    if skew <= CLOCK_WARN:
        return Check("clock", OK, f"this clock and the store's differ by {shown}")
    fix = "set this machine's clock right (NTP), or ask the host to fix the server's"
    level = FAIL if skew > CLOCK_FAIL else WARN
    return Check("clock", level, f"this clock and the store's differ by {shown} (OAuth fails beyond 15 min)", fix)


def check_config_file(path: Path | None) -> Check:
    """The config exists and only its owner can read it (it holds the API secret)."""
    if path is None:
        return Check("config", OK, "settings come from WCRECALL_* environment variables")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Check("config", WARN, f"{path.name} can be read by other users", f"run: chmod 600 {path}")
    return Check("config", OK, f"{path} (readable by you only)")


# -- the checks that talk to something ----------------------------------------------------------------------------


def _store_checks(settings: Settings, now: datetime, store_factory: Callable[..., Any]) -> list[Check]:
    store = store_factory(settings.store, max_attempts=2, max_retry_time=10.0)
    checks: list[Check] = []
    url = settings.store.url
    with store.session():
        try:
            page = store.orders_page({"status": "any", "per_page": 1, "_fields": "id,version"}, 1)
        except StoreAuthError as exc:
            checks.append(Check("store reachable", OK, f"{url} answered"))
            checks.append(Check("read orders", FAIL, str(exc).split(": ", 1)[0], _fix_from(exc)))
            return checks
        except StoreNotFound:
            checks.append(Check("store reachable", OK, f"{url} answered"))
            checks.append(Check(
                "WooCommerce REST", FAIL, f"no WooCommerce REST API at {url.rstrip('/')}/wp-json/wc/v3",
                "set store.url to the shop's home address; WooCommerce must be active and permalinks not 'Plain'",
            ))  # fmt: skip
            return checks
        except StoreError as exc:
            checks.append(Check("store reachable", FAIL, str(exc), "check store.url and that the shop is online"))
            return checks
        checks.append(Check("store reachable", OK, f"{url} answered; WooCommerce REST API v3 found"))
        checks.append(Check("read orders", OK, "the key can read orders"))
        date = page.date
        version = ""
        try:
            status, status_date = store.system_status()
            version = str(status.get("environment", {}).get("version", ""))
            date = status_date or date
        except StoreError:
            pass
        if not version and page.orders:
            version = str(page.orders[0].get("version", ""))
        if version:
            checks.append(Check("WooCommerce version", OK, version))
        else:
            checks.append(Check("WooCommerce version", WARN, "unknown (no system status and no order to read it from)"))
        try:
            writable = store.probe_write()
        except StoreError as exc:
            checks.append(Check("write notes", WARN, f"could not be tested: {exc}"))
        else:
            if writable:
                checks.append(Check("write notes", OK, "the key can write order notes (tested without writing)"))
            else:
                checks.append(Check(
                    "write notes", FAIL, "the key is read-only: wcrecall could not write its order notes",
                    f"create a key with Read/Write permission under {KEYS_PAGE} and put it in the config",
                ))  # fmt: skip
        checks.append(_settings_check(store, settings))
        checks.append(_senders_check(store, url))
        checks.append(check_clock(now, date))
    return checks


def _fix_from(exc: WcrecallError) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text


def _setting(store: Any, group: str, setting_id: str) -> Any:
    try:
        return store.get_setting(group, setting_id)
    except StoreNotFound:
        return None  # the email or setting does not exist on this WooCommerce version


def _settings_check(store: Any, settings: Settings) -> Check:
    delays = settings.recall.delays.get("pending") if "pending" in settings.recall.statuses else None
    try:
        manage = _setting(store, "products", "woocommerce_manage_stock")
        held = _setting(store, "products", "woocommerce_hold_stock_minutes")
    except StoreError as exc:
        return Check("hold stock", WARN, f"could not be read: {exc}")
    return check_hold_stock(manage, held, delays[0] if delays else None)


def _senders_check(store: Any, store_url: str) -> Check:
    try:
        failed = _setting(store, "email_customer_failed_order", "enabled")
        abandoned = _setting(store, "email_customer_abandoned_cart_recovery", "enabled")
    except StoreError as exc:
        return Check("other senders", WARN, f"could not be read: {exc}")
    return check_conflicting_senders(failed, abandoned, store_url=store_url)


def _mail_checks(settings: Settings) -> list[Check]:
    from wcrecall.mail.transport import open_transport

    mail = settings.mail
    checks = []
    where = {"smtp": f"{mail.host}:{mail.effective_port}", "sendmail": mail.sendmail_path, "file": mail.outbox}[
        mail.transport
    ]
    try:
        open_transport(mail, base_dir=settings.base_dir).check()
    except WcrecallError as exc:
        fix = "check mail.host, mail.port, mail.security, mail.username and mail.password (or WCRECALL_MAIL_PASSWORD)"
        checks.append(Check("mail login", FAIL, str(exc), fix))
    else:
        did = "connected and logged in (nothing sent)" if mail.transport == "smtp" else "ready"
        checks.append(Check("mail login", OK, f"{mail.transport} {where}: {did}"))
    return checks


def _sample_message_check(settings: Settings, now: datetime) -> Check:
    """Render reminder 1 for a sample order and build the message the way a run does (nothing is sent): the sender,
    the reply address and the unsubscribe address all pass through the mail builder's own rules."""
    from wcrecall.mail.transport import POLICY, build_message, message_id_for
    from wcrecall.render.renderer import Renderer, _sample_order

    order = _sample_order(guest=False, items=1)
    try:
        rendered = Renderer(brand=settings.brand, emails_dir=settings.emails_path).render(
            order=order, step=1, total_steps=1, kind="failed", pay_url=order.payment_url,
            lang=settings.regional.default_language,
        )  # fmt: skip
        message = build_message(
            rendered, to_addr=order.email, to_name=f"{order.first_name} {order.last_name}",
            from_addr=settings.mail.from_addr, reply_to=settings.reply_to,
            message_id=message_id_for(store_url=settings.store.url, order_id=order.id, step=1), date=now,
            unsubscribe=settings.brand.support_email,
        )  # fmt: skip
        size = len(message.as_bytes(policy=POLICY))
    except (WcrecallError, ValueError) as exc:
        return Check(
            "sample message", FAIL, f"a reminder cannot be built: {exc}",
            "fix the setting or template named above (mail.from, mail.reply_to, brand.support_email, recall.emails_dir)",
        )  # fmt: skip
    return Check(
        "sample message", OK,
        f"a reminder builds (From {message['From']}, Reply-To {message['Reply-To']}, {size} bytes; nothing sent)",
    )  # fmt: skip


def shipped_languages() -> tuple[str, ...]:
    """English plus every language with a compiled catalog among the shipped templates."""
    from wcrecall.render.renderer import _shipped_dir

    locale = Path(_shipped_dir()) / "locale"
    found = sorted(p.parent.parent.name for p in locale.glob("*/LC_MESSAGES/*.mo")) if locale.is_dir() else []
    return ("en", *(lang for lang in found if lang != "en"))


def _template_check(settings: Settings) -> Check:
    from wcrecall.render.renderer import Renderer

    steps = max((len(d) for d in settings.recall.delays.values()), default=1)
    languages = shipped_languages()
    try:
        Renderer(brand=settings.brand, emails_dir=settings.emails_path).check(steps=steps, languages=languages)
    except WcrecallError as exc:
        return Check("templates", FAIL, str(exc), "fix the template named above, or empty recall.emails_dir")
    return Check("templates", OK, f"{steps} step(s) compile in {len(languages)} language(s)")


def _state_checks(settings: Settings) -> list[Check]:
    from wcrecall.state.db import RunLock, State

    path = settings.state_path
    fix = f"set state.path to a file in a folder you can write, or fix the permissions of {path.parent}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".doctor-"):
            pass
    except OSError as exc:
        return [Check("state", FAIL, f"{path.parent} is not writable ({exc.strerror or exc})", fix)]
    checks = [Check("state", OK, f"{path} is writable")]
    try:
        with RunLock(path):
            pass
    except LockHeld:
        checks.append(
            Check("run lock", WARN, "a wcrecall run holds the lock right now", "run doctor again in a minute")
        )
    except WcrecallError as exc:
        checks.append(Check("run lock", FAIL, str(exc), fix))
    else:
        checks.append(Check("run lock", OK, "the lock can be taken"))
    try:
        state = State.of(settings, read_only=True).load()
    except WcrecallError as exc:
        checks.append(
            Check(
                "state file",
                FAIL,
                str(exc),
                "the message says what to change (state.path, store.url, or the wcrecall version)",
            )
        )
    else:
        if state.problems:
            checks.append(
                Check("state file", WARN, "; ".join(state.problems), "nothing to do: the next run rebuilds it")
            )
        else:
            checks.append(Check("state file", OK, f"{len(state.recalls)} recall(s) loaded"))
    return checks


def run_checks(
    config: str | Path | None, *, now: datetime, store_factory: Callable[..., Any] | None = None
) -> list[Check]:
    """Every check, in order; a config that does not load is the only check then."""
    try:
        settings = load_settings(config)
    except WcrecallError as exc:
        return [Check("config", FAIL, str(exc), "run `wcrecall init` to create a config, or fix the key named")]
    checks = [check_config_file(settings.config_path), check_https(settings.store.url)]
    checks += _store_checks(settings, now, store_factory or _default_store)
    checks += _mail_checks(settings)
    checks.append(_template_check(settings))
    checks.append(_sample_message_check(settings, now))
    checks += _state_checks(settings)
    return checks


def _default_store(*args: Any, **kwargs: Any) -> Any:
    from wcrecall.store.client import Store

    return Store(*args, **kwargs)


def exit_code(checks: Iterable[Check]) -> int:
    """1 when any check failed, else 0 (warnings do not fail)."""
    return 1 if any(c.level == FAIL for c in checks) else 0


_COLOURS = {OK: "green", WARN: "yellow", FAIL: "red"}


def format_report(checks: Sequence[Check], *, width: int = 80, colour: bool = False) -> list[str]:
    """One line per check (`LEVEL  name: message`), then `fix:` lines; wrapped to `width` columns."""
    import typer

    lines: list[str] = []
    for check in checks:
        body = textwrap.wrap(f"{check.name}: {check.message}", width=width - 6, break_on_hyphens=False) or [""]
        label = f"{check.level:<4}"
        if colour:
            label = typer.style(label, fg=_COLOURS.get(check.level), bold=check.level != OK)
        lines.append(f"{label}  {body[0]}")
        lines += [f"      {more}" for more in body[1:]]
        if check.fix and check.level != OK:
            lines += textwrap.wrap(
                f"fix: {check.fix}", width=width, initial_indent="      ", subsequent_indent="           ",
                break_on_hyphens=False, break_long_words=False,  # a link stays in one piece
            )  # fmt: skip
    fails = sum(c.level == FAIL for c in checks)
    warns = sum(c.level == WARN for c in checks)
    lines.append(
        f"{len(checks)} checks: {fails} FAIL, {warns} WARN" if fails or warns else f"{len(checks)} checks: all OK"
    )
    return lines
