"""The command line in the owner's language (`owner.language`, `WCRECALL_OWNER_LANGUAGE`): --help with Typer's and
Click's own words, usage errors, and `-v` before or after the command."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
import typer.main
from e2e import NOW, cli, failed_order, write_config

from wcrecall import i18n
from wcrecall.cli.app import app
from wcrecall.sandbox import SandboxStore

ZH = {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.activate("en", UTC)


def help_texts() -> list[str]:
    found: list[str] = []

    def walk(command: typer.core.TyperGroup | typer.core.TyperCommand) -> None:
        found.extend(inspect.cleandoc(t) for t in (command.help, command.epilog) if t)
        found.extend(inspect.cleandoc(p.help) for p in command.params if getattr(p, "help", None))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    return found


def test_every_help_text_has_a_chinese_translation() -> None:
    texts = help_texts()
    assert len(texts) > 40  # every command and option is seen
    catalog = i18n.catalog("zh_Hans")
    assert [t for t in texts if t not in catalog] == []


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["suppress", "add", "--help"]])
def test_help_speaks_chinese_with_click_and_typers_own_words(args: list[str]) -> None:
    result = cli(args, config=None, now=NOW, env=ZH)
    assert result.exit_code == 0
    assert "用法：wcrecall" in result.stdout and "选项：" in result.stdout and "显示本帮助后退出。" in result.stdout
    for english in ("Usage:", "Options", "Show this message and exit.", "Say what happened"):
        assert english not in result.stdout


def test_help_stays_english_by_default() -> None:
    result = cli(["run", "--help"], config=None, now=NOW, env={"WCRECALL_OWNER_LANGUAGE": "en"})
    assert "Usage: wcrecall run" in result.stdout and "Show this message and exit." in result.stdout
    assert not HAN.search(result.stdout)


def test_a_usage_error_speaks_chinese() -> None:
    result = cli(["status", "--bogus"], config=None, now=NOW, env=ZH)
    assert result.exit_code == 2
    assert (
        "错误：没有这个选项：--bogus" in result.stderr and "运行 'wcrecall status --help' 查看帮助。" in result.stderr
    )
    assert "Error" not in result.stderr and "No such option" not in result.stderr
    close = cli(["status", "--ope"], config=None, now=NOW, env=ZH)  # Click offers the options it might mean
    assert "错误：没有这个选项：--ope（可用的选项：--open）" in close.stderr, close.stderr
    missing = cli(["forget"], config=None, now=NOW, env=ZH)
    assert missing.exit_code == 2 and "缺少参数" in missing.stderr


def test_the_config_key_chooses_the_language(tmp_path: Path, store: SandboxStore) -> None:
    config = write_config(tmp_path, store.url, extra='\n[owner]\nlanguage = "zh_Hans"\n')
    result = cli(["status"], config=config, now=NOW)
    assert result.exit_code == 0 and HAN.search(result.stdout), result.stdout
    english = cli(["status"], config=config, now=NOW, env={"WCRECALL_OWNER_LANGUAGE": "en"})
    assert not HAN.search(english.stdout)  # the environment wins for a run


def test_an_unknown_owner_language_is_a_config_error_naming_the_key(tmp_path: Path, store: SandboxStore) -> None:
    config = write_config(tmp_path, store.url, extra='\n[owner]\nlanguage = "klingon"\n')
    result = cli(["status"], config=config, now=NOW)
    assert result.exit_code == 2 and "owner.language" in result.stderr


@pytest.mark.parametrize("args", [["-v", "run"], ["run", "-v"], ["run", "--verbose"]])
def test_verbose_before_or_after_the_command(tmp_path: Path, store: SandboxStore, args: list[str]) -> None:
    order_id = failed_order(store, "ana@example.com")
    result = cli(args, config=write_config(tmp_path, store.url), now=NOW)
    assert result.exit_code == 0, result.stderr
    assert f"order {order_id}: sent reminder 1 of 3" in result.stdout
    assert "opened 1, sent 1" in result.stdout


def test_verbose_after_the_command_shows_a_traceback_for_an_unexpected_error(tmp_path: Path) -> None:
    broken = tmp_path / "shop.toml"
    broken.write_text("[store\n", encoding="utf-8")
    broken.chmod(0o600)
    quiet = cli(["status"], config=broken, now=NOW)
    loud = cli(["status", "-v"], config=broken, now=NOW)
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr
