"""`explain` says what `run` then does, and `preview` renders the email `run` then sends: both ask the planner.

The demo seed (about 20 orders: failed with each gateway's wording, pending checkout orders hold stock cancels, a
retried cart, a buyer who paid a newer order, an invalid address, paid, on-hold and cancelled orders) is walked tick
by tick with one clock; before each run, every order is explained and every reminder explain announces is previewed
as an .eml; after the run, the SMTP server and the state show what run did.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from e2e import NO_FUNDS, NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import load_settings
from wcrecall.model.order import PAID_STATUSES
from wcrecall.model.records import OPEN
from wcrecall.sandbox import SandboxStore, seed_demo
from wcrecall.state.db import State

VERDICT = re.compile(r"^  run now: (?:(sends) reminder (\d+) of \d+|(ends): ([a-z_]+) |(nothing))", re.M)
MSGID = re.compile(r"<wcrecall\.(\d+)\.(\d+)\.")


def outcomes(config: Path) -> dict[int, str]:
    state = State.of(load_settings(config, env={}), read_only=True).load()
    return {r.id: r.outcome for r in state.recalls.values()}


def verdict(stdout: str) -> tuple[str, int]:
    """("sends", n), ("ends:<outcome>", 0) or ("nothing", 0) from explain's `run now:` line."""
    match = VERDICT.search(stdout)
    assert match is not None, stdout
    if match[1]:
        return "sends", int(match[2])
    if match[3]:
        return f"ends:{match[4]}", 0
    return "nothing", 0


def parts(message: EmailMessage) -> list[tuple[str, str]]:
    """Headers but Date and Message-ID (and MIME boundaries), then each leaf part's type and decoded content."""
    skip = {"date", "message-id", "content-type"}
    items = [(k.lower(), str(v)) for k, v in message.items() if k.lower() not in skip]
    for part in message.walk():
        if not part.is_multipart():
            items.append((part.get_content_type(), str(part.get_content())))
    return items


def entangled_orders(store: SandboxStore, order_ids: tuple[int, ...]) -> set[int]:
    """Orders whose first tick depends on another order of the same sync, which `explain N` does not read: a newer
    paid order of the same buyer ends the recall, a retry of the same cart carries it."""
    orders = [store.get_order(i) for i in order_ids]
    found = set()
    for order in orders:
        for other in orders:
            same_buyer = other["billing"]["email"] == order["billing"]["email"] and other["id"] != order["id"]
            paid_later = other["status"] in PAID_STATUSES and other["date_created_gmt"] > order["date_created_gmt"]
            if same_buyer and (paid_later or other["cart_hash"] and other["cart_hash"] == order["cart_hash"]):
                found.add(order["id"])
    return found


def test_explain_agrees_with_run_and_preview_equals_the_sent_email_for_every_demo_order(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    seed = seed_demo(store, NOW)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    moments = [NOW + timedelta(minutes=10 * i) for i in range(4)]
    moments += [NOW + timedelta(hours=h) for h in range(2, 4 * 24 + 1, 6)]
    entangled = entangled_orders(store, seed.order_ids)
    assert set(seed.retry_group) | {seed.paid_later_same_email} <= entangled
    checked_sends: set[tuple[int, int]] = set()
    said: set[str] = set()
    for number, now in enumerate(moments):
        store.set_now(now)
        if number == 3:
            store.pay(seed.pays_after_first_email)
        before = outcomes(config)
        expected: dict[int, tuple[str, int]] = {}
        previews: dict[tuple[int, int], EmailMessage] = {}
        for order_id in seed.order_ids:
            if number == 0 and order_id in entangled:
                continue  # their fate depends on another order of the same sync: compared from the next tick on
            if number > 1 and before.get(order_id, "") != OPEN:
                continue  # not recalled, or ended: explained in the first ticks (and nothing changes it since)
            result = cli(["explain", str(order_id)], config=config, now=now)
            assert result.exit_code == 0, result.stderr
            expected[order_id] = verdict(result.stdout)
            said.add(expected[order_id][0])
            if expected[order_id][0] == "sends":
                eml = tmp_path / f"{order_id}.eml"
                step = expected[order_id][1]
                shown = cli(["preview", str(order_id), "--step", str(step), "--eml", str(eml)], config=config, now=now)
                assert shown.exit_code == 0, shown.stderr
                previews[(order_id, step)] = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)  # type: ignore[assignment]
        sent_before = len(smtp.messages)
        assert cli(["run"], config=config, now=now).exit_code in (0, 1)
        sent: dict[tuple[int, int], EmailMessage] = {}
        for received in smtp.messages[sent_before:]:
            match = MSGID.search(str(received.message["Message-ID"]))
            assert match is not None
            sent[(int(match[1]), int(match[2]))] = received.message
        after = outcomes(config)
        for order_id, (action, step) in expected.items():
            mailed = sorted(n for (oid, n) in sent if oid == order_id)
            where = f"order {order_id} at {now:%a %H:%M}"
            if action == "sends":
                assert mailed == [step], where
                assert parts(previews[(order_id, step)]) == parts(sent[(order_id, step)]), where
                checked_sends.add((order_id, step))
            elif action.startswith("ends:"):
                assert mailed == [], where
                assert before.get(order_id, OPEN) == OPEN and after.get(order_id) == action[5:], where
            else:
                assert mailed == [], where
                assert after.get(order_id, OPEN) == before.get(order_id, OPEN), where  # maybe opened, not ended
        assert {oid for oid, _ in sent} <= set(expected) | (entangled if number == 0 else set())
    assert said == {"sends", "nothing"} | {s for s in said if s.startswith("ends:")} and len(said) >= 4
    # every demo buyer who was mailed was previewed first, in the language and wording run used
    assert {oid for oid, _ in checked_sends} >= {seed.pays_after_first_email, seed.registered_customer}


def test_explain_says_a_suppressed_buyer_is_not_mailed(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A suppressed address: explain says no, and run does not mail."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["suppress", "add", "ana@example.com"], config=config, now=NOW).exit_code == 0
    result = cli(["explain", str(order_id)], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert "eligible: no: suppressed" in result.stdout
    assert verdict(result.stdout) == ("ends:not_contacted", 0)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert smtp.messages == []


def test_preview_renders_in_the_buyers_language_and_class(tmp_path: Path, store: SandboxStore) -> None:
    """A German buyer whose card had no funds: preview shows the German insufficient-funds email, as run sends it."""
    order_id = failed_order(store, "lukas@example.de", note=NO_FUNDS, billing={"country": "DE"}, currency="EUR")
    config = write_config(tmp_path, store.url)
    result = cli(["preview", str(order_id)], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    sent = cli(["run", "--dry-run"], config=config, now=NOW + timedelta(days=1, minutes=5))
    subject = re.search(r"would send reminder 1 of \d+ to \S+: '(.*)'", sent.stdout)
    assert subject is not None, sent.stdout
    assert result.stdout.startswith(f"Subject: {subject[1]}\n")


def test_preview_refuses_what_run_would_never_send(tmp_path: Path, store: SandboxStore) -> None:
    """A step past the class's schedule, and an order on hold: refused with the order and the reason, exit 2 (as
    other refusals)."""
    failed = failed_order(store, "ana@example.com")
    on_hold = store.create_order(status="on-hold", billing={"email": "ben@example.com"})["id"]
    config = write_config(tmp_path, store.url)
    beyond = cli(["preview", str(failed), "--step", "5"], config=config, now=NOW)
    assert beyond.exit_code == 2
    assert beyond.stderr.startswith(f"Error: preview: order {failed} has 3 reminders; run never sends reminder 5")
    held = cli(["preview", str(on_hold)], config=config, now=NOW)
    assert held.exit_code == 2
    assert held.stderr.startswith(
        f"Error: preview: run sends order {on_hold} no reminder: status on-hold is not recalled"
    )


def test_explain_of_a_retried_cart_counts_the_reminders_already_sent(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The buyer retries the same cart in a new order after reminder 1 of the first: the new order carries the
    recall, so explain (like run) sends no second reminder 1 and supersedes the first order."""
    first = failed_order(store, "ana@example.com", hours_ago=3, cart_hash="cart-1")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0 and len(smtp.messages) == 1
    later = NOW + timedelta(hours=1)
    store.set_now(later)
    second = failed_order(store, "ana@example.com", hours_ago=0.5, cart_hash="cart-1")
    result = cli(["explain", str(second)], config=config, now=later)
    assert verdict(result.stdout) == ("nothing", 0), result.stdout
    assert "reminder 1 (+1h): sent" in result.stdout
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert len(smtp.messages) == 1
    assert outcomes(config)[first] == "superseded" and outcomes(config)[second] == OPEN
