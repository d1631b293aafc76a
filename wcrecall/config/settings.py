"""Settings: a TOML file, overridden by `WCRECALL_<SECTION>_<KEY>` environment variables.

Precedence is flag > environment > file > default. Every key is declared once, in the section dataclasses of
`config/sections.py` (re-exported here); an unknown key in the file or a missing required one is an error naming it.
Values are converted by their type hints (`typing.get_origin`/`get_args`). Secrets print as `<hidden>`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from wcrecall.config.audience import CountryRule, GuardSettings, RegionalSettings, ThrottleSettings
from wcrecall.config.magento import MagentoSettings
from wcrecall.config.sections import (
    APP,
    ENV_PREFIX,
    HIDDEN,
    SECRET_KEYS,
    SECTIONS,
    TOML_NAMES,
    BrandSettings,
    MailSettings,
    RecallSettings,
    RoutingSettings,
    Settings,
    StateSettings,
    StoreSettings,
    check_address,
    default_config_path,
    default_state_path,
    legacy_state_path,
    resolve_ca_bundle,
)
from wcrecall.i18n import _
from wcrecall.model.durations import format_duration, parse_duration
from wcrecall.model.errors import ConfigError

__all__ = [
    "APP",
    "ENV_PREFIX",
    "HIDDEN",
    "SECRET_KEYS",
    "SECTIONS",
    "BrandSettings",
    "CountryRule",
    "GuardSettings",
    "MagentoSettings",
    "MailSettings",
    "RecallSettings",
    "RegionalSettings",
    "RoutingSettings",
    "Settings",
    "StateSettings",
    "StoreSettings",
    "ThrottleSettings",
    "check_address",
    "default_config_path",
    "default_state_path",
    "format_duration",
    "legacy_state_path",
    "load_settings",
    "parse_duration",
    "resolve_ca_bundle",
    "resolve_config_path",
]


def _country_rule(key: str, value: Any) -> CountryRule:
    if not isinstance(value, Mapping):
        raise ConfigError(_("{key}: expected a table like {{ send = false }}").format(key=key))
    known = {f.name for f in fields(CountryRule)}
    for sub in value:
        if sub not in known:
            raise ConfigError(
                _("{key}.{sub}: unknown key (known keys: {known})").format(
                    key=key, sub=sub, known=", ".join(sorted(known))
                )
            )
    hints = get_type_hints(CountryRule)
    return CountryRule(
        **{k: _convert(key.split(".")[0], f"{key.split('.', 1)[1]}.{k}", hints[k], v) for k, v in value.items()}
    )


def _convert(section: str, name: str, hint: Any, value: Any, default: Any = None) -> Any:
    key = f"{section}.{TOML_NAMES.get(name, name)}"
    origin, args = get_origin(hint), get_args(hint)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ConfigError(_("{key}: expected true or false, got {value!r}").format(key=key, value=value))
    if hint is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(_("{key}: expected a whole number, got {value!r}").format(key=key, value=value)) from None
    if hint is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(_("{key}: expected a number, got {value!r}").format(key=key, value=value)) from None
    if hint is timedelta:
        return parse_duration(value, key)
    if origin is tuple and args == (str, ...):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(
                _('{key}: expected a list like ["failed", "pending"], got {value!r}').format(key=key, value=value)
            )
        return tuple(str(i).strip() for i in items if str(i).strip())
    if origin is Mapping and args == (str, tuple[timedelta, ...]):
        if not isinstance(value, Mapping):
            raise ConfigError(_('{key}: expected a table like {{ failed = ["1h", "24h"] }}').format(key=key))
        # An entry left out keeps its default schedule.
        out = dict(default or {})
        for sub, steps in value.items():
            steps = steps.split(",") if isinstance(steps, str) else steps
            if not isinstance(steps, list | tuple):
                raise ConfigError(
                    _('{key}.{sub}: expected a list of durations like ["1h", "24h"]').format(key=key, sub=sub)
                )
            out[str(sub)] = tuple(parse_duration(s, f"{key}.{sub}") for s in steps)
        return out
    if origin is Mapping and args == (str, int):
        if not isinstance(value, Mapping):
            raise ConfigError(_('{key}: expected a table like {{ "gmail.com" = 100 }}').format(key=key))
        return {str(k).lower(): _convert(section, f"{name}.{k}", int, v) for k, v in value.items()}
    if origin is Mapping and args == (str, CountryRule):
        if not isinstance(value, Mapping):
            raise ConfigError(_("{key}: expected tables like [countries.DE]").format(key=key))
        return {str(cc).upper(): _country_rule(f"{key}.{cc}", rule) for cc, rule in value.items()}
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        shown = f"a {type(value).__name__} ({HIDDEN})" if (section, name) in SECRET_KEYS else repr(value)
        raise ConfigError(_("{key}: expected text, got {shown}").format(key=key, shown=shown))
    return str(value)


def _section_values(section: str, cls: type[Any], data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    hints = get_type_hints(cls)
    known = {TOML_NAMES.get(f.name, f.name): f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            _("{section}.{key}: unknown key (known keys: {known})").format(
                section=section, key=unknown[0], known=", ".join(sorted(known))
            )
        )
    values: dict[str, Any] = {}
    for toml_name, f in known.items():
        env_name = f"{ENV_PREFIX}{section}_{toml_name}".upper()
        if env_name in env:
            raw: Any = env[env_name]
        elif toml_name in data:
            raw = data[toml_name]
        else:
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        values[f.name] = _convert(section, f.name, hints[f.name], raw, default)
    missing = [
        TOML_NAMES.get(f.name, f.name)
        for f in fields(cls)
        if f.name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        env_name = f"{ENV_PREFIX}{section}_{missing[0]}".upper()
        raise ConfigError(
            _("{section}.{key}: required key is missing (set it in the config file or {env_name})").format(
                section=section, key=missing[0], env_name=env_name
            )
        )
    return values


def resolve_config_path(path: str | Path | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if path:
        return Path(path).expanduser()
    if env.get("WCRECALL_CONFIG"):
        return Path(env["WCRECALL_CONFIG"]).expanduser()
    return default_config_path()


def load_settings(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if it exists) and the environment; validate; raise `ConfigError` naming the key."""
    env = os.environ if env is None else env
    config_path = resolve_config_path(path, env)
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(_("{name}: not valid TOML ({exc})").format(name=config_path.name, exc=exc)) from None
        except OSError as exc:
            raise ConfigError(
                _("{config_path}: cannot be read ({strerror})").format(config_path=config_path, strerror=exc.strerror)
            ) from None
    elif path or env.get("WCRECALL_CONFIG") or not any(k.startswith(ENV_PREFIX + "STORE_") for k in env):
        raise ConfigError(
            _("{config_path}: config file not found: run `wcrecall init` to create it, or pass --config").format(
                config_path=config_path
            )
        )
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            _("{section}: unknown section (known sections: {known})").format(
                section=unknown[0], known=", ".join(SECTIONS)
            )
        )
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(_("{name}: expected a [{name}] table").format(name=name))
        sections[name] = cls(**_section_values(name, cls, raw, env))
        sections[name].check()
    sections["store"] = resolve_ca_bundle(sections["store"], config_path.parent if config_path.exists() else None)
    return Settings(**sections, config_path=config_path if config_path.exists() else None)
