"""Issue 13's "done means" for the owner's terminal: with `WCRECALL_OWNER_LANGUAGE=zh_Hans`, `status`, `doctor`,
`explain` and a failing run (the store down; a config error) print no English sentence.

The scan removes what stays as it is in every language (URLs, addresses, paths, config keys, commands and options,
statuses and outcomes, tags, currency codes, product names), then fails on any English word left."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from english import english_words

from wcrecall import i18n
from wcrecall.sandbox import SandboxStore

ZH = {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.activate("en", UTC)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_scan_finds_english_sentences() -> None:
    assert english_words("错误：store.url 无效 (run wcrecall init)") == []
    assert english_words("订单 12: the store did not answer") == ["the", "did", "not", "answer"]


def test_status_doctor_and_explain_print_no_english_sentence(tmp_path: Path, store: SandboxStore) -> None:
    order_id = failed_order(store, "ana@example.com")
    waiting = failed_order(store, "ben@example.org", hours_ago=0.2)
    config = write_config(tmp_path, store.url)
    assert cli(["run"], config=config, now=NOW, env=ZH).exit_code == 0
    outputs = {
        "status": cli(["status"], config=config, now=NOW, env=ZH),
        "doctor": cli(["doctor"], config=config, now=NOW, env=ZH),
        "explain": cli(["explain", str(order_id)], config=config, now=NOW, env=ZH),
        "explain waiting": cli(["explain", str(waiting)], config=config, now=NOW, env=ZH),
        "run -v": cli(["run", "-v"], config=config, now=NOW, env=ZH),
    }
    for name, result in outputs.items():
        shown = (result.stdout + result.stderr).replace("\n      ", "")  # doctor's wrapped lines (a path cut in two)
        assert HAN.search(shown), (name, shown)
        assert english_words(shown) == [], (name, shown)


def test_a_failing_run_prints_no_english_sentence(tmp_path: Path) -> None:
    down = write_config(tmp_path, f"http://127.0.0.1:{closed_port()}", name="down.toml")
    unreachable = cli(["run"], config=down, now=NOW, env=ZH | {"WCRECALL_STORE_MAX_RETRY_TIME": "0.5"})
    broken = write_config(tmp_path, "http://127.0.0.1:9", name="broken.toml", extra="[recall]\ncolour = 1\n")
    misconfigured = cli(["run"], config=broken, now=NOW, env=ZH)
    assert unreachable.exit_code == 1 and misconfigured.exit_code == 2
    for result in (unreachable, misconfigured):
        shown = result.stdout + result.stderr
        assert HAN.search(shown), shown
        assert english_words(shown) == [], shown
