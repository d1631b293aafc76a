"""Several stores from one install: every `*.toml` in the config folder, each with its own state and lock.

`for_each_store` runs one piece of work per config, in name order; a store that fails is reported on stderr with
its config name and the others still run. The exit code is the worst one: 2 (config/auth) > 1 (problems) >
75 (a store was locked by another run) > 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from wcrecall.config.settings import Settings, load_settings
from wcrecall.model.errors import WcrecallError

_RANK = {0: 0, 75: 1, 1: 2, 2: 3}


def config_files(directory: Path) -> list[Path]:
    """The store configs in `directory`: every `*.toml` file, by name."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def worst_exit(codes: Iterable[int]) -> int:
    """The exit code that matters most for cron: 2, then 1, then 75, then 0 (unknown codes count as 1)."""
    return max(codes, key=lambda c: _RANK.get(c, 2), default=0)


def for_each_store(directory: Path, work: Callable[[Settings, str], int], err: Callable[[str], None]) -> int:
    """Run `work(settings, name)` for each config in `directory`; return the worst exit code."""
    paths = config_files(directory)
    if not paths:
        err(f"Error: no *.toml config in {directory} (create one with `wcrecall init`)")
        return 2
    codes = []
    for path in paths:
        try:
            codes.append(work(load_settings(path), path.name))
        except WcrecallError as exc:
            err(f"{path.name}: Error: {exc}")
            codes.append(exc.exit_code)
        except Exception as exc:  # noqa: BLE001  # one store's bug must not stop the others' reminders
            err(f"{path.name}: Error: unexpected {type(exc).__name__}: {exc}")
            codes.append(1)
    return worst_exit(codes)
