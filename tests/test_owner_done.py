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
from english import english_words, store_words

from wcrecall import i18n
from wcrecall.sandbox import SandboxStore

ZH = {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
HAN = re.compile(r"[\u4e00-\u9fff]")
GLUE = re.compile(
    r"[\u4e00-\u9fff）][,;] |[,;:] [\u4e00-\u9fff]| （|） [\u4e00-\u9fff]"
)  # ASCII separators joined to Chinese pieces


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
    # The buyer's local time beside the owner's, in the same format (to the minute, no seconds).
    assert re.search(r"（买家当地时间 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d）", outputs["explain waiting"].stdout), (
        outputs
    )
    for name, result in outputs.items():
        shown = (result.stdout + result.stderr).replace("\n      ", "")  # doctor's wrapped lines (a path cut in two)
        assert HAN.search(shown), (name, shown)
        assert english_words(shown) == [], (name, shown)
        assert not GLUE.search(shown), (name, GLUE.search(shown), shown)


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


def test_the_demo_in_chinese_narrates_in_chinese_and_shows_the_recovered_order(tmp_path: Path) -> None:
    shown = cli(["demo", "--days", "1", "--outbox", str(tmp_path / "outbox")], config=None, now=NOW, env=ZH)
    assert shown.exit_code == 0, shown.stderr
    # The buyer pays from the first reminder's link whatever the owner's language: the status summary counts it.
    assert re.search(r"[1-9]\d* 笔已挽回", shown.stdout), shown.stdout
    # The store's own text in the demo (its name, its products' payment titles) stays as the store wrote it.
    # The buyers' email languages are codes (en, de, pt_BR), as the config's regional settings name them.
    # The status table cuts long masked addresses (j***@example.com.|au) over two lines.
    allowed = store_words("Maple & Pine Goods") | {"de", "fr", "ja", "nl", "pt_br", "es", "it", "au", "br", "uk"}
    assert english_words(shown.stdout + shown.stderr, allowed) == [], shown.stdout


def test_suppress_and_forget_speak_chinese(tmp_path: Path, store: SandboxStore) -> None:
    config = write_config(tmp_path, store.url)
    outputs = [
        cli(["suppress", "add", "example.org"], config=config, now=NOW, env=ZH),
        cli(["suppress", "add", "jane@example.com"], config=config, now=NOW, env=ZH),
        cli(["suppress", "list"], config=config, now=NOW, env=ZH),
        cli(["suppress", "remove", "example.org"], config=config, now=NOW, env=ZH),
        cli(["suppress", "remove", "example.org"], config=config, now=NOW, env=ZH),  # no longer on the list
        cli(["suppress", "add", "@"], config=config, now=NOW, env=ZH),
        cli(["forget", "ben@example.org"], config=config, now=NOW, env=ZH),
        cli(["suppress", "list"], config=config, now=NOW, env=ZH),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 0, 2, 0, 0]
    for result in outputs:
        shown = result.stdout + result.stderr
        assert HAN.search(shown), shown
        assert english_words(shown) == [], shown


def _magento_config(tmp_path: Path, url: str, token_secret: str) -> Path:
    from wcrecall.sandbox.magento import FULL_INTEGRATION as KEY

    path = tmp_path / "magento.toml"
    path.write_text(
        f'[store]\nplatform = "magento"\nurl = "{url}"\nconsumer_key = "{KEY.consumer_key}"\n'
        f'consumer_secret = "{KEY.consumer_secret}"\naccess_token = "{KEY.access_token}"\n'
        f'access_token_secret = "{token_secret}"\ntimeout = 5\n\n'
        f'[mail]\ntransport = "file"\noutbox = "{(tmp_path / "outbox").as_posix()}"\n'
        'from = "Example Shop <shop@example.com>"\n\n[brand]\nstore_name = "Example Shop"\nsupport_email = "help@example.com"\n\n'
        f'[state]\npath = "{(tmp_path / "magento.state.json").as_posix()}"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def test_doctor_shows_a_refused_key_once_with_the_fix_apart_in_chinese(tmp_path: Path, store: SandboxStore) -> None:
    from wcrecall.sandbox.magento import MagentoSandbox

    woo_config = write_config(tmp_path, store.url, secret="cs_wrong")
    woo, woo_run = (cli([command], config=woo_config, now=NOW, env=ZH) for command in ("doctor", "run"))
    with MagentoSandbox(now=NOW) as magento:
        config = _magento_config(tmp_path, magento.url, "0" * 32)
        refused, refused_run = (cli([command], config=config, now=NOW, env=ZH) for command in ("doctor", "run"))
    for result in (woo_run, refused_run):  # run prints the whole message, worded as one Chinese sentence
        assert result.exit_code == 2 and "商店拒绝了" in result.stderr and "）: " not in result.stderr, result.stderr
    for result, problem, fix in (
        (woo, "商店拒绝了 API 密钥（401", "store.consumer_secret"),
        (refused, "商店拒绝了该集成（401）", "Magento_Sales::actions_view"),
    ):
        shown = " ".join(result.stdout.split())  # lines are wrapped to the terminal
        assert result.exit_code != 0 and problem in shown, shown
        assert shown.count(fix) == 1, shown  # the problem on its line, what to do on the fix line: never twice
        assert "解决方法：" in shown and "）: " not in shown, shown  # the Chinese colon, not one left for splitting


def test_a_held_out_order_reads_in_chinese_in_run_status_explain_and_preview(
    tmp_path: Path, store: SandboxStore
) -> None:
    from test_holdout import holdout_config

    from wcrecall.plan.holdout import chosen

    config, rules = holdout_config(tmp_path, store)
    ids: list[int] = []
    while len({chosen(rules, oid) for oid in ids}) < 2:  # one held out, one mailed, whatever the port
        ids.append(failed_order(store, f"ivy{len(ids)}@example.com"))
    held = next(oid for oid in ids if chosen(rules, oid))
    outputs = {
        "run -v": cli(["run", "-v"], config=config, now=NOW, env=ZH),
        "status": cli(["status"], config=config, now=NOW, env=ZH),
        "explain": cli(["explain", str(held)], config=config, now=NOW, env=ZH),
        "preview": cli(["preview", str(held)], config=config, now=NOW, env=ZH),
    }
    assert outputs["preview"].exit_code == 2, {k: v.stdout + v.stderr for k, v in outputs.items() if k != "preview"}
    assert "对照组（不发提醒）" in outputs["status"].stdout
    cut = {"holdout"[i:] for i in range(1, 6)}  # the status table cuts the key recall.holdout over two lines
    for name, result in outputs.items():
        shown = result.stdout + result.stderr
        assert HAN.search(shown), (name, shown)
        assert english_words(shown, cut) == [], (name, shown)
        assert not GLUE.search(shown), (name, GLUE.search(shown), shown)


def test_the_magento_doctor_names_its_checks_in_chinese(tmp_path: Path) -> None:
    from wcrecall.sandbox.magento import FULL_INTEGRATION, MagentoSandbox

    with MagentoSandbox(now=NOW) as magento:
        result = cli(
            ["doctor"], config=_magento_config(tmp_path, magento.url, FULL_INTEGRATION.token_secret), now=NOW, env=ZH
        )
    shown = result.stdout
    for title in ("写入订单备注：", "待付款订单有效期：", "付款链接："):
        assert title in shown, shown
    for english in ("write comments", "pending lifetime", "pay link:", "Magento REST:"):
        assert english not in shown, shown
