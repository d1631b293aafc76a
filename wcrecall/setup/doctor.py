"""`wcrecall doctor`: every check a store owner needs before the first buyer is mailed, one line each.

Each check is a small function returning a `Check`; the ones that judge data (https, hold stock, conflicting
emails, clock) are pure, take what the store answered and live in `setup/checks.py` with the report's format (both
re-exported here). `run_checks` does the I/O, in the order a new user meets the problems: config, store, mail,
templates, state.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from wcrecall.config.settings import Settings, load_settings
from wcrecall.i18n import _
from wcrecall.model.errors import (
    LockHeld,
    StoreAuthError,
    StoreError,
    StoreNotFound,
    WcrecallError,
)
from wcrecall.setup.checks import (
    CLOCK_FAIL,
    CLOCK_WARN,
    CUSTOMER_FAILED_SECTION,
    EMAIL_ENABLE_LABEL,
    FAIL,
    KEYS_PAGE,
    OK,
    WARN,
    Check,
    check_clock,
    check_config_file,
    check_conflicting_senders,
    check_hold_stock,
    check_https,
    exit_code,
    format_report,
)
from wcrecall.setup.deliverability import deliverability_checks

__all__ = [
    "CLOCK_FAIL",
    "CLOCK_WARN",
    "CUSTOMER_FAILED_SECTION",
    "EMAIL_ENABLE_LABEL",
    "FAIL",
    "KEYS_PAGE",
    "OK",
    "WARN",
    "Check",
    "check_clock",
    "check_config_file",
    "check_conflicting_senders",
    "check_hold_stock",
    "check_https",
    "exit_code",
    "format_report",
    "check_state_folder",
    "run_checks",
    "shipped_languages",
]


# -- the checks that talk to something ----------------------------------------------------------------------------


def _store_checks(settings: Settings, now: datetime, store_factory: Callable[..., Any]) -> list[Check]:
    store = store_factory(settings.store, max_attempts=2, max_retry_time=10.0)
    checks: list[Check] = []
    url = settings.store.url
    with store.session():
        try:
            page = store.orders_page({"status": "any", "per_page": 1, "_fields": "id,version"}, 1)
        except StoreAuthError as exc:
            checks.append(Check("store reachable", OK, _("{url} answered").format(url=url)))
            checks.append(Check("read orders", FAIL, exc.problem, exc.fix))
            return checks
        except StoreNotFound:
            checks.append(Check("store reachable", OK, _("{url} answered").format(url=url)))
            checks.append(Check(
                "WooCommerce REST", FAIL,
                _("no WooCommerce REST API at {address}").format(address=f"{url.rstrip('/')}/wp-json/wc/v3"),
                _("set store.url to the shop's home address; WooCommerce must be active and permalinks not 'Plain'"),
            ))  # fmt: skip
            return checks
        except StoreError as exc:
            checks.append(Check("store reachable", FAIL, str(exc), _("check store.url and that the shop is online")))
            return checks
        checks.append(Check("store reachable", OK, _("{url} answered; WooCommerce REST API v3 found").format(url=url)))
        checks.append(Check("read orders", OK, _("the key can read orders")))
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
            checks.append(
                Check("WooCommerce version", WARN, _("unknown (no system status and no order to read it from)"))
            )
        try:
            writable = store.probe_write()
        except StoreError as exc:
            checks.append(Check("write notes", WARN, _("could not be tested: {problem}").format(problem=exc)))
        else:
            if writable:
                checks.append(Check("write notes", OK, _("the key can write order notes (tested without writing)")))
            else:
                checks.append(Check(
                    "write notes", FAIL, _("the key is read-only: wcrecall could not write its order notes"),
                    _("create a key with Read/Write permission under {page} and put it in the config").format(
                        page=_("WooCommerce > Settings > Advanced > REST API")
                    ),
                ))  # fmt: skip
        checks.append(_settings_check(store, settings))
        checks.append(_senders_check(store, url))
        checks.append(check_clock(now, date))
    return checks


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
        return Check("hold stock", WARN, _("could not be read: {problem}").format(problem=exc))
    return check_hold_stock(manage, held, delays[0] if delays else None)


def _senders_check(store: Any, store_url: str) -> Check:
    try:
        failed = _setting(store, "email_customer_failed_order", "enabled")
        abandoned = _setting(store, "email_customer_abandoned_cart_recovery", "enabled")
    except StoreError as exc:
        return Check("other senders", WARN, _("could not be read: {problem}").format(problem=exc))
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
        fix = _(
            "check mail.host, mail.port, mail.security, mail.username and mail.password (or WCRECALL_MAIL_PASSWORD)"
        )
        checks.append(Check("mail login", FAIL, str(exc), fix))
    else:
        did = _("connected and logged in (nothing sent)") if mail.transport == "smtp" else _("ready")
        checks.append(Check("mail login", OK, _("{transport} {where}: {status}").format(
            transport=mail.transport, where=where, status=did)))  # fmt: skip
    return checks


def _sample_message_check(settings: Settings, now: datetime) -> Check:
    """Render reminder 1 for a sample order and build the message the way a run does (nothing is sent): the sender,
    the reply address and the unsubscribe address all pass through the mail builder's own rules."""
    from wcrecall.mail.transport import POLICY, build_message, message_id_for
    from wcrecall.render.renderer import Renderer
    from wcrecall.render.samples import sample_order

    order = sample_order(guest=False, items=1)
    try:
        rendered = Renderer(brand=settings.brand, emails_dir=settings.emails_path, strings_dir=settings.strings_path).render(
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
            "sample message", FAIL, _("a reminder cannot be built: {problem}").format(problem=exc),
            _("fix the setting or template named above (mail.from, mail.reply_to, brand.support_email, recall.emails_dir)"),
        )  # fmt: skip
    return Check(
        "sample message", OK,
        _("a reminder builds (From {sender}, Reply-To {reply_to}, {size} bytes; nothing sent)").format(
            sender=message["From"], reply_to=message["Reply-To"], size=size
        ),
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
        Renderer(brand=settings.brand, emails_dir=settings.emails_path, strings_dir=settings.strings_path).check(
            steps=steps, languages=languages
        )
    except WcrecallError as exc:
        return Check("templates", FAIL, str(exc), _("fix the template named above, or empty recall.emails_dir"))
    return Check(
        "templates",
        OK,
        _("{steps} step(s) compile in {languages} language(s)").format(steps=steps, languages=len(languages)),
    )


def _state_checks(settings: Settings) -> list[Check]:
    from wcrecall.state.db import RunLock, State

    path = settings.state_path
    fix = _("set state.path to a file in a folder you can write, or fix the permissions of {folder}").format(
        folder=path.parent
    )
    checks = [check_state_folder(settings)]
    if checks[0].level == FAIL:
        return checks
    try:
        with RunLock(path):
            pass
    except LockHeld:
        checks.append(
            Check("run lock", WARN, _("a wcrecall run holds the lock right now"), _("run doctor again in a minute"))
        )
    except WcrecallError as exc:
        checks.append(Check("run lock", FAIL, str(exc), fix))
    else:
        checks.append(Check("run lock", OK, _("the lock can be taken")))
    try:
        state = State.of(settings, read_only=True).load()
    except WcrecallError as exc:
        checks.append(
            Check(
                "state file",
                FAIL,
                str(exc),
                _("the message says what to change (state.path, store.url, or the wcrecall version)"),
            )
        )
    else:
        if state.problems:
            checks.append(
                Check("state file", WARN, "; ".join(state.problems), _("nothing to do: the next run rebuilds it"))
            )
        else:
            checks.append(Check("state file", OK, _("{n} recall(s) loaded").format(n=len(state.recalls))))
    return checks


def check_state_folder(settings: Settings) -> Check:
    """The state file's folder exists (made if need be) and this user may write in it (`doctor` and `init`)."""
    path = settings.state_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".doctor-"):
            pass
    except OSError as exc:
        problem = _("{folder} is not writable ({reason})").format(folder=path.parent, reason=exc.strerror or exc)
        fix = _("set state.path to a file in a folder you can write, or fix the permissions of {folder}")
        return Check("state", FAIL, problem, fix.format(folder=path.parent))
    return Check("state", OK, _("{path} is writable").format(path=path))


def run_checks(
    config: str | Path | None, *, now: datetime, store_factory: Callable[..., Any] | None = None
) -> list[Check]:
    """Every check, in order; a config that does not load is the only check then."""
    try:
        settings = load_settings(config)
    except WcrecallError as exc:
        return [Check("config", FAIL, str(exc), _("run `wcrecall init` to create a config, or fix the key named"))]
    checks = [check_config_file(settings.config_path), check_https(settings.store.url)]
    if settings.store.platform == "magento":
        from wcrecall.setup.magento_checks import magento_store_checks

        checks += magento_store_checks(settings, now)
    else:
        checks += _store_checks(settings, now, store_factory or _default_store)
        checks.append(_owner_zone_check(settings, store_factory or _default_store))
    checks += _mail_checks(settings)
    checks += deliverability_checks(settings.mail)
    checks.append(_template_check(settings))
    checks.append(_sample_message_check(settings, now))
    checks += _state_checks(settings)
    return checks


def _owner_zone_check(settings: Settings, store_factory: Callable[..., Any]) -> Check:
    """The time zone owner times are shown in: owner.timezone, else the store's (read now), else UTC (a warning)."""
    from wcrecall.recall.ownerzone import refresh_store_zone

    if settings.owner.timezone:
        return Check("owner time zone", OK, _("{zone} (owner.timezone)").format(zone=settings.owner.timezone))
    try:
        name = refresh_store_zone(settings, force=True, store=store_factory(settings.store, max_attempts=1))
    except (WcrecallError, OSError) as exc:
        return Check(
            "owner time zone", WARN,
            _("the store's time zone could not be read ({problem}): owner times are shown in UTC").format(problem=exc),
            _("set owner.timezone, e.g. Asia/Shanghai"),
        )  # fmt: skip
    return Check("owner time zone", OK, _("{zone} (the store's time zone, read from WordPress)").format(zone=name))


def _default_store(*args: Any, **kwargs: Any) -> Any:
    from wcrecall.store.client import Store

    return Store(*args, **kwargs)
