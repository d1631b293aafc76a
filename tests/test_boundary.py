"""The one error boundary: every command, for one store or for `--all`, turns an error into the same `Error:` line
and exit code; secrets hidden, the traceback only with -v."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e import NOW, cli, write_config

from wcrecall.sandbox import DEFAULT_CONSUMER_SECRET


def test_an_unforeseen_error_in_a_store_of_all_is_the_same_line_as_for_one_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`status --all`: each store's unforeseen error is the single-store line under the config's name (the secret
    hidden, one line, the -v hint); -v adds each traceback, still without the secret; the exit code is 1."""
    write_config(tmp_path, "http://127.0.0.1:9", name="one.toml")
    write_config(tmp_path, "http://127.0.0.1:9", name="two.toml")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"state\nis odd ({DEFAULT_CONSUMER_SECRET})")

    monkeypatch.setattr("wcrecall.insight.status.collect", broken)
    single = cli(["status"], config=tmp_path / "one.toml", now=NOW)
    quiet = cli(["status", "--all"], config=tmp_path / "one.toml", now=NOW)
    loud = cli(["-v", "status", "--all"], config=tmp_path / "one.toml", now=NOW)

    assert single.exit_code == quiet.exit_code == loud.exit_code == 1
    assert quiet.stderr == f"one.toml: {single.stderr}two.toml: {single.stderr}"
    assert loud.stderr.count("Traceback") == 2 and loud.stderr.endswith(f"two.toml: {single.stderr}")
    assert DEFAULT_CONSUMER_SECRET not in quiet.stderr + loud.stderr


def test_a_tick_stopped_by_the_store_reports_what_it_did_then_one_error_line(tmp_path: Path) -> None:
    """A store that cannot be reached stops the tick: the error goes through the same boundary (one `Error:` line,
    the error's exit code), for one store and under the config's name for `--all`."""
    config = write_config(tmp_path, "http://127.0.0.1:9", name="one.toml", extra="")
    env = {"WCRECALL_STORE_MAX_RETRY_TIME": "0"}
    single = cli(["run"], config=config, now=NOW, env=env)
    every = cli(["run", "--all"], config=config, now=NOW, env=env)

    assert single.exit_code == every.exit_code == 1
    assert single.stderr.startswith("Error: ") and single.stderr.count("\n") == 1
    assert every.stderr == f"one.toml: {single.stderr}"
