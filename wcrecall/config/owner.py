"""The `[owner]` section: the language and time zone of everything the owner reads (terminal, doctor, status,
explain, the private order notes). Buyer emails have their own language rules (`regional`)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wcrecall.i18n import LANGUAGES, _, normalize
from wcrecall.model.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class OwnerSettings:
    language: str = ""  # en or zh_Hans; empty: WCRECALL_OWNER_LANGUAGE, else the system locale, else English
    timezone: str = ""  # e.g. Asia/Shanghai; empty: the store's own time zone (read from WordPress), else UTC

    def check(self) -> None:
        if self.language and normalize(self.language) not in LANGUAGES:
            raise ConfigError(
                _("owner.language: expected one of {choices}, got {value!r}").format(
                    choices=", ".join(LANGUAGES), value=self.language
                )
            )
        if self.timezone:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    _("owner.timezone: unknown time zone {value!r}, e.g. Asia/Shanghai").format(value=self.timezone)
                ) from None
