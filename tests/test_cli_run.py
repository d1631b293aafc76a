"""End to end through the CLI: the sandbox store over HTTP (OAuth) and a real SMTP server, both on 127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore


def notes_by_wcrecall(store: SandboxStore, order_id: int) -> list[dict[str, object]]:
    return [n for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall:")]


def test_run_emails_each_eligible_order_once_with_its_pay_link(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """One tick mails each due failed order once, with its own pay link, and posts one private note per email."""
    a = failed_order(store, "ana@example.com")
    b = failed_order(store, "ben@example.org", billing={"first_name": "Ben"})
    paid = store.create_order(status="processing", billing={"email": "paid@example.com"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.reset_counters()

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert store.connections == 1  # one keep-alive connection for the whole tick
    assert result.stdout == "" and result.stderr == ""  # silent on success
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["ana@example.com", "ben@example.org"]
    assert smtp.connections == 1
    for received in smtp.messages:
        order_id = a if received.rcpt_tos[0] == "ana@example.com" else b
        order = store.get_order(order_id)
        assert order is not None
        html = received.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        key = str(order["order_key"])
        assert f"/checkout/order-pay/{order_id}/?pay_for_order=true&amp;key={key}&amp;utm_source=wcrecall" in html
        assert "utm_content=step-1" in html
        notes = notes_by_wcrecall(store, order_id)
        assert len(notes) == 1
        assert notes[0]["customer_note"] is False
        assert "payment reminder 1 of 3 sent to" in str(notes[0]["note"])
        assert "reason: declined by the bank" in str(notes[0]["note"])
    assert notes_by_wcrecall(store, int(paid["id"])) == []

    again = cli(["run"], config=config, now=NOW + timedelta(minutes=10))
    assert again.exit_code == 0
    assert len(smtp.messages) == 2
    # The second tick re-read the overlap (the same orders) but handled each order once: the notes were read once,
    # when the recall opened; the send in that same tick needs no second read (a later step's send does one).
    assert store.count("GET", "/wp-json/wc/v3/orders/{id}/notes") == 2


def test_sync_asks_only_for_changed_orders_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The incremental query: modified_after in naive UTC with dates_are_gmt, in id order (orderby=modified has no
    tie-breaker), 100 per page, all statuses, limited fields, pages built as page=N."""
    from datetime import datetime, timezone

    from wcrecall.config.settings import StoreSettings
    from wcrecall.store.client import Page, Store

    seen: list[tuple[dict[str, object], int]] = []

    def fake_page(self: Store, params: dict[str, object], page: int) -> Page:
        seen.append((dict(params), page))
        return Page(orders=[], total=250, total_pages=3)

    monkeypatch.setattr(Store, "orders_page", fake_page)
    store = Store(StoreSettings(url="http://127.0.0.1:9", consumer_key="ck_x", consumer_secret="cs_x"))
    list(store.changed_orders(datetime(2026, 11, 12, 9, 25, 59, tzinfo=timezone(timedelta(hours=-5)))))
    params = seen[0][0]
    assert params["modified_after"] == "2026-11-12T14:25:59"
    assert params["dates_are_gmt"] == "true" and params["orderby"] == "id" and params["order"] == "asc"
    assert params["per_page"] == 100 and params["status"] == "any"
    assert "billing" in str(params["_fields"]).split(",") and "line_items" not in str(params["_fields"])
    assert [page for _, page in seen] == [1]  # an empty page ends the listing, whatever X-WP-TotalPages says


def test_verbose_run_says_what_happened_per_order(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """-v prints one line per order event and a summary."""
    order_id = failed_order(store, "ana@example.com")
    result = cli(["-v", "run"], config=write_config(tmp_path, store.url, smtp_port=smtp.port), now=NOW)
    assert f"order {order_id}: recall opened (failed, declined by the bank, 3 reminders in en" in result.stdout
    assert f"order {order_id}: sent reminder 1 of 3 to a***@example.com" in result.stdout
    assert "opened 1, sent 1" in result.stdout


def test_reminders_follow_the_schedule_and_stop_when_paid(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Reminder 2 goes out a day later; paying the order ends the recall with a note and no more emails."""
    order_id = failed_order(store, "ana@example.com", hours_ago=0.5)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 0  # due at +1 h
    later = NOW + timedelta(minutes=40)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert len(smtp.messages) == 1
    day = NOW + timedelta(hours=24)
    store.set_now(day)
    assert cli(["run"], config=config, now=day).exit_code == 0
    assert len(smtp.messages) == 2
    assert "utm_content=step-2" in smtp.messages[1].message.get_body(("html",)).get_content()  # type: ignore[union-attr]

    store.set_now(day + timedelta(hours=5))
    store.pay(order_id)
    assert cli(["run"], config=config, now=day + timedelta(hours=5, minutes=10)).exit_code == 0
    notes = [str(n["note"]) for n in notes_by_wcrecall(store, order_id)]
    assert any(n.startswith("wcrecall: paid 5 h after reminder 2") for n in notes)
    for hours in (48, 72, 100):
        moment = NOW + timedelta(hours=hours)
        store.set_now(moment)
        assert cli(["run"], config=config, now=moment).exit_code == 0
    assert len(smtp.messages) == 2
    status = json.loads(cli(["status", "--json"], config=config, now=NOW + timedelta(hours=100)).stdout)
    assert status["recalls"][0]["outcome"] == "recovered"
    assert status["summary"]["recovered_revenue"] == {"USD": store.get_order(order_id)["total"]}  # type: ignore[index]


def test_new_paid_order_by_same_buyer_ends_the_recall(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A newer paid order with the same email ends the recall as recovered by a new order, with a note."""
    order_id = failed_order(store, "Ana@Example.com", hours_ago=3)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1
    store.advance(timedelta(hours=2))
    new = store.create_order(status="processing", billing={"email": "ana@example.com"}, date_paid=store.clock.now())
    later = NOW + timedelta(hours=2, minutes=10)
    assert cli(["run"], config=config, now=later).exit_code == 0
    notes = [str(n["note"]) for n in notes_by_wcrecall(store, order_id)]
    assert any(f"the buyer paid new order #{new['id']}" in n for n in notes)
    for hours in (24, 30, 72):
        moment = NOW + timedelta(hours=hours)
        store.set_now(moment)
        cli(["run"], config=config, now=moment)
    assert len(smtp.messages) == 1


def test_order_paid_before_the_send_gets_no_email(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """The order is read again right before sending: paid in between means nothing is sent."""
    order_id = failed_order(store, "ana@example.com", hours_ago=0.5)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.pay(order_id)  # the sync of the next tick would see it too; the fresh read catches it either way
    moment = NOW + timedelta(hours=1)
    assert cli(["run"], config=config, now=moment).exit_code == 0
    assert smtp.messages == []


def test_dry_run_sends_writes_and_records_nothing(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """--dry-run prints the plan and leaves mail, notes and state untouched."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    result = cli(["run", "--dry-run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert f"order {order_id}: would send reminder 1 of 3 to a***@example.com" in result.stdout
    assert smtp.messages == [] and notes_by_wcrecall(store, order_id) == []
    assert not list(tmp_path.glob("shop.state.json*"))
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1


def test_baseline_adopts_the_backlog_without_mailing(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """--baseline records current candidates as handled; only later failures are mailed."""
    old = failed_order(store, "old@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run", "--baseline"], config=config, now=NOW).exit_code == 0
    store.advance(timedelta(minutes=5))
    new = failed_order(store, "new@example.com", hours_ago=1.5)
    later = NOW + timedelta(minutes=10)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["new@example.com"]
    rows = {r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=later).stdout)["recalls"]}
    assert rows[old]["outcome"] == "baseline" and rows[new]["steps_sent"] == 1


def test_orders_that_cannot_be_mailed_are_listed_with_the_reason(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """An invalid billing email is not mailed and status says why."""
    bad = failed_order(store, "not-an-email")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    rows = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]
    assert len(rows) == 1
    assert rows[0]["order"] == bad and rows[0]["outcome"] == "not_contacted"
    assert rows[0]["end_reason"] == "billing email is not a valid address"
    assert smtp.messages == []


def test_retries_of_one_cart_are_one_recall(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Two failed orders by one buyer with the same cart_hash get one email, for the newest order."""
    first = failed_order(store, "ana@example.com", hours_ago=3, cart_hash="c0ffee")
    second = failed_order(store, "ana@example.com", hours_ago=2.5, cart_hash="c0ffee")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1
    assert f"/order-pay/{second}/" in smtp.messages[0].message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    rows = {r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]}
    assert rows[first]["outcome"] == "superseded"


def test_wrong_secret_is_a_clear_error_with_exit_2(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A refused key exits 2 and says what to check, never printing the secret."""
    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, secret="cs_wrongwrongwrong")
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the store refused the API key (401")
    assert "Read/Write" in result.stderr and "OAuth" in result.stderr
    assert "cs_wrongwrongwrong" not in result.stderr + result.stdout
    assert smtp.messages == []


def test_smtp_login_failure_exits_2_and_records_nothing(tmp_path: Path, store: SandboxStore) -> None:
    """A refused SMTP login is exit 2; the step stays due and is sent once the password is fixed."""
    failed_order(store, "ana@example.com")
    with SmtpServer(username="shop", password="the-real-one") as server:
        config = write_config(tmp_path, store.url, smtp_port=server.port)
        result = cli(["run"], config=config, now=NOW)
        assert result.exit_code == 2
        assert SMTP_PASSWORD not in result.stderr
        assert server.messages == []
        ok = cli(["run"], config=config, now=NOW, env={"WCRECALL_MAIL_PASSWORD": "the-real-one"})
        assert ok.exit_code == 0, ok.stderr
        assert len(server.messages) == 1


def test_second_run_while_locked_exits_75(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A run that finds the lock held exits 75 at once and does nothing."""
    from wcrecall.state.db import RunLock

    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    with RunLock(tmp_path / "shop.state.json"):
        result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 75
    assert "another wcrecall run" in result.stderr
    assert smtp.messages == [] and store.count() == 0


def test_claimed_but_unconfirmed_step_is_never_resent(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A step claimed by a run that died mid-send shows as uncertain and is not sent again."""
    from wcrecall.model.records import Step
    from wcrecall.state.db import State

    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run", "--dry-run"], config=config, now=NOW).exit_code == 0
    # Simulate the crash: open the recall, then leave a claim on disk as a dying run would.
    state_path = tmp_path / "shop.state.json"
    assert (
        cli(
            ["run"],
            config=write_config(tmp_path, store.url, outbox=tmp_path / "box", name="shop.toml"),
            now=NOW - timedelta(hours=1, minutes=30),
        ).exit_code
        == 0
    )
    state = State(state_path).load()
    recall = state.recalls[order_id]
    recall.steps.append(Step(n=1, state="claimed", at=NOW.isoformat(), msgid="<x@y>"))
    state.put(recall)
    state.close()
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert smtp.messages == []
    status = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)
    assert status["recalls"][0]["steps_text"] == "0/3 uncertain:1"
    assert status["summary"]["uncertain_steps"] == 1


def test_status_filters_and_summary(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """status --open/--recovered/--since filter; the table and the summary show revenue per currency."""
    a = failed_order(store, "ana@example.com", currency="EUR")
    failed_order(store, "ben@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    cli(["run"], config=config, now=NOW)
    store.pay(a)
    later = NOW + timedelta(minutes=10)
    cli(["run"], config=config, now=later)
    table = cli(["status"], config=config, now=later)
    assert table.exit_code == 0
    assert "a***@example.com" in table.stdout and "ana@" not in table.stdout
    assert "2 recalls: 1 open, 1 recovered" in table.stdout and "€" in table.stdout
    recovered = json.loads(cli(["status", "--json", "--recovered"], config=config, now=later).stdout)
    assert [r["order"] for r in recovered["recalls"]] == [a]
    assert len(json.loads(cli(["status", "--json", "--open"], config=config, now=later).stdout)["recalls"]) == 1
    assert (
        json.loads(cli(["status", "--json", "--since", "1m"], config=config, now=later + timedelta(days=1)).stdout)[
            "recalls"
        ]
        == []
    )


def test_preview_renders_a_live_order_without_sending(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """preview prints the text part or writes the HTML; nothing is sent, noted or recorded."""
    order_id = failed_order(store, "ana@example.com", billing={"first_name": "Ana"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    text = cli(["preview", str(order_id), "--step", "2"], config=config, now=NOW)
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("Subject: ") and "Ana" in text.stdout and "utm_content=step-2" in text.stdout
    out = tmp_path / "p.html"
    assert cli(["preview", str(order_id), "--out", str(out)], config=config, now=NOW).exit_code == 0
    assert "<html" in out.read_text() and "pay_for_order=true" in out.read_text()
    assert smtp.messages == [] and notes_by_wcrecall(store, order_id) == []
    missing = cli(["preview", "999999"], config=config, now=NOW)
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: GET orders/999999: not found")


def test_bad_config_names_the_key_and_exits_2(tmp_path: Path, store: SandboxStore) -> None:
    """An unknown key is an error naming it, exit 2."""
    config = write_config(tmp_path, store.url, extra='\n[recall]\nlookbak = "3d"\n')
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: recall.lookbak: unknown key")


def test_config_readable_by_others_warns(tmp_path: Path, store: SandboxStore) -> None:
    """A config file readable by group/others gets a chmod 600 warning."""
    config = write_config(tmp_path, store.url)
    config.chmod(0o644)
    result = cli(["status"], config=config, now=NOW)
    assert "chmod 600" in result.stderr


def test_version_and_help_with_examples() -> None:
    """--version prints the version; every command's help has an example."""
    from wcrecall import __version__

    assert cli(["--version"], config=None, now=NOW).stdout.strip() == f"wcrecall {__version__}"
    for command in ("run", "status", "preview", "demo"):
        result = cli([command, "--help"], config=None, now=NOW)
        assert result.exit_code == 0
        assert "Example" in result.stdout, command


def test_demo_writes_emails_and_prints_status(tmp_path: Path) -> None:
    """wcrecall demo runs four simulated days on the sandbox and leaves .eml files and a status table."""
    outbox = tmp_path / "demo-outbox"
    result = cli(["demo", "--outbox", str(outbox)], config=None, now=NOW)
    assert result.exit_code == 0, result.stderr
    emails = list(outbox.glob("*.eml"))
    assert len(emails) >= 5
    assert "$ wcrecall status" in result.stdout
    # The summary line always names "recovered"; what matters is that the buyer who paid from the link is counted.
    paid = re.search(r"buyer of order #(\d+) pays", result.stdout)
    assert paid is not None
    assert re.search(rf"^#{paid.group(1)} .* recovered: order paid", result.stdout, re.MULTILINE)
    assert re.search(r"recalls: \d+ open, [1-9]\d* recovered \(", result.stdout)


def test_first_sync_of_many_pages_reports_progress(tmp_path: Path, store: SandboxStore) -> None:
    """A sync of more than two pages drives the progress bar (on a terminal) page by page; a short one does not."""
    from wcrecall.config.settings import load_settings
    from wcrecall.recall.tick import run_tick

    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, int]] = []

        def begin(self, label: str, total: int) -> None:
            self.events.append(("begin", total))

        def advance(self, n: int = 1) -> None:
            self.events.append(("advance", n))

        def end(self) -> None:
            self.events.append(("end", 0))

    store.generate_orders(
        250, start=NOW - timedelta(days=2), end=NOW - timedelta(hours=1), failed_share=0.0, pending_share=0.0
    )
    settings = load_settings(write_config(tmp_path, store.url), env={})
    recorder = Recorder()
    assert run_tick(settings, now=NOW, progress=recorder).exit_code == 0
    assert recorder.events == [("begin", 250), ("advance", 100), ("advance", 100), ("advance", 50), ("end", 0)]
    quiet = Recorder()
    assert run_tick(settings, now=NOW + timedelta(minutes=10), progress=quiet).exit_code == 0
    assert [e for e, _ in quiet.events] == ["advance", "end"]


def test_verbose_run_shows_when_a_new_recall_is_due_in_the_owners_time_zone(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """`run -v` says when the recall opened this tick is next due: its first reminder (created 30 minutes ago, due an
    hour after creation, 16:30 UTC) shown in the owner's zone and format."""
    order_id = failed_order(store, "ana@example.com", hours_ago=0.5)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    result = cli(["run", "-v"], config=config, now=NOW, env={"WCRECALL_OWNER_TIMEZONE": "Asia/Shanghai"})
    assert result.exit_code == 0, result.stderr
    assert (
        f"order {order_id}: recall opened (failed, declined by the bank, 3 reminders in en; "
        "next due 2026-11-27 00:30 +0800)\n"
    ) in result.stdout
    assert smtp.messages == []
