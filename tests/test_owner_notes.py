"""The private order notes speak the owner's language, while what wcrecall reads back from them (the prefix, the
Message-ID, the tags) does not depend on it: notes written in Chinese rebuild a lost state in an English run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall import i18n
from wcrecall.model.records import RECOVERED, SENT, Recall, Step, finish
from wcrecall.recall.notes import end_note, restore, step_note
from wcrecall.sandbox import SandboxStore

HAN = re.compile(r"[\u4e00-\u9fff]")
ZH = {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.activate("en", UTC)


def a_recall() -> Recall:
    return Recall(id=7, number="7", kind="failed", status="failed", email_hash="h", email_masked="a***@example.com",
                  customer_id=0, country="DE", currency="EUR", total="10.00", created=(NOW - 9 * H).isoformat(),
                  opened=(NOW - 9 * H).isoformat(), planned=3, reason="insufficient_funds")  # fmt: skip


def test_notes_written_in_chinese_are_read_back_in_english() -> None:
    before = a_recall()
    before.steps.append(Step(1, SENT, (NOW - 8 * H).isoformat(), msgid="<s1@shop>"))
    finish(before, RECOVERED, "order processing", NOW - H, paid_at=NOW - H, note=True)
    i18n.activate("zh_Hans")
    texts = [step_note(before, before.steps[0]), end_note(before)]
    assert all(HAN.search(t) and t.startswith("wcrecall: ") for t in texts), texts
    assert "余额不足" in texts[0] and "a***@example.com" in texts[0]

    i18n.activate("en")
    after = a_recall()
    listed = [{"note": t, "author": "WooCommerce", "date_created_gmt": None} for t in reversed(texts)]
    restore(after, listed, NOW)
    assert [(s.n, s.state, s.msgid, s.noted) for s in after.steps] == [(1, SENT, "<s1@shop>", True)]
    assert after.outcome == RECOVERED


def test_a_chinese_run_notes_in_chinese_and_an_english_run_after_a_lost_state_does_not_mail_again(
    tmp_path: Path, store: SandboxStore
) -> None:
    order_id = failed_order(store, "ana@example.com")
    outbox = tmp_path / "outbox"
    config = write_config(tmp_path, store.url, outbox=outbox)
    first = cli(["run"], config=config, now=NOW, env=ZH)
    assert first.exit_code == 0, first.stderr
    notes = [str(n["note"]) for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall:")]
    assert len(notes) == 1 and HAN.search(notes[0]) and "[wcrecall step=1 state=sent]" in notes[0], notes
    assert "payment reminder" not in notes[0]
    mailed = len(list(outbox.iterdir()))

    (tmp_path / "shop.state.json").unlink()
    later = NOW + H
    store.set_now(later)
    again = cli(["run"], config=config, now=later, env={"WCRECALL_OWNER_LANGUAGE": "en"})
    assert again.exit_code == 0, again.stderr
    assert len(list(outbox.iterdir())) == mailed  # reminder 1 is known from the Chinese note: not sent twice
    status = json.loads(cli(["status", "--json"], config=config, now=later).stdout)
    assert [(r["order"], r["steps_sent"]) for r in status["recalls"]] == [(order_id, 1)]
