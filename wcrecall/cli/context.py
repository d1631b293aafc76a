"""What every command shares: the global options, the settings they name, and the clock."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

from wcrecall.cli.output import err
from wcrecall.config.settings import Settings, load_settings
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError


class Context:
    """The global options (`--config`, `-v`), and the secrets of the settings loaded so far (hidden in errors)."""

    def __init__(self, config: str | None, verbose: bool) -> None:
        self.config = config
        self.verbose = verbose
        self.secrets: list[str] = []  # of the settings loaded: hidden in an unexpected error's message

    def settings(self) -> Settings:
        settings = load_settings(self.config)
        warn_insecure(settings)
        self.remember_secrets(settings)
        return settings

    def remember_secrets(self, settings: Settings) -> None:
        self.secrets += secrets_of(settings)


def secrets_of(settings: Settings) -> list[str]:
    store = settings.store
    return [s for s in (store.consumer_secret, store.access_token_secret, settings.mail.password) if s]


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
                f"WCRECALL_NOW: expected an ISO time like 2026-11-26T10:00:00Z, got {override!r}"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
