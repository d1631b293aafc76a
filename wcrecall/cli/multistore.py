"""Several stores from one install: every `*.toml` in the config folder, each with its own state and lock.

`for_each_store` runs one piece of work per config, in name order; a store that fails is reported on stderr with
its config name (through the one error boundary, `cli/boundary.py`) and the others still run. The exit code is the
worst one: 2 (config/auth) > 1 (problems) > 75 (a store was locked by another run) > 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import typer

from wcrecall.cli.boundary import PASS_THROUGH, fail
from wcrecall.cli.context import Context, now_utc, secrets_of, warn_insecure
from wcrecall.cli.output import err
from wcrecall.config.settings import Settings, load_settings, resolve_config_path
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError

_RANK = {0: 0, 75: 1, 1: 2, 2: 3}


def config_files(directory: Path) -> list[Path]:
    """The store configs in `directory`: every `*.toml` file, by name."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def worst_exit(codes: Iterable[int]) -> int:
    """The exit code that matters most for cron: 2, then 1, then 75, then 0 (unknown codes count as 1)."""
    return max(codes, key=lambda c: _RANK.get(c, 2), default=0)


def store_dir(obj: Context) -> Path:
    """The folder `--all` works on: the one holding the config (`--config`, WCRECALL_CONFIG or the default)."""
    return resolve_config_path(obj.config).parent


def for_each_store(obj: Context, work: Callable[[Settings, str], int]) -> int:
    """Run `work(settings, name)` for each config in the config's folder; return the worst exit code."""
    directory = store_dir(obj)
    paths = config_files(directory)
    if not paths:
        raise ConfigError(
            _("no *.toml config in {directory} (create one with `wcrecall init`)").format(directory=directory)
        )
    codes = []
    for path in paths:
        secrets: list[str] = []
        try:
            settings = load_settings(path)
            secrets = secrets_of(settings)
            codes.append(work(settings, path.name))
        except PASS_THROUGH:
            raise
        except Exception as exc:  # noqa: BLE001  # one store's trouble must not stop the others' reminders
            codes.append(fail(exc, secrets=secrets, verbose=obj.verbose, prefix=f"{path.name}: "))
    return worst_exit(codes)


def run_all_stores(obj: Context, *, dry_run: bool, baseline: bool) -> int:
    """`run --all`: one tick per store config, each with its own state and lock; the worst exit code."""
    from wcrecall.cli.commands.run import tick_and_show

    def one(settings: Settings, name: str) -> int:
        warn_insecure(settings)
        return tick_and_show(obj, settings, prefix=f"{name}: ", dry_run=dry_run, baseline=baseline)

    return for_each_store(obj, one)


def status_all_stores(obj: Context, flt: Any, *, as_json: bool) -> int:
    """`status --all`: each store's recalls under its config name."""
    from wcrecall.cli.commands.status import print_status
    from wcrecall.insight.status import status_of

    everything: dict[str, Any] = {}

    def one(settings: Settings, name: str) -> int:
        data = status_of(settings, now_utc(), flt, problem=lambda line: err(f"{name}: {line}"))
        if as_json:
            everything[name] = data
        else:
            typer.echo(f"== {name}")
            print_status(data)
        return 0

    code = for_each_store(obj, one)
    if as_json:
        typer.echo(json.dumps(everything, indent=2, ensure_ascii=False))
    return code
