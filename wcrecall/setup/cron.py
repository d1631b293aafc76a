"""`wcrecall cron`: the crontab line to run wcrecall, how to add it in cPanel, and adding it to the crontab.

The line uses absolute paths (cron starts with a bare PATH in the home folder). Ten minutes between runs is lock-safe:
a tick normally takes seconds, and if one ever overlaps the next, the run lock makes the second exit 75 at once.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from wcrecall.i18n import _
from wcrecall.model.errors import WcrecallError

DEFAULT_INTERVAL = 10  # minutes
MARKER = "# wcrecall: payment reminders for failed WooCommerce orders"


def choose_interval(first_delays: Iterable[timedelta]) -> int:
    """Minutes between runs: 10, or 5 when a first reminder is due sooner than 20 minutes after the order."""
    shortest = min(first_delays, default=timedelta(hours=1))
    return 5 if shortest < timedelta(minutes=20) else DEFAULT_INTERVAL


def command(config: Path, *, all_stores: bool = False, python: str | None = None) -> str:
    """`<python> -m wcrecall --config <config> run [--all]`, every path absolute and shell-quoted."""
    exe = python or sys.executable
    parts = [str(Path(exe).absolute()), "-m", "wcrecall", "--config", str(config.expanduser().absolute()), "run"]
    if all_stores:
        parts.append("--all")
    return " ".join(shlex.quote(p) for p in parts)


def cron_line(
    config: Path, *, interval: int = DEFAULT_INTERVAL, all_stores: bool = False, python: str | None = None
) -> str:
    # cron ends the command at an unescaped `%` (the rest becomes its stdin): a `%` in a path must be written `\%`.
    escaped = command(config, all_stores=all_stores, python=python).replace("%", "\\%")
    return f"*/{interval} * * * * {escaped}"


def cron_line_for(config: Path, *, all_stores: bool = False) -> str:
    """The crontab line for `config` (or, with `all_stores`, every config in its folder), run as often as its
    earliest first reminder needs; a missing config is an error unless `all_stores`."""
    from wcrecall.config.settings import load_settings
    from wcrecall.model.errors import ConfigError

    if not all_stores and not config.exists():
        raise ConfigError(_("{config}: config file not found (create it with `wcrecall init`)").format(config=config))
    delays = [d[0] for d in load_settings(config).recall.delays.values() if d] if config.exists() else []
    return cron_line(config, interval=choose_interval(delays), all_stores=all_stores)


def cpanel_steps(line: str) -> list[str]:
    """How to add the line by hand in cPanel (shared hosting without shell access to crontab)."""
    schedule, cmd = " ".join(line.split()[:5]), line.split(None, 5)[5]
    return [
        _("In cPanel: Advanced > Cron Jobs."),
        "  " + _("1. Cron Email: your address (wcrecall is silent unless something needs you)."),
        "  "
        + _('2. Add New Cron Job, Common Settings: "Once Per Ten Minutes" ({schedule}), or type it in.').format(
            schedule=schedule
        ),
        "  " + _("3. Command: {command}").format(command=cmd),
        "  " + _("4. Add New Cron Job. Check after the next run with: wcrecall status"),
    ]


def install(line: str, *, crontab: str | None = None) -> bool:
    """Add `line` to the user's crontab unless the same command is already there; True if it was added."""
    binary = crontab or shutil.which("crontab")
    if not binary:
        raise WcrecallError(
            _("crontab is not installed here: add the line by hand (cPanel > Cron Jobs), as printed above")
        )
    listed = subprocess.run([binary, "-l"], capture_output=True, text=True, check=False)
    if listed.returncode != 0 and "no crontab" not in listed.stderr.lower():
        raise WcrecallError(_("crontab -l failed: {problem}").format(problem=listed.stderr.strip()[:200]))
    current = listed.stdout if listed.returncode == 0 else ""
    wanted = line.split(None, 5)[5]
    for existing in current.splitlines():
        if not existing.lstrip().startswith("#") and existing.split(None, 5)[5:] == [wanted]:
            return False
    new = current.rstrip("\n") + ("\n" if current.strip() else "") + f"{MARKER}\n{line}\n"
    written = subprocess.run([binary, "-"], input=new, capture_output=True, text=True, check=False)
    if written.returncode != 0:
        raise WcrecallError(_("crontab could not be written: {problem}").format(problem=written.stderr.strip()[:200]))
    return True
