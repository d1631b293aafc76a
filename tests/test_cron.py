"""`wcrecall cron`: the crontab line, the cPanel steps, and an idempotent --install."""

from __future__ import annotations

import os
import shlex
from datetime import timedelta
from pathlib import Path

from e2e import NOW, cli, write_config

from wcrecall.setup.cron import choose_interval, cron_line, install


def fake_crontab(tmp_path: Path) -> Path:
    """A `crontab` stand-in keeping the table in a file beside it (-l lists, - replaces)."""
    script = tmp_path / "bin" / "crontab"
    script.parent.mkdir()
    table = tmp_path / "crontab.txt"
    script.write_text(
        "#!/bin/sh\n"
        f'T="{table}"\n'
        'if [ "$1" = "-l" ]; then [ -f "$T" ] || { echo "no crontab for user" >&2; exit 1; }; cat "$T"; exit 0; fi\n'
        'if [ "$1" = "-" ]; then cat > "$T"; exit 0; fi\n'
        "exit 2\n"
    )
    script.chmod(0o755)
    return script


def test_line_uses_absolute_paths_and_runs_every_10_minutes(tmp_path: Path) -> None:
    """Interpreter and config are absolute, so cron's bare environment finds them."""
    line = cron_line(Path("shop.toml"), python="venv/bin/python")
    fields = shlex.split(line)
    assert fields[:5] == ["*/10", "*", "*", "*", "*"]
    assert Path(fields[5]).is_absolute() and fields[6:9] == ["-m", "wcrecall", "--config"]
    assert Path(fields[9]).is_absolute() and fields[10:] == ["run"]


def test_interval_shortens_for_a_quick_first_reminder() -> None:
    """A first reminder due within 20 minutes gets a 5-minute interval; otherwise 10."""
    assert choose_interval([timedelta(minutes=30), timedelta(hours=1)]) == 10
    assert choose_interval([timedelta(minutes=15)]) == 5


def test_install_adds_the_line_once_and_keeps_other_jobs(tmp_path: Path) -> None:
    """Installing twice leaves one wcrecall line; an existing job stays."""
    crontab = fake_crontab(tmp_path)
    line = cron_line(tmp_path / "shop.toml")
    assert install(line, crontab=str(crontab)) is True
    table = tmp_path / "crontab.txt"
    table.write_text("0 3 * * * backup.sh\n" + table.read_text())
    assert install(line, crontab=str(crontab)) is False
    text = table.read_text()
    assert text.count(line) == 1 and text.startswith("0 3 * * * backup.sh\n")


def test_cron_command_prints_the_line_and_cpanel_steps(tmp_path: Path) -> None:
    """The command prints the line for the chosen config and how to add it in cPanel; --install uses crontab."""
    config = write_config(tmp_path, "http://127.0.0.1:9")
    fake_crontab(tmp_path)
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = cli(["cron", "--install"], config=config, now=NOW, env=env)
    assert result.exit_code == 0, result.stderr
    assert f"--config {config} run" in result.stdout and "cPanel: Advanced > Cron Jobs" in result.stdout
    assert "Added to your crontab." in result.stdout
    again = cli(["cron", "--install"], config=config, now=NOW, env=env)
    assert "Already in your crontab" in again.stdout


def test_cron_without_a_config_says_to_run_init(tmp_path: Path) -> None:
    """No config yet: exit 2 and point at init."""
    result = cli(["cron"], config=tmp_path / "missing.toml", now=NOW)
    assert result.exit_code == 2 and "wcrecall init" in result.stderr


def _as_cron_runs_it(command_field: str) -> str:
    """What cron hands to the shell: an unescaped `%` ends the command (the rest is stdin), `\\%` becomes `%`."""
    out = []
    i = 0
    while i < len(command_field):
        if command_field.startswith("\\%", i):
            out.append("%")
            i += 2
        elif command_field[i] == "%":
            break
        else:
            out.append(command_field[i])
            i += 1
    return "".join(out)


def test_percent_in_the_config_path_survives_cron(tmp_path: Path) -> None:
    """`%` is special in a crontab line: the command cron runs still names the whole config path."""
    config = tmp_path / "50%off" / "shop%d.toml"
    line = cron_line(config, python="venv/bin/python")
    command_field = line.split(None, 5)[5]
    fields = shlex.split(_as_cron_runs_it(command_field))
    assert fields[fields.index("--config") + 1] == str(config) and fields[-1] == "run"
