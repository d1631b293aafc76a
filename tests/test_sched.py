"""When reminders may go out and what the owner is told about them: quiet hours at the moment of sending, hold stock,
what counts as recovered, and one bad order never stopping the others. End to end through the CLI."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore
from wcrecall.sandbox.wire import Request, Response
from wcrecall.state.db import State


def test_an_overdue_step_waits_while_it_is_night_for_the_buyer(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A first run at 00:50 in Mexico City finds reminder 1 overdue (it fell due at 15:50 local): it is not sent in
    the night but when the buyer's quiet hours end at 08:00 local."""
    night = datetime(2026, 11, 26, 6, 50, tzinfo=UTC)  # 00:50 in Mexico City (UTC-6)
    store.set_now(night)
    order_id = failed_order(store, "ana@example.mx", hours_ago=10, billing={"country": "MX", "state": "CMX"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    first = cli(["run"], config=config, now=night)

    assert first.exit_code == 0, first.stderr
    assert smtp.messages == []
    row = json.loads(cli(["status", "--json"], config=config, now=night).stdout)["recalls"][0]
    assert row["order"] == order_id and row["next_due"].startswith("2026-11-26T14:00")
    morning = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 08:00 in Mexico City
    store.set_now(morning)
    assert cli(["run"], config=config, now=morning).exit_code == 0
    assert [m.rcpt_tos for m in smtp.messages] == [("ana@example.mx",)]


def test_a_payment_before_any_reminder_is_not_counted_as_recovered(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """`status` and `report` agree: only the order paid after its reminder is recovered by wcrecall, and only its
    total is recovered revenue; the order paid before any reminder is shown as paid without one."""
    early = failed_order(store, "early@example.com", hours_ago=0.5, total="30.00")  # reminder 1 due in 30 min
    reminded = failed_order(store, "late@example.com", hours_ago=2, total="70.00")  # reminder 1 due now
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert [m.rcpt_tos for m in smtp.messages] == [("late@example.com",)]
    later = NOW + timedelta(minutes=20)
    store.set_now(later)
    store.pay(early)
    store.pay(reminded)
    assert cli(["run"], config=config, now=later).exit_code == 0

    status = json.loads(cli(["status", "--json"], config=config, now=later).stdout)
    report = json.loads(cli(["report", "--json", "--no-store"], config=config, now=later).stdout)
    table = cli(["status"], config=config, now=later).stdout

    assert status["summary"]["recovered"] == report["recovered"] == 1
    assert status["summary"]["recovered_revenue"] == report["recovered_revenue"] == {"USD": "70.00"}
    rows = {r["order"]: r for r in status["recalls"]}
    assert rows[reminded]["recovered_by_recall"] is True and rows[early]["recovered_by_recall"] is False
    recovered_only = json.loads(cli(["status", "--json", "--recovered"], config=config, now=later).stdout)
    assert [r["order"] for r in recovered_only["recalls"]] == [reminded]
    assert "1 recovered ($70.00)" in table and "paid without reminder" in table


def test_a_burst_never_relabels_a_buyer_already_reminded_as_not_contacted(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A card-testing burst on one address stops its open recalls; the one that already sent a reminder ends unpaid
    (it was contacted), not "not contacted"."""
    first = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    for i in range(5):
        failed_order(store, "ana@example.com", hours_ago=0.5 - i * 0.05)
    assert cli(["run"], config=config, now=later).exit_code == 0

    rows = {r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=later).stdout)["recalls"]}
    assert len(smtp.messages) == 1
    assert rows[first]["outcome"] == "ended_unpaid" and rows[first]["steps_sent"] == 1
    assert "card testing" in rows[first]["end_reason"]
    others = [r for o, r in rows.items() if o != first]
    assert len(others) == 5 and all(r["outcome"] == "not_contacted" for r in others)
    notes = [str(n["note"]) for n in store.notes(first) if str(n["note"]).startswith("wcrecall:")]
    assert not any("not contacted" in n or "wcrecall: paid" in n for n in notes), notes


def test_steps_restored_from_the_notes_keep_their_message_id(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """With the state file lost, the recall is rebuilt from the order notes, Message-ID of each sent step included."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    sent_id = str(smtp.messages[0].message["Message-ID"])
    for path in tmp_path.glob("shop.state*"):
        path.unlink()
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0

    assert len(smtp.messages) == 1
    recall = State(tmp_path / "shop.state.json", read_only=True).load().recalls[order_id]
    assert [(s.n, s.state, s.msgid) for s in recall.steps] == [(1, "sent", sent_id)]


def test_a_pay_link_to_another_site_is_refused_and_the_others_are_sent(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The store reports its home as https://www.shop.test (its API is reached at another address): links to that
    site are mailed, with or without `www.`; a link to another host is refused with a problem line naming the order,
    and the others are sent."""
    hosts = {
        failed_order(store, "www@example.com"): "www.shop.test",
        failed_order(store, "bare@example.com"): "shop.test",
        failed_order(store, "foreign@example.com"): "evil.example",
    }
    foreign = next(o for o, h in hosts.items() if h == "evil.example")
    answer = store.answer

    def moved_site(request: Request) -> Response:
        response = answer(request)
        if request.method == "GET" and response.status == 200 and "/system_status" in request.target:
            body = json.loads(response.body)
            body["environment"]["home_url"] = body["environment"]["site_url"] = "https://www.shop.test"
            response.body = json.dumps(body).encode("utf-8")
        elif request.method == "GET" and response.status == 200 and "/orders" in request.target:
            body = json.loads(response.body)
            for order in body if isinstance(body, list) else [body]:
                if isinstance(order, dict) and order.get("id") in hosts and order.get("payment_url"):
                    path = order["payment_url"].split("/", 3)[3]
                    order["payment_url"] = f"https://{hosts[order['id']]}/{path}"
            response.body = json.dumps(body).encode("utf-8")
        return response

    store.answer = moved_site  # type: ignore[method-assign]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 1
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["bare@example.com", "www@example.com"]
    assert result.stderr == (
        f"order {foreign}: cannot send reminder 1: the store gave no usable pay link for the order: "
        "host evil.example is not the store's own site\n"
    )


def test_an_unforeseen_error_is_one_error_line_and_a_traceback_only_with_v(
    tmp_path: Path, store: SandboxStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong unforeseen in a command, cron's mail gets one `Error:` line (exit 1), the secret hidden;
    -v adds the traceback."""
    from wcrecall.sandbox import DEFAULT_CONSUMER_SECRET

    config = write_config(tmp_path, store.url)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"state\nis odd ({DEFAULT_CONSUMER_SECRET})")

    monkeypatch.setattr("wcrecall.insight.status.collect", broken)
    quiet = cli(["status"], config=config, now=NOW)
    loud = cli(["-v", "status"], config=config, now=NOW)

    assert quiet.exit_code == loud.exit_code == 1
    assert quiet.stderr == "Error: unexpected RuntimeError: state is odd (<hidden>) (run with -v for details)\n"
    assert "Traceback" in loud.stderr and loud.stderr.endswith(quiet.stderr)
    assert DEFAULT_CONSUMER_SECRET not in loud.stderr


def test_a_reader_that_went_away_is_not_an_error(tmp_path: Path, store: SandboxStore) -> None:
    """`wcrecall explain N | head -1`: the pipe closes before the command writes; it ends quietly, with no `Error:`
    line and no traceback for cron's mail."""
    import os
    import subprocess
    import sys

    from subproc import env_for

    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "wcrecall", "explain", str(order_id)],
            env=env_for(config, NOW),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_escapes_and_markup_in_store_text_reach_the_terminal_inert(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Order numbers carrying ANSI/OSC escapes and rich markup: `status` shows them as text (no escape byte, markup
    printed literally, no crash), and so does `run -v`."""
    numbers = {
        failed_order(store, "ana@example.com"): "\x1b[2J[/][link=https://e.x]7",
        failed_order(store, "ben@example.com"): "\x1b]8;;https://e.x\x07pay\x1b]8;;\x07",
    }
    answer = store.answer

    def odd_numbers(request: Request) -> Response:
        response = answer(request)
        if request.method == "GET" and response.status == 200 and "/orders" in request.target:
            body = json.loads(response.body)
            for order in body if isinstance(body, list) else [body]:
                if isinstance(order, dict) and order.get("id") in numbers:
                    order["number"] = numbers[order["id"]]
            response.body = json.dumps(body).encode("utf-8")
        return response

    store.answer = odd_numbers  # type: ignore[method-assign]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    paid = store.create_order(status="processing", billing={"email": "ben@example.com"})
    numbers[int(paid["id"])] = "\x1b]8;;https://e.x\x07[/]8"
    run = cli(["-v", "run"], config=config, now=later)
    table = cli(["status"], config=config, now=later)

    assert run.exit_code == 0 and table.exit_code == 0, table.stderr
    assert "buyer paid new order #" in run.stdout
    for text in (run.stdout, table.stdout):
        assert "\x1b" not in text and "\x07" not in text
    assert "#\\x1b[2J[/][link=" in table.stdout and "#\\x1b]8;;https://" in table.stdout  # shown, inert
    assert "new order #\\x1b]8;;https://e.x\\x07[/]8" in run.stdout


def _pending_checkout_order(store: SandboxStore, email: str, *, created_ago: int, modified_ago: int) -> int:
    """A pending checkout order from a buyer in Germany, created and last changed the given minutes ago."""
    now = store.clock.now()
    data = store.create_order(
        status="pending",
        billing={"email": email, "country": "DE"},
        date_created=now - timedelta(minutes=created_ago),
        date_modified=now - timedelta(minutes=modified_ago),
    )
    return int(data["id"])


def _hold_stock(store: SandboxStore, minutes: int) -> None:
    store.set_setting("products", "woocommerce_manage_stock", "yes")
    store.set_setting("products", "woocommerce_hold_stock_minutes", str(minutes))
    store.wp_cron = True


def test_a_pending_reminder_says_until_when_the_order_is_held(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Hold stock counts from the order's last change (15:40 UTC), not its creation (15:10): the reminder goes out
    and tells the buyer, in German and Berlin time, that the order is held until 17:40."""
    _hold_stock(store, 60)
    _pending_checkout_order(store, "anna@example.de", created_ago=50, modified_ago=20)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert len(smtp.messages) == 1
    message = smtp.messages[0].message
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    sentence = "Wir halten Ihre Bestellung bis 17:40 Uhr für Sie bereit. Danach wird sie automatisch storniert."
    assert sentence in " ".join(text.split()) and sentence in " ".join(html.split())


def test_a_pending_reminder_too_close_to_the_cancel_is_skipped_with_its_reason(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Reminder 1 fell due while wcrecall was not running; 10 minutes before hold stock cancels the order it is too
    late to be useful: it is skipped, with the reason in `status`, and nothing is mailed."""
    _hold_stock(store, 60)
    order_id = _pending_checkout_order(store, "anna@example.de", created_ago=50, modified_ago=50)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    result = cli(["-v", "run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert smtp.messages == []
    assert f"order {order_id}: reminder 1 skipped: only 10 min before WooCommerce cancels the order" in result.stdout
    row = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"][0]
    assert row["steps"][0]["state"] == "skipped" and "hold stock" in row["steps"][0]["why"]


def test_a_hold_stock_time_changed_after_the_recall_opened_is_the_one_that_counts(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The shop cuts hold stock from 60 to 40 minutes after the recall opened: at the 30-minute reminder only 10
    minutes are left, so it is skipped rather than promising the buyer an hour that WooCommerce will not keep."""
    _hold_stock(store, 60)
    order_id = _pending_checkout_order(store, "anna@example.de", created_ago=5, modified_ago=5)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0  # opened; reminder 1 due 30 min after the change
    _hold_stock(store, 40)
    later = NOW + timedelta(minutes=25)
    store.set_now(later)

    result = cli(["-v", "run"], config=config, now=later)

    assert result.exit_code == 0, result.stderr
    assert smtp.messages == []
    assert f"order {order_id}: reminder 1 skipped: only 10 min before WooCommerce cancels the order" in result.stdout


def test_the_hold_time_carries_the_date_when_it_is_not_the_buyers_today() -> None:
    """00:45 on 27 November in Los Angeles: just the time for a buyer whose today is the 27th, the date too for one
    still on the 26th; in the buyer's language."""
    from zoneinfo import ZoneInfo

    from wcrecall.render.renderer import format_hold_until

    deadline = datetime(2026, 11, 27, 8, 45, tzinfo=UTC)
    la = ZoneInfo("America/Los_Angeles")
    evening_before = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # 23:30 on the 26th in Los Angeles
    same_night = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)  # 00:15 on the 27th
    assert format_hold_until(deadline, la, evening_before, "de") == "27.11.2026, 00:45"
    assert format_hold_until(deadline, la, evening_before, "ja") == "2026/11/27 0:45"
    assert format_hold_until(deadline, la, same_night, "de") == "00:45"


def test_doctor_says_how_long_buyers_get_to_pay_after_the_first_pending_reminder() -> None:
    """Hold stock minus the first pending delay (as the tick pulls it before the cancel), and a warning when that is
    too short for any pending reminder to be sent."""
    from wcrecall.setup.doctor import WARN, check_hold_stock

    assert "buyers get 30 min to pay after it" in check_hold_stock("yes", "60", timedelta(minutes=30)).message
    assert "buyers get 20 min to pay after it" in check_hold_stock("yes", "40", timedelta(minutes=30)).message
    short = check_hold_stock("yes", "25", timedelta(minutes=20))
    assert short.level == WARN and "buyers get 12 min to pay after it" in short.message
    assert "less than 15 min" in short.message and short.fix


def test_an_unforeseen_error_in_one_order_never_shows_a_secret_and_the_others_go_on(
    tmp_path: Path,
    store: SandboxStore,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unforeseen error while handling one order is its problem line (the secrets it carried hidden, in the -v
    traceback too); the other order is mailed."""
    from wcrecall.recall import opening
    from wcrecall.sandbox import DEFAULT_CONSUMER_SECRET

    bad = failed_order(store, "bad@example.com")
    failed_order(store, "good@example.com")
    classify = opening.classify_order

    def flaky(**kwargs: Any) -> Any:
        if any("bad" in str(n.text) for n in kwargs["notes"]):
            raise RuntimeError(f"lost with {DEFAULT_CONSUMER_SECRET} and {SMTP_PASSWORD}")
        return classify(**kwargs)

    store.add_note(bad, "bad luck")
    caplog.set_level(logging.INFO, logger="wcrecall.recall.tick")
    monkeypatch.setattr(opening, "classify_order", flaky)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    result = cli(["-v", "run"], config=config, now=NOW)

    assert result.exit_code == 1
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["good@example.com"]
    assert result.stderr.endswith(
        f"order {bad}: skipped: unexpected error (RuntimeError: lost with <hidden> and <hidden>)\n"
    )
    logged = caplog.text  # -v logs the traceback (to stderr outside the tests), secrets hidden there too
    assert "Traceback" in logged and "RuntimeError: lost with <hidden> and <hidden>" in logged
    for text in (result.stderr, result.stdout, logged):
        assert DEFAULT_CONSUMER_SECRET not in text and SMTP_PASSWORD not in text


def test_explain_shows_an_escape_in_a_store_note_inert(tmp_path: Path, store: SandboxStore) -> None:
    """The note explain quotes as evidence is store text: an OSC hyperlink in it is shown, not acted on."""
    order_id = failed_order(
        store, "a@example.com", note="Payment failed: \x1b]8;;https://e.x\x07Your card has insufficient funds."
    )
    result = cli(["explain", str(order_id)], config=write_config(tmp_path, store.url), now=NOW)
    assert result.exit_code == 0, result.stderr
    assert "Payment failed: \\x1b]8;;https://e.x\\x07Your card has insufficient funds." in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_a_pay_link_on_the_stores_international_domain_is_its_own_site() -> None:
    """A store at https://xn--bcher-kva.de whose links read https://www.bücher.de/…: the same site."""
    from wcrecall.plan.paylink import link_problem

    assert link_problem("https://www.bücher.de/checkout/order-pay/5/?key=k", {"xn--bcher-kva.de"}) is None
    assert link_problem("https://xn--bcher-kva.de/checkout/order-pay/5/?key=k", {"BÜCHER.de"}) is None
    assert link_problem("https://bucher.de/checkout/order-pay/5/?key=k", {"bücher.de"}) is not None


def test_report_shows_store_text_inert(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A billing country of ESC + "]" (the start of an OSC sequence) is listed by `report` as text."""
    failed_order(store, "a@example.com", billing={"country": "\x1b]"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    # A week on, the order's window has passed: the report's rates by country list it.
    result = cli(["report", "--no-store"], config=config, now=NOW + timedelta(days=8))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\n  \\x1b]  " in result.stdout
