"""`wcrecall init`: from "installed" to a tested config file in a few answers.

Validation is a set of pure functions (`validate_*`, returning an error message or ""); `ask` is the interactive
layer on top of them; `write_config` tests the store connection and the mail login with the new settings before the
file is put in place (permissions 600), and never replaces an existing config unless told to.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wcrecall.config.settings import HIDDEN, Settings, load_settings
from wcrecall.i18n import _
from wcrecall.model.address import parse_mailbox
from wcrecall.model.errors import ConfigError, StateError
from wcrecall.setup.doctor import OK, check_state_folder

TRANSPORTS = ("smtp", "sendmail", "file")
SECURITIES = ("starttls", "ssl", "none")


@dataclass(frozen=True, kw_only=True)
class Answers:
    """What `init` asks for; empty strings are not answered yet."""

    url: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    transport: str = ""
    smtp_host: str = ""
    smtp_port: str = ""
    smtp_security: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    outbox: str = ""
    from_addr: str = ""
    support_email: str = ""
    store_name: str = ""
    ca_bundle: str = ""  # a private CA's PEM file; a flag only, never asked


# -- pure validation ----------------------------------------------------------------------------------------------


def validate_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("expected the shop's address, like https://shop.example.com")
    if "/wp-json" in parts.path or "/wp-admin" in parts.path:
        return _("give the shop's home address, without /wp-json or /wp-admin")
    return ""


def validate_key(value: str) -> str:
    return (
        ""
        if re.fullmatch(r"ck_[0-9a-f]{20,64}", value.strip())
        else _("expected a consumer key like ck_1a2b... (40 letters after ck_)")
    )


def validate_secret(value: str) -> str:
    return (
        ""
        if re.fullmatch(r"cs_[0-9a-f]{20,64}", value.strip())
        else _("expected a consumer secret like cs_1a2b... (40 letters after cs_)")
    )


def validate_choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        return "" if value.strip() in choices else _("expected one of: {choices}").format(choices=", ".join(choices))

    return check


def validate_port(value: str) -> str:
    return "" if value.strip().isdigit() and 0 < int(value) < 65536 else _("expected a port number like 587")


def validate_email(value: str) -> str:
    """The product's one address rule (model/address.py), as the config is checked at load."""
    try:
        parse_mailbox(value, bare=True)
    except ValueError:
        return _("expected an email address like help@example.com")
    return ""


def validate_sender(value: str) -> str:
    try:
        parse_mailbox(value)
    except ValueError:
        return _('expected an address like "Shop <shop@example.com>"')
    return "" if "\n" not in value else _('expected an address like "Shop <shop@example.com>"')


def validate_name(value: str) -> str:
    return "" if value.strip() and "\n" not in value else _("expected a name (the one buyers know the shop by)")


def _any(value: str) -> str:
    return ""


# (field, question, validator, secret): asked in this order; `applies` decides per transport.
QUESTIONS: tuple[tuple[str, str, Callable[[str], str], bool], ...] = (
    ("url", "Store address", validate_url, False),
    ("consumer_key", "REST API consumer key (WooCommerce > Settings > Advanced > REST API)", validate_key, False),
    ("consumer_secret", "REST API consumer secret", validate_secret, True),
    ("transport", "Mail transport (smtp, sendmail, file)", validate_choice(TRANSPORTS), False),
    ("smtp_host", "SMTP server", validate_name, False),
    ("smtp_security", "SMTP security (starttls, ssl, none)", validate_choice(SECURITIES), False),
    ("smtp_port", "SMTP port", validate_port, False),
    ("smtp_username", "SMTP user name (empty: no login)", _any, False),
    ("smtp_password", "SMTP password", validate_name, True),
    ("outbox", "Folder for the emails (file transport)", validate_name, False),
    ("from_addr", "Sender, like Shop <shop@example.com>", validate_sender, False),
    ("support_email", "Customer-service address shown in every email", validate_email, False),
    ("store_name", "Shop name shown to buyers", validate_name, False),
)
FLAGS = {
    "url": "--url", "consumer_key": "--key", "consumer_secret": "--secret", "transport": "--transport",
    "smtp_host": "--smtp-host", "smtp_security": "--smtp-security", "smtp_port": "--smtp-port",
    "smtp_username": "--smtp-user", "smtp_password": "--smtp-password", "outbox": "--outbox",
    "from_addr": "--from", "support_email": "--support-email", "store_name": "--store-name",
}  # fmt: skip


def applies(name: str, answers: Answers) -> bool:
    """Whether a question is asked, given the answers so far."""
    if name.startswith("smtp_"):
        if answers.transport != "smtp":
            return False
        return name != "smtp_password" or bool(answers.smtp_username)
    if name == "outbox":
        return answers.transport == "file"
    return True


def default_for(name: str, answers: Answers) -> str:
    """The suggested answer, derived from the earlier ones."""
    if name == "transport":
        return "smtp"
    if name == "smtp_host":
        return "localhost"
    if name == "smtp_security":
        return "starttls"
    if name == "smtp_port":
        return {"ssl": "465", "starttls": "587", "none": "25"}.get(answers.smtp_security, "587")
    if name == "outbox":
        return "outbox"
    host = urlsplit(answers.url).hostname or ""
    if name == "from_addr" and host:
        return f"{_shop_name(host)} <shop@{host.removeprefix('www.')}>"
    if name == "support_email":
        try:
            return parse_mailbox(answers.from_addr).addr_spec
        except ValueError:
            return ""
    if name == "store_name":
        return display_name(answers.from_addr)
    return ""


def display_name(sender: str) -> str:
    """The display name of a sender ("Cosy Shop" of "Cosy Shop <shop@cosy.example>"); "" when it has none."""
    try:
        return parse_mailbox(sender).display_name.strip()
    except ValueError:
        return ""


def _shop_name(host: str) -> str:
    return host.removeprefix("www.").split(".")[0].replace("-", " ").title()


def missing(answers: Answers) -> list[str]:
    """The questions still unanswered and without a default, as flags (for a scripted install)."""
    return [
        FLAGS[n]
        for n, *_rest in QUESTIONS
        if applies(n, answers) and not getattr(answers, n) and not default_for(n, answers)
    ]


def complete(answers: Answers) -> Answers:
    """Fill every applicable unanswered question with its default and check every answer; ConfigError names the flag.

    The shop name is never guessed: it is the one given, or the display name of the sender given."""
    given_sender = answers.from_addr
    for name, _q, validate, _secret in QUESTIONS:
        if not applies(name, answers):
            continue
        value = getattr(answers, name) or (
            display_name(given_sender) if name == "store_name" else default_for(name, answers)
        )
        if not value and name == "smtp_username":
            continue
        if not value and name == "store_name":
            raise ConfigError(
                _("--store-name: required: the name buyers know the shop by (or give --from with a display name, "
                  'like "Cosy Shop <shop@example.com>")')
            )  # fmt: skip
        problem = validate(value) if value else _("required")
        if problem:
            raise ConfigError(_("{flag}: {problem}").format(flag=FLAGS[name], problem=problem))
        answers = replace(answers, **{name: value.strip() if name != "smtp_password" else value})
    return answers


def ask(
    answers: Answers, prompt: Callable[..., Any], echo: Callable[[str], None], *, earlier: Answers | None = None
) -> Answers:
    """Ask each applicable question not answered yet; repeat a question until its answer is valid. An `earlier`
    answer (of a part asked again) is offered as the default, secrets aside."""
    for name, question, validate, secret in QUESTIONS:
        if not applies(name, answers) or getattr(answers, name):
            continue
        default = (getattr(earlier, name) if earlier and not secret else "") or default_for(name, answers)
        while True:
            optional = name == "smtp_username"
            value = str(
                prompt(
                    _(question),
                    default=default or ("" if optional else None),
                    hide_input=secret,
                    show_default=not secret,
                )  # fmt: skip
            )
            problem = validate(value) if value or not optional else ""
            if not problem:
                break
            echo(f"  {problem}")
        answers = replace(answers, **{name: value.strip() if not secret else value})
    return answers


STORE_PART = ("url", "consumer_key", "consumer_secret")
MAIL_PART = ("transport", "smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "outbox")


def forget(answers: Answers, part: tuple[str, ...]) -> Answers:
    """`answers` without those of `part` (to ask that part again after its check failed)."""
    return replace(answers, **dict.fromkeys(part, ""))


# -- the file -------------------------------------------------------------------------------------------------------


def _q(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def render_toml(a: Answers) -> str:
    """The config file for complete answers."""
    mail = [f"transport = {_q(a.transport)}"]
    if a.transport == "smtp":
        mail += [f"host = {_q(a.smtp_host)}", f"port = {int(a.smtp_port)}", f"security = {_q(a.smtp_security)}"]
        if a.smtp_username:
            mail += [f"username = {_q(a.smtp_username)}", f"password = {_q(a.smtp_password)}"]
    elif a.transport == "file":
        mail.append(f"outbox = {_q(a.outbox)}")
    mail.append(f"from = {_q(a.from_addr)}")
    ca_bundle = f"ca_bundle = {_q(str(Path(a.ca_bundle).expanduser().absolute()))}\n" if a.ca_bundle else ""
    return (
        "# wcrecall config, written by `wcrecall init`. Keep it private (chmod 600): it holds the API secret.\n\n"
        f"[store]\nurl = {_q(a.url.rstrip('/'))}\nconsumer_key = {_q(a.consumer_key)}\n"
        f"consumer_secret = {_q(a.consumer_secret)}\n{ca_bundle}\n"
        "[mail]\n" + "\n".join(mail) + "\n\n"
        f"[brand]\nstore_name = {_q(a.store_name)}\nsupport_email = {_q(a.support_email)}\n"
    )


def summary(settings: Settings) -> list[str]:
    """The written settings as `key = value` lines, secrets as <hidden>."""
    shown = ("store.url", "store.consumer_key", "store.consumer_secret", "store.ca_bundle", "mail.transport",
             "mail.host", "mail.port", "mail.security", "mail.username", "mail.password", "mail.outbox", "mail.from",
             "brand.store_name", "brand.support_email")  # fmt: skip
    rows = dict(settings.describe())
    out = []
    for key in shown:
        value = rows.get(key, "")
        if key in ("store.consumer_secret", "mail.password") and value:
            value = HIDDEN
        if value:
            out.append(f"  {key} = {value}")
    return out


def write_config(
    answers: Answers,
    path: Path,
    *,
    force: bool = False,
    check: bool = True,
    store_factory: Callable[..., Any] | None = None,
) -> Settings:
    """Validate, test the store connection and the mail login, then write `path` (mode 600); return the settings."""
    if path.exists() and not force:
        raise ConfigError(
            _("{path} already exists; pass --force to replace it (or --config to write another file)").format(path=path)
        )
    answers = complete(answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".toml.tmp", dir=path.parent)  # mode 600
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render_toml(answers))
        settings = load_settings(tmp, env={})
        writable = check_state_folder(settings)
        if writable.level != OK:
            raise StateError(f"{writable.message}: {writable.fix}")
        if check:
            test_connections(settings, store_factory=store_factory)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    path.chmod(0o600)
    return load_settings(path, env={})


def test_connections(settings: Settings, *, store_factory: Callable[..., Any] | None = None) -> None:
    """Read one order with the key, check it may write notes (writing nothing), and log in to the mail server;
    raise the error that says what to fix."""
    from wcrecall.mail.transport import open_transport
    from wcrecall.store.client import Store

    store = (store_factory or Store)(settings.store, max_attempts=2, max_retry_time=10.0)
    with store.session():
        store.orders_page({"status": "any", "per_page": 1, "_fields": "id"}, 1)
        store.check_write()
    open_transport(settings.mail, base_dir=settings.base_dir).check()


def answers_from(values: dict[str, Any]) -> Answers:
    """Answers from option values (None: not given)."""
    known = {f.name for f in fields(Answers)}
    return Answers(**{k: str(v) for k, v in values.items() if k in known and v is not None and v != ""})


def next_steps(path: Path) -> str:
    """What to do after `init` wrote the config at `path`: check, try, schedule."""
    from wcrecall.setup.cron import cron_line

    prefix = f"wcrecall --config {path}"
    return _(
        "\nNext steps:\n  1. Check everything:          {prefix} doctor\n  2. See what would be sent:    {prefix} run --dry-run\n  3. Run it every 10 minutes:   {prefix} cron --install\n     (or add this crontab line: {cron_line})"
    ).format(prefix=prefix, cron_line=cron_line(path))
