"""What every command shares: the global options, the settings they name, and the clock."""

from __future__ import annotations

import logging
import os
import stat
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from wcrecall.cli.output import err
from wcrecall.config.settings import Settings, load_settings
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError

# `-v` before the command (`wcrecall -v run`) or after it (`wcrecall run -v`): one option, declared by the app's
# callback and by every command; `cli/boundary.guarded` merges the two.
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Say what happened to each order.")]


class Context:
    """The global options (`--config`, `-v`), and the secrets of the settings loaded so far (hidden in errors)."""

    def __init__(self, config: str | None, verbose: bool) -> None:
        self.config = config
        self.verbose = verbose
        self.secrets: list[str] = []  # of the settings loaded: hidden in an unexpected error's message

    def be_verbose(self, verbose: bool) -> None:
        """Turn on -v (given before or after the command); logs at INFO on stderr then, WARNING otherwise."""
        self.verbose = self.verbose or verbose
        logging.basicConfig(format="%(message)s", stream=sys.stderr)
        logging.getLogger().setLevel(logging.INFO if self.verbose else logging.WARNING)
        # requests/urllib3 would log full URLs (OAuth signatures) at debug level; keep them quiet at any verbosity.
        for noisy in ("urllib3", "requests"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    def settings(self, *, read_store_zone: bool = False) -> Settings:
        """The settings of `--config`; the owner's language and time zone from them (with `read_store_zone`, the
        store's own time zone is read first when it is not known or a day old: for commands that talk to it)."""
        settings = load_settings(self.config)
        speak_as_configured(settings, read_store_zone=read_store_zone)
        warn_insecure(settings)
        self.remember_secrets(settings)
        return settings

    def remember_store_zone(self, settings: Settings) -> None:
        """Read and keep the store's time zone now (`init`, once the store answered), for the owner's times."""
        from wcrecall.model.errors import WcrecallError
        from wcrecall.recall.ownerzone import refresh_store_zone

        try:
            refresh_store_zone(settings, force=True)
        except (WcrecallError, OSError):
            pass  # doctor says so
        speak_as_configured(settings)

    def remember_secrets(self, settings: Settings) -> None:
        self.secrets += secrets_of(settings)


def secrets_of(settings: Settings) -> list[str]:
    store = settings.store
    return [s for s in (store.consumer_secret, store.access_token_secret, settings.mail.password) if s]


def speak_as_configured(settings: Settings, *, read_store_zone: bool = False) -> None:
    """The owner's language (`owner.language`; `WCRECALL_OWNER_LANGUAGE` wins) and time zone (`owner.timezone`,
    else the store's as kept; with `read_store_zone` and none kept, as the store says now, writing nothing), from
    now on. A store that does not say its zone is no error here: doctor reports it."""
    from wcrecall.i18n import activate
    from wcrecall.model.errors import WcrecallError
    from wcrecall.recall.ownerzone import owner_zone, parse_zone, store_zone_now

    zone, known = owner_zone(settings)
    if read_store_zone and not known:
        try:
            zone = parse_zone(store_zone_now(settings)) or zone
        except WcrecallError:
            pass
    activate(settings.owner.language or None, zone)


def warn_insecure(settings: Settings) -> None:
    """Warnings that must show on every run until fixed (they never stop the run)."""
    if not settings.store.verify_tls:
        err(_("Warning: store.verify_tls is false: the store's TLS certificate is not checked"))
    path = settings.config_path
    if path is not None and path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        err(_("Warning: {name} can be read by other users; run: chmod 600 {path}").format(name=path.name, path=path))


def now_utc() -> datetime:
    """The current time; `WCRECALL_NOW` (ISO 8601) pretends another time, for the demo and tests."""
    override = os.environ.get("WCRECALL_NOW")
    if override:
        try:
            moment = datetime.fromisoformat(override)
        except ValueError:
            raise ConfigError(
                _("WCRECALL_NOW: expected an ISO time like 2026-11-26T10:00:00Z, got {override!r}").format(
                    override=override
                )
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
