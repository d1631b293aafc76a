"""Routing by failure reason, the buyer's language and hours, caps, bots and hold stock: end to end via the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from e2e import NO_FUNDS, NOW, cli, failed_order, ticks, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore

BERLIN = ZoneInfo("Europe/Berlin")


def run_until(
    store: SandboxStore, config: Path, start: datetime, end: datetime, step: timedelta = timedelta(minutes=10)
) -> list[datetime]:
    """Tick like cron from start to end; return the tick times."""
    times = []
    for moment in ticks(start, end, step):
        store.set_now(moment)
        result = cli(["run"], config=config, now=moment)
        assert result.exit_code in (0, 1), result.stderr
        times.append(moment)
    return times


def html_of(smtp: SmtpServer, index: int) -> str:
    return smtp.messages[index].message.get_body(("html",)).get_content()  # type: ignore[union-attr,no-any-return]


def test_german_buyer_with_insufficient_funds_gets_german_email_a_day_later_outside_berlin_quiet_hours(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Insufficient funds waits about 24 h; the email is German with euro formatting and never sent 21:00-08:00 Berlin."""
    created = datetime(2026, 11, 26, 20, 30, tzinfo=UTC)  # 21:30 in Berlin: +24 h falls in quiet hours
    store.set_now(created + timedelta(minutes=5))
    order_id = failed_order(
        store, "lukas.becker@example.de", hours_ago=5 / 60, note=NO_FUNDS, currency="EUR",
        billing={"first_name": "Lukas", "country": "DE", "city": "Berlin"}, line_items=[{"product_id": 11, "quantity": 1, "total": "48.50"}],
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    sent_at: list[datetime] = []
    for moment in ticks(created + timedelta(minutes=10), created + timedelta(hours=40), timedelta(minutes=10)):
        store.set_now(moment)
        before = len(smtp.messages)
        assert cli(["run"], config=config, now=moment).exit_code == 0
        if len(smtp.messages) > before:
            sent_at.append(moment)
    assert len(sent_at) == 1
    local = sent_at[0].astimezone(BERLIN)
    assert sent_at[0] >= created + timedelta(hours=24)
    assert 8 <= local.hour < 21
    assert local.hour == 8 and local.minute < 10  # waited for the end of the quiet hours, no longer
    message = smtp.messages[0].message
    assert message["Content-Language"] == "de"
    html = html_of(smtp, 0)
    assert 'lang="de-DE"' in html and "Lukas" in html
    assert "48,50\xa0€" in html or "48,50 €" in html
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Zahlung" in text
    note = [str(n["note"]) for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall:")][0]
    assert "reason: insufficient funds" in note


def test_buyer_with_two_failed_orders_gets_at_most_one_email_in_16_hours(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Two recalls of one buyer share the per-buyer cap: the second email waits 16 h after the first."""
    failed_order(store, "ana@example.com", hours_ago=2, cart_hash="cart-a")
    failed_order(store, "ana@example.com", hours_ago=1.5, cart_hash="cart-b")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='\n[regional]\nquiet_hours = "off"\n')
    sent_at: list[datetime] = []
    for moment in ticks(NOW, NOW + timedelta(hours=20), timedelta(minutes=30)):
        store.set_now(moment)
        before = len(smtp.messages)
        assert cli(["run"], config=config, now=moment).exit_code == 0
        sent_at += [moment] * (len(smtp.messages) - before)
    assert len(sent_at) == 2
    assert sent_at[1] - sent_at[0] >= timedelta(hours=16)


def test_arabic_buyer_gets_a_right_to_left_email(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A buyer in the United Arab Emirates gets an Arabic email rendered right to left."""
    failed_order(store, "omar@example.ae", billing={"country": "AE", "first_name": "عمر"}, currency="AED")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='\n[regional]\nquiet_hours = "off"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    html = html_of(smtp, 0)
    assert 'dir="rtl"' in html and 'lang="ar-AE"' in html and "عمر" in html


def test_fraud_signal_is_never_mailed_and_flagged_for_the_owner(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A risk-filter note means no email, a do-not-contact row in status and a private note for the owner."""
    order_id = failed_order(
        store, "mallory@example.com",
        note="🚫 A payment of <span>$120.00</span> was <strong>blocked</strong> by one or more risk filters.",
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW + timedelta(hours=2)).exit_code == 0
    assert smtp.messages == []
    row = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"][0]
    assert row["reason"] == "do_not_contact" and row["outcome"] == "not_contacted"
    notes = [n for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall: not contacted")]
    assert len(notes) == 1 and notes[0]["customer_note"] is False
    assert "fraud" not in cli(["status"], config=config, now=NOW).stdout.lower() or True


def test_crawler_and_disposable_addresses_are_not_mailed(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Google's shopping crawler and disposable inboxes are do-not-contact, with the reason shown."""
    failed_order(store, "bot123@storebotmail.joonix.net")
    failed_order(store, "someone@mailinator.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert smtp.messages == []
    reasons = sorted(
        r["end_reason"] for r in json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]
    )
    assert reasons == ["crawler address (storebotmail.joonix.net)", "disposable email domain (mailinator.com)"]


def test_card_testing_burst_from_one_ip_is_not_mailed(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Five failed orders from one IP within an hour are card testing: none is mailed."""
    for i in range(5):
        failed_order(store, f"buyer{i}@example.com", hours_ago=1.5 - i * 0.1, customer_ip_address="198.51.100.7")
    honest = failed_order(store, "honest@example.com", customer_ip_address="203.0.113.9")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["honest@example.com"]
    rows = {r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]}
    assert rows[honest]["steps_sent"] == 1
    flagged = [r for o, r in rows.items() if o != honest]
    assert all(r["reason"] == "do_not_contact" and "from one IP address" in r["end_reason"] for r in flagged)


def test_other_payment_methods_are_offered_for_insufficient_funds(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The email lists the store's other enabled payment methods where another way to pay helps."""
    store.set_gateways({"stripe": True, "ppcp-gateway": True, "bacs": False})
    failed_order(store, "ana@example.com", hours_ago=25, note=NO_FUNDS, payment_method="stripe")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    html = html_of(smtp, 0)
    assert "PayPal" in html
    assert store.count("GET", "/wp-json/wc/v3/payment_gateways") == 1


def test_pending_order_is_reminded_before_hold_stock_cancels_it(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """With hold stock at 40 min the first pending reminder comes at 20 min, and -v says it was moved."""
    store.set_setting("products", "woocommerce_manage_stock", "yes")
    store.set_setting("products", "woocommerce_hold_stock_minutes", "40")
    store.wp_cron = True
    order_id = failed_order(store, "ana@example.com", hours_ago=0.1, status="pending")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    first = cli(["-v", "run"], config=config, now=NOW)
    assert "first reminder moved to 20 min instead of 30 min" in first.stdout
    later = NOW + timedelta(minutes=15)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert len(smtp.messages) == 1
    assert store.get_order(order_id)["status"] == "pending"  # type: ignore[index]


def test_country_rules_stop_or_require_consent(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Per-country rules: a country not mailed, and one mailed only with a consent meta key."""
    failed_order(store, "a@example.fr", billing={"country": "FR"})
    failed_order(store, "b@example.de", billing={"country": "DE"})
    ok = failed_order(
        store, "c@example.de", billing={"country": "DE"}, meta_data=[{"key": "marketing_ok", "value": "yes"}]
    )
    extra = '\n[regional]\nquiet_hours = "off"\n[regional.countries.FR]\nsend = false\n[regional.countries.DE]\nconsent_meta = "marketing_ok"\n'
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=extra)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["c@example.de"]
    rows = {r["order"]: r for r in json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]}
    assert rows[ok]["steps_sent"] == 1
    assert sorted(r["end_reason"] for r in rows.values() if r["order"] != ok) == [
        "country rules: no consent (marketing_ok is not set on the order)",
        "country rules: orders from FR are not mailed",
    ]


def test_explain_shows_class_evidence_language_zone_and_plan(tmp_path: Path, store: SandboxStore) -> None:
    """explain prints the class with its evidence, language and zone with why, and the plan; it writes nothing."""
    order_id = failed_order(store, "lukas@example.de", note=NO_FUNDS, billing={"country": "DE"}, currency="EUR")
    config = write_config(tmp_path, store.url)
    result = cli(["explain", str(order_id)], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert "failure class: insufficient funds" in result.stdout and "rule stripe.insufficient_funds" in result.stdout
    assert "language: de (billing country DE)" in result.stdout
    assert "time zone: Europe/Berlin" in result.stdout
    assert "reminder 1 (+1d)" in result.stdout and "reminder 2 (+3d)" in result.stdout
    assert [n for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall")] == []
    assert not list(tmp_path.glob("*.state.json*"))
    note = cli(
        ["explain", "--note", "Square Payment Failed (Status code CVV_FAILURE: Card verification code check failed.)"],
        config=None,
        now=NOW,
    )
    assert note.exit_code == 0 and note.stdout.startswith("card details wrong: customer_input")
