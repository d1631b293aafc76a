"""The randomized holdout (plan/holdout.py, recall/holdout.py): which orders get no reminder, chosen by a keyed hash
that is stable across ticks; recorded as held out with a note; their payments still count."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from test_planner import RULES, history, recall

from wcrecall.config.settings import load_settings
from wcrecall.model.errors import ConfigError
from wcrecall.model.records import HELD_OUT, OPEN, Step
from wcrecall.plan.holdout import chosen, draw, reason
from wcrecall.plan.planner import Rules, plan
from wcrecall.recall.holdout import holdout_key, key_path
from wcrecall.recall.notes import restore
from wcrecall.recall.rules import rules_for, rules_key
from wcrecall.sandbox import SandboxStore

KEY = bytes(range(32))


def holdout_config(tmp_path: Path, store: SandboxStore, *, smtp_port: int | None = None) -> tuple[Path, Rules]:
    """A config with recall.holdout = 0.5 and the fixed holdout key `KEY` beside its state, and the planner's rules
    that draw the same orders (to pick held-out and mailed orders whatever the store's port)."""
    config = write_config(tmp_path, store.url, smtp_port=smtp_port, extra="\n[recall]\nholdout = 0.5\n")
    settings = load_settings(config, env={})
    key_path(settings.state_path).parent.mkdir(parents=True, exist_ok=True)
    key_path(settings.state_path).write_text(KEY.hex() + "\n")
    return config, replace(RULES, holdout=0.5, holdout_store=store.url.split("//", 1)[1], holdout_key=KEY)


H = timedelta(hours=1)


def held_rules(share: float = 0.5, key: bytes = KEY) -> Rules:
    return replace(RULES, holdout=share, holdout_store="shop.example", holdout_key=key)


def ids(share: float, wanted: bool, count: int = 1) -> list[int]:
    rules = held_rules(share)
    return [i for i in range(1, 500) if chosen(rules, i) == wanted][:count]


@pytest.mark.parametrize("value", ["0.6", "-0.1", "nan", "1"])
def test_holdout_outside_zero_to_half_is_an_error_naming_the_setting(tmp_path: Path, value: str) -> None:
    config = write_config(tmp_path, "https://shop.example", extra=f"\n[recall]\nholdout = {value}\n")
    with pytest.raises(ConfigError, match=r"recall\.holdout"):
        load_settings(config, env={})


def test_holdout_is_off_by_default_and_takes_a_share(tmp_path: Path) -> None:
    assert load_settings(write_config(tmp_path, "https://shop.example"), env={}).recall.holdout == 0
    config = write_config(tmp_path, "https://shop.example", extra="\n[recall]\nholdout = 0.1\n")
    assert load_settings(config, env={}).recall.holdout == 0.1


def test_the_draw_is_stable_uniform_and_depends_on_key_store_and_order() -> None:
    draws = [draw(KEY, "shop.example", i) for i in range(4000)]
    assert draws == [draw(KEY, "shop.example", i) for i in range(4000)]  # the same on every tick
    assert all(0 <= d < 1 for d in draws)
    assert 0.08 < sum(d < 0.1 for d in draws) / len(draws) < 0.12
    assert 0.47 < sum(d < 0.5 for d in draws) / len(draws) < 0.53
    assert draws != [draw(bytes(32), "shop.example", i) for i in range(4000)]
    assert draws != [draw(KEY, "other.example", i) for i in range(4000)]


def test_a_chosen_order_is_held_out_when_its_first_reminder_is_due_and_not_before() -> None:
    (held,) = ids(0.5, True)
    (mailed,) = ids(0.5, False)
    rules = held_rules()
    due = plan(recall(id=held), history=history(), rules=rules, now=NOW)
    assert due.end is not None and due.end.outcome == HELD_OUT and not due.send_now
    assert due.end.reason == "held out (recall.holdout = 0.5): no reminder, to measure what reminders add"
    early = plan(recall(id=held, created=(NOW - 0.5 * H).isoformat()), history=history(), rules=rules, now=NOW)
    assert early.end is None and early.step == 1 and not early.send_now
    other = plan(recall(id=mailed), history=history(), rules=rules, now=NOW)
    assert other.end is None and other.send_now and other.step == 1
    off = plan(recall(id=held), history=history(), rules=RULES, now=NOW)
    assert off.end is None and off.send_now


def test_a_decided_order_does_not_move_when_the_share_changes() -> None:
    (held,) = ids(0.1, True)
    (reminded,) = ids(0.5, True, count=40)[-1:]  # chosen at 0.5 but not at 0.1: reminded while the share was 0.1
    assert not chosen(held_rules(0.1), reminded)
    ended = recall(id=held, outcome=HELD_OUT, end_reason="held out")
    for share in (0.0, 0.3, 0.5):
        again = plan(ended, history=history(), rules=held_rules(share), now=NOW)
        assert again.end is not None and again.end.outcome == HELD_OUT and not again.end.record
    sent = recall(24 * H, id=reminded, created=(NOW - 25 * H).isoformat())  # reminder 1 went out; reminder 2 due now
    second = plan(sent, history=history(), rules=held_rules(0.5), now=NOW)
    assert second.end is None and second.send_now and second.step == 2
    claimed = recall(
        id=held, steps=[Step(n=1, state="claimed", at=NOW.isoformat())], created=(NOW - 25 * H).isoformat()
    )
    assert plan(claimed, history=history(), rules=held_rules(0.5), now=NOW).end is None


def test_the_key_is_made_once_beside_the_state_private_and_never_in_the_rules_repr(tmp_path: Path) -> None:
    config = write_config(tmp_path, "https://shop.example", extra="\n[recall]\nholdout = 0.2\n")
    settings = load_settings(config, env={})
    rules = rules_for(settings)
    path = key_path(settings.state_path)
    assert path.parent == settings.state_path.parent
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert rules.holdout_key == holdout_key(settings.state_path) == bytes.fromhex(path.read_text().strip())
    assert rules_for(settings).holdout_key == rules.holdout_key  # created once
    assert path.read_text().strip() not in repr(rules) and rules.holdout_key.hex() not in repr(rules)
    assert rules_key(rules) == rules_key(replace(rules, holdout_key=b"x" * 32))
    assert rules.holdout == 0.2 and rules.holdout_store == "shop.example"
    path.write_text("broken\n")
    with pytest.raises(Exception, match="holdout key is damaged"):
        holdout_key(settings.state_path)


def test_run_holds_out_chosen_orders_with_a_note_and_counts_their_payment(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Through the CLI: a held-out order gets no email, a private note says why (no key), `status` shows it held out,
    `explain` says why, and its buyer's later payment is recorded for the uplift."""
    config, rules = holdout_config(tmp_path, store, smtp_port=smtp.port)
    orders: dict[int, str] = {}
    while len(orders) < 8 or len({chosen(rules, oid) for oid in orders}) < 2:  # both kinds, whatever the port
        orders[failed_order(store, f"buyer{len(orders)}@example.com")] = f"buyer{len(orders)}@example.com"
    held = {oid for oid in orders if chosen(rules, oid)}

    assert cli(["run"], config=config, now=NOW).exit_code == 0

    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(orders[o] for o in orders if o not in held)
    status = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)
    outcomes = {r["order"]: r["outcome"] for r in status["recalls"]}
    assert {o for o, outcome in outcomes.items() if outcome == HELD_OUT} == held
    assert all(outcomes[o] == OPEN for o in orders if o not in held)
    some = min(held)
    notes = [str(n["note"]) for n in store.notes(some) if str(n["note"]).startswith("wcrecall:")]
    assert notes == [
        "wcrecall: held out (recall.holdout = 0.5): no reminder, to measure what reminders add [wcrecall end=held_out]"
    ]
    assert all(n["customer_note"] is False for n in store.notes(some))
    assert KEY.hex() not in json.dumps(status) + "".join(notes)
    explained = cli(["explain", str(some)], config=config, now=NOW)
    assert "held out (recall.holdout = 0.5): no reminder, to measure what reminders add" in explained.stdout

    store.set_now(NOW + 5 * H)
    store.pay(some)
    assert cli(["run"], config=config, now=NOW + 5 * H).exit_code == 0
    rows = {
        r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=NOW + 5 * H).stdout)["recalls"]
    }
    assert rows[some]["outcome"] == HELD_OUT and rows[some]["paid_at"] is not None
    assert len(smtp.messages) == len(orders) - len(held)  # still no reminder for the held-out buyers
    assert [str(n["note"]) for n in store.notes(some) if str(n["note"]).startswith("wcrecall:")] == notes


def test_a_held_out_buyer_who_pays_a_newer_order_counts_as_paid(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    config, rules = holdout_config(tmp_path, store, smtp_port=smtp.port)
    for i in range(100):  # buyers until one whose order is held out
        email = f"kim{i}@example.com"
        oid = failed_order(store, email)
        if chosen(rules, oid):
            break
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.set_now(NOW + 2 * H)
    newer = store.create_order(status="processing", billing={"email": email}, date_created=NOW + 2 * H)
    assert cli(["run"], config=config, now=NOW + 2 * H).exit_code == 0
    rows = {
        r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=NOW + 2 * H).stdout)["recalls"]
    }
    assert rows[oid]["outcome"] == HELD_OUT
    assert rows[oid]["paid_order"] == int(newer["id"])


def test_explain_tells_before_the_first_reminder_that_the_order_will_be_held_out(
    tmp_path: Path, store: SandboxStore
) -> None:
    config, rules = holdout_config(tmp_path, store)
    ids: list[int] = []
    while len({chosen(rules, oid) for oid in ids}) < 2:  # reminder 1 due in 45 min; both kinds, whatever the port
        ids.append(failed_order(store, f"ivy{len(ids)}@example.com", hours_ago=0.25))
    held = next(oid for oid in ids if chosen(rules, oid))
    mailed = next(oid for oid in ids if not chosen(rules, oid))
    text = cli(["explain", str(held)], config=config, now=NOW).stdout
    assert "when reminder 1 is due: held out (recall.holdout = 0.5): no reminder" in text
    assert "held out" not in cli(["explain", str(mailed)], config=config, now=NOW).stdout


def test_a_dry_run_says_which_orders_it_would_hold_out_and_writes_nothing(tmp_path: Path, store: SandboxStore) -> None:
    config, rules = holdout_config(tmp_path, store)
    ids: list[int] = []
    while not any(chosen(rules, oid) for oid in ids):
        ids.append(failed_order(store, f"uma{len(ids)}@example.com"))
    held = next(oid for oid in ids if chosen(rules, oid))
    result = cli(["run", "--dry-run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert f"order {held}: recall ended: held out (held out (recall.holdout = 0.5)" in result.stdout
    assert not [n for oid in ids for n in store.notes(oid) if str(n["note"]).startswith("wcrecall:")]
    assert not load_settings(config, env={}).state_path.exists()


def test_a_lost_state_restores_a_held_out_order_from_its_note() -> None:
    restored = recall(id=7)
    note = {"note": f"wcrecall: {reason(0.1)} [wcrecall end=held_out]", "date_created_gmt": "2026-11-26T15:00:00"}
    restore(restored, [note], NOW)
    assert restored.outcome == HELD_OUT and restored.end_noted
