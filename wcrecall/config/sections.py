"""The settings: one frozen dataclass per config section, each key declared once with its default and its check.

`config/settings.py` reads them from TOML and the environment; this module holds only what they are and what makes
them valid. Secrets print as `<hidden>`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from wcrecall.config.audience import GuardSettings, RegionalSettings, ThrottleSettings
from wcrecall.config.magento import MagentoSettings
from wcrecall.config.owner import OwnerSettings
from wcrecall.i18n import _
from wcrecall.model.address import parse_mailbox
from wcrecall.model.durations import format_duration, parse_duration
from wcrecall.model.errors import ConfigError
from wcrecall.model.nameserver import parse_nameserver

APP = "wcrecall"
ENV_PREFIX = "WCRECALL_"
HIDDEN = "<hidden>"
SECRET_KEYS = frozenset({("store", "consumer_secret"), ("store", "access_token_secret"), ("mail", "password")})
PLATFORMS = ("woocommerce", "magento")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def default_state_path(config_path: Path | None) -> Path:
    """One state file per config file, so several stores run from one install never share state: named after the
    config and a short hash of its real path, so `shop.toml` in two folders gets two states, and every spelling of
    one config's path (relative, absolute, through a symlink) gets the same one."""
    if config_path is None:
        return Path(platformdirs.user_data_dir(APP)) / "config.state.json"
    real = config_path.resolve()
    tag = hashlib.sha256(str(real).encode("utf-8")).hexdigest()[:8]
    return Path(platformdirs.user_data_dir(APP)) / f"{real.stem}-{tag}.state.json"


def legacy_state_path(config_path: Path | None) -> Path | None:
    """Where versions before the path hash kept the default state (state/db.py moves it to the new place)."""
    return Path(platformdirs.user_data_dir(APP)) / f"{config_path.stem}.state.json" if config_path else None


def check_address(key: str, value: str, *, bare: bool = False) -> None:
    """ConfigError naming `key` unless `value` is an address by the product's one rule (model/address.py)."""
    try:
        parse_mailbox(value, bare=bare)
    except ValueError as exc:
        raise ConfigError(
            _("{key}: not a valid email address ({exc}; got {value!r})").format(key=key, exc=exc, value=value)
        ) from None


@dataclass(frozen=True, kw_only=True)
class StoreSettings:
    url: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    verify_tls: bool = True
    timeout: float = 30.0
    max_retry_time: float = 60.0  # seconds one request may spend on retries of transient faults (429, 5xx, ...)
    max_tick_time: float = 300.0  # seconds one run may spend talking to the store; then it stops and the next goes on
    ca_bundle: str = ""  # PEM file of a private CA to trust (relative: to the config file's folder)
    platform: str = "woocommerce"  # or "magento" (Magento 2 REST with an integration's OAuth credentials)
    access_token: str = ""  # Magento: the integration's access token
    access_token_secret: str = field(default="", repr=False)  # Magento: the integration's access token secret

    def check(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                _("store.url: expected the shop's address like https://shop.example.com, got {url!r}").format(
                    url=self.url
                )
            )
        if self.platform not in PLATFORMS:
            raise ConfigError(
                _("store.platform: expected woocommerce or magento, got {value!r}").format(value=self.platform)
            )
        if self.platform == "magento":
            self._check_magento()
        else:
            if not self.consumer_key.startswith("ck_"):
                raise ConfigError(_("store.consumer_key: expected a WooCommerce REST key starting with ck_"))
            if not self.consumer_secret.startswith("cs_"):
                raise ConfigError(_("store.consumer_secret: expected a WooCommerce REST secret starting with cs_"))
        if self.timeout <= 0:
            raise ConfigError(_("store.timeout: must be a positive number of seconds"))
        if self.max_tick_time <= 0:
            raise ConfigError(_("store.max_tick_time: must be a positive number of seconds"))

    def _check_magento(self) -> None:
        """A Magento integration gives four 32-character credentials (System > Extensions > Integrations)."""
        for key in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
            if not re.fullmatch(r"[A-Za-z0-9]{32}", getattr(self, key)):  # the value is not shown: two are secrets
                raise ConfigError(
                    _("store.{key}: expected the 32-character value the Magento integration shows").format(key=key)
                )


def resolve_ca_bundle(store: StoreSettings, base_dir: Path | None) -> StoreSettings:
    """`store.ca_bundle` as an absolute path (relative ones from the config file's folder), checked to be a readable
    PEM file with at least one CA certificate; ConfigError naming the setting otherwise."""
    if not store.ca_bundle:
        return store
    path = Path(store.ca_bundle).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        ssl.create_default_context(cafile=str(path))
    except FileNotFoundError:
        raise ConfigError(
            _("store.ca_bundle: {path} does not exist (give the private CA's PEM file)").format(path=path)
        ) from None
    except ssl.SSLError:
        raise ConfigError(
            _("store.ca_bundle: {path} holds no PEM certificate (give the private CA's PEM file)").format(path=path)
        ) from None
    except OSError as exc:
        raise ConfigError(
            _("store.ca_bundle: {path} cannot be read ({reason})").format(path=path, reason=exc.strerror or exc)
        ) from None
    return dataclasses.replace(store, ca_bundle=str(path))


@dataclass(frozen=True, kw_only=True)
class MailSettings:
    transport: str = "smtp"
    host: str = "localhost"
    port: int = 0  # 0: the usual port for `security` (465 ssl, 587 starttls, 25 none)
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    from_addr: str = ""  # the TOML key is `from`
    reply_to: str = ""  # defaults to brand.support_email
    outbox: str = "outbox"
    sendmail_path: str = "/usr/sbin/sendmail"
    timeout: float = 30.0
    dkim_selector: str = ""  # the provider's DKIM selector, for doctor's deliverability check; empty: try common ones
    nameserver: str = ""  # DNS server for doctor's deliverability check, e.g. 127.0.0.1:5353; empty: the system's

    def check(self) -> None:
        if self.transport not in ("smtp", "sendmail", "file"):
            raise ConfigError(
                _("mail.transport: expected smtp, sendmail or file, got {transport!r}").format(transport=self.transport)
            )
        if self.security not in ("ssl", "starttls", "none"):
            raise ConfigError(
                _("mail.security: expected ssl, starttls or none, got {security!r}").format(security=self.security)
            )
        if not self.from_addr:
            raise ConfigError(_('mail.from: set the sender address, e.g. from = "Shop <shop@example.com>"'))
        check_address("mail.from", self.from_addr)
        if self.reply_to:
            check_address("mail.reply_to", self.reply_to)
        if self.username and not self.password and self.transport == "smtp":
            raise ConfigError(
                _("mail.password: mail.username is set but the password is empty (or set WCRECALL_MAIL_PASSWORD)")
            )
        if self.dkim_selector and not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", self.dkim_selector):
            raise ConfigError(
                _("mail.dkim_selector: expected a selector like google or s1, got {value!r}").format(
                    value=self.dkim_selector
                )
            )
        parse_nameserver(self.nameserver)

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]


@dataclass(frozen=True, kw_only=True)
class BrandSettings:
    store_name: str
    support_email: str
    logo_url: str = ""
    accent_color: str = "#2f6fde"
    support_phone: str = ""
    support_url: str = ""

    def check(self) -> None:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", self.accent_color):
            raise ConfigError(
                _("brand.accent_color: expected a colour like #2f6fde, got {accent_color!r}").format(
                    accent_color=self.accent_color
                )
            )
        if not self.support_email.strip():
            raise ConfigError(_("brand.support_email: the buyer's customer-service address is required in every email"))
        check_address("brand.support_email", self.support_email, bare=True)
        for key, url in (("logo_url", self.logo_url), ("support_url", self.support_url)):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise ConfigError(_("brand.{key}: expected an http(s) address, got {url!r}").format(key=key, url=url))


MAX_HOLDOUT = 0.5  # recall.holdout: at most half the eligible orders go without reminders
DEFAULT_DELAYS = {"pending": ("30m", "24h", "72h"), "failed": ("1h", "24h", "72h")}


@dataclass(frozen=True, kw_only=True)
class RecallSettings:
    statuses: tuple[str, ...] = ("failed", "pending")
    lookback: timedelta = timedelta(days=3)
    overlap: timedelta = timedelta(minutes=10)  # re-read this much before the watermark: clock skew, slow commits
    delays: Mapping[str, tuple[timedelta, ...]] = field(
        default_factory=lambda: {s: tuple(parse_duration(d, "") for d in ds) for s, ds in DEFAULT_DELAYS.items()}
    )
    emails_dir: str = ""  # empty: the templates shipped with wcrecall
    holdout: float = 0.0  # share of eligible orders held out (no reminder) to measure uplift; 0: off
    strings_dir: str = ""  # a folder of <lang>.po files whose entries replace the emails' wording, sentence by sentence

    def check(self) -> None:
        if not 0.0 <= self.holdout <= MAX_HOLDOUT:
            raise ConfigError(
                _(
                    "recall.holdout: expected a share from 0 (off) to {most}, e.g. 0.1 for one order in ten; got {value}"
                ).format(most=MAX_HOLDOUT, value=self.holdout)
            )
        for status in self.statuses:
            if status not in ("failed", "pending"):
                raise ConfigError(
                    _("recall.statuses: only failed and pending orders can be paid, got {status!r}").format(
                        status=status
                    )
                )
            if status not in self.delays or not self.delays[status]:
                raise ConfigError(
                    _('recall.delays.{status}: give at least one step delay, e.g. ["1h", "24h"]').format(status=status)
                )
        for status, steps in self.delays.items():
            if list(steps) != sorted(steps):
                raise ConfigError(
                    _("recall.delays.{status}: step delays must increase, got {delays}").format(
                        status=status, delays=[format_duration(s) for s in steps]
                    )
                )


# Failure class -> reminder delays for failed orders (plan/classify/rules.py names the classes). A class left out uses the
# status schedule. Soon for what the buyer can fix at once, later when money must come in, one nudge for our own
# outage; `do_not_contact` is never mailed (routing.no_email).
DEFAULT_CLASS_DELAYS = {
    "customer_input": ("1h", "24h", "72h"),
    "authentication": ("1h", "24h", "72h"),
    "insufficient_funds": ("24h", "72h"),
    "expired_or_unsupported": ("1h", "24h", "72h"),
    "issuer_generic": ("1h", "24h", "72h"),
    "transient": ("1h",),
}


@dataclass(frozen=True, kw_only=True)
class RoutingSettings:
    delays: Mapping[str, tuple[timedelta, ...]] = field(
        default_factory=lambda: {c: tuple(parse_duration(d, "") for d in ds) for c, ds in DEFAULT_CLASS_DELAYS.items()}
    )
    no_email: tuple[str, ...] = ("do_not_contact",)
    # Tell the buyer which other payment methods the store offers, for these classes.
    suggest_methods: tuple[str, ...] = ("insufficient_funds", "expired_or_unsupported", "issuer_generic")

    def check(self) -> None:
        from wcrecall.plan.classify import FAILURE_CLASSES

        for name in (*self.delays, *self.no_email, *self.suggest_methods):
            if name not in FAILURE_CLASSES:
                raise ConfigError(
                    _("routing: unknown failure class {name!r} (known: {known})").format(
                        name=name, known=", ".join(FAILURE_CLASSES)
                    )
                )
        for name, steps in self.delays.items():
            if not steps or list(steps) != sorted(steps):
                raise ConfigError(
                    _('routing.delays.{name}: give increasing step delays, e.g. ["1h", "24h"]').format(name=name)
                )


@dataclass(frozen=True, kw_only=True)
class StateSettings:
    path: str = ""  # empty: one file per config in the user's data directory
    retention: timedelta = timedelta(days=90)  # ended recalls older than this are dropped from the state

    def check(self) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class Settings:
    store: StoreSettings
    mail: MailSettings
    brand: BrandSettings
    recall: RecallSettings = field(default_factory=RecallSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    regional: RegionalSettings = field(default_factory=RegionalSettings)
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    guard: GuardSettings = field(default_factory=GuardSettings)
    state: StateSettings = field(default_factory=StateSettings)
    magento: MagentoSettings = field(default_factory=MagentoSettings)
    owner: OwnerSettings = field(default_factory=OwnerSettings)
    config_path: Path | None = None

    @property
    def state_path(self) -> Path:
        """`state.path`, a relative one taken from the config file's folder (so cron and a manual run in another
        folder use one state); empty: the default place for this config file."""
        if not self.state.path:
            return default_state_path(self.config_path)
        path = Path(self.state.path).expanduser()
        if path.is_absolute():
            return path
        if self.config_path is None:
            raise ConfigError(_("state.path: a relative path needs a config file to be relative to; give a full path"))
        return self.config_path.resolve().parent / path

    @property
    def legacy_state_path(self) -> Path | None:
        """The default state's place before this version, for a default `state.path` only."""
        return None if self.state.path else legacy_state_path(self.config_path)

    @property
    def emails_path(self) -> Path | None:
        """The owner's template folder, relative paths taken from the config file's folder; None: shipped ones."""
        if not self.recall.emails_dir:
            return None
        path = Path(self.recall.emails_dir).expanduser()
        if not path.is_absolute() and self.config_path is not None:
            path = self.config_path.parent / path
        return path

    @property
    def strings_path(self) -> Path | None:
        """The owner's folder of wording overrides (`<lang>.po`), relative to the config file's folder; None: none."""
        if not self.recall.strings_dir:
            return None
        path = Path(self.recall.strings_dir).expanduser()
        return self.config_path.parent / path if not path.is_absolute() and self.config_path is not None else path

    @property
    def base_dir(self) -> Path | None:
        """Where relative paths in the config (outbox) are taken from."""
        return self.config_path.parent if self.config_path else None

    @property
    def reply_to(self) -> str:
        return self.mail.reply_to or self.brand.support_email

    def describe(self) -> list[tuple[str, str]]:
        """Every effective key and value, secrets as `<hidden>`: for `config show` and error reports."""
        rows: list[tuple[str, str]] = []
        for section_name in SECTIONS:
            section = getattr(self, section_name)
            for f in fields(section):
                key = TOML_NAMES.get(f.name, f.name)
                value = getattr(section, f.name)
                shown = HIDDEN if (section_name, f.name) in SECRET_KEYS and value else _show(value)
                rows.append((f"{section_name}.{key}", shown))
        return rows


def _show(value: Any) -> str:
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


SECTIONS: dict[str, type[Any]] = {
    "store": StoreSettings,
    "mail": MailSettings,
    "brand": BrandSettings,
    "recall": RecallSettings,
    "routing": RoutingSettings,
    "regional": RegionalSettings,
    "throttle": ThrottleSettings,
    "guard": GuardSettings,
    "state": StateSettings,
    "magento": MagentoSettings,
    "owner": OwnerSettings,
}
TOML_NAMES = {"from_addr": "from"}  # Python name -> TOML key, where the TOML key is a keyword
_PY_NAMES = {v: k for k, v in TOML_NAMES.items()}
