"""wcrecall's CLI, as cron runs it, against real WooCommerce 7.8.2 (posts, New York) and 9.9.5 (HPOS, Shanghai).

Orders are created through the store's own REST API; where a test needs an order placed earlier, its dates are moved
back through WooCommerce's own order objects (a real store has a real clock). wcrecall runs at the real time, or
later where a test needs to see what a later tick does.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from babel.dates import format_time
from shop import (
    backdate,
    body_text,
    bulk_orders,
    create_order,
    order_of,
    run,
    sent_per_order,
    sent_steps,
    set_status,
    wcrecall_notes,
    write_config,
)
from smtp_server import SmtpServer
from wpstore import HOLD_STOCK_MINUTES, RealStore

TRANSPORTS = [pytest.param(False, id="http-oauth"), pytest.param(True, id="https-basic")]


def recalls(config: Path) -> dict[int, dict[str, Any]]:
    result = run(config, "status", "--json")
    assert result.exit_code == 0, result.stderr
    return {int(r["order"]): r for r in json.loads(result.stdout)["recalls"]}


@pytest.mark.parametrize("https", TRANSPORTS)
def test_failed_and_pending_orders_are_mailed_once_with_one_private_note_each(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path, https: bool
) -> None:
    failed = create_order(real_store, "failed.buyer@example.com")
    pending = create_order(real_store, "pending.buyer@example.com", status="pending")
    backdate(real_store, [failed], timedelta(hours=2))
    backdate(real_store, [pending], timedelta(minutes=40))
    config = write_config(tmp_path, real_store, smtp, https=https)

    for _ in range(3):
        result = run(config, "run")
        assert result.exit_code == 0, result.stderr

    assert sent_per_order(smtp) == {failed: 1, pending: 1}
    for order_id in (failed, pending):
        notes = wcrecall_notes(real_store, order_id)
        assert sent_steps(notes) == [1]
        assert [n["customer_note"] for n in notes] == [False]
    # The store itself sent no "note added to your order" email to either buyer.
    assert not [m for m in real_store.mails() if "note" in str(m["subject"]).lower()]
    store_notes = real_store.sql(
        "SELECT COUNT(*) FROM wp_comments c JOIN wp_commentmeta m ON m.comment_id = c.comment_ID "
        "AND m.meta_key = 'is_customer_note' AND m.meta_value = '1' WHERE c.comment_type = 'order_note'"
    )
    assert store_notes == [["0"]]


def test_more_than_a_page_of_orders_changed_in_one_second_are_all_found(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    """MySQL gives no order among equal `date_modified` values, so paging by it alone skips some orders (pending
    checkouts here: the sync reads no notes for them, which keeps the test short)."""
    ids = bulk_orders(real_store, [("pending", f"burst.{i}@example.com", "US") for i in range(130)])
    assert len(set(ids)) == 130
    backdate(real_store, ids, timedelta(minutes=5), modified=True)  # all changed in one and the same second
    config = write_config(tmp_path, real_store, smtp)

    result = run(config, "run")

    assert result.exit_code == 0, result.stderr
    assert set(recalls(config)) == set(ids)


def test_an_order_created_between_two_ticks_is_found_and_not_mailed_again(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    """The store's zone is not UTC (New York behind it, Shanghai ahead): the sync's window must be in UTC."""
    config = write_config(tmp_path, real_store, smtp, extra='\n[recall]\noverlap = "1m"\n')
    first = run(config, "run")
    assert first.exit_code == 0, first.stderr

    order_id = create_order(real_store, "between.ticks@example.com")
    backdate(real_store, [order_id], timedelta(hours=2))
    for _ in range(3):
        result = run(config, "run")
        assert result.exit_code == 0, result.stderr

    assert sent_per_order(smtp) == {order_id: 1}
    assert sent_steps(wcrecall_notes(real_store, order_id)) == [1]


def test_an_order_paid_in_wordpress_gets_no_further_reminder(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    order_id = create_order(real_store, "pays.later@example.com")
    backdate(real_store, [order_id], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp)
    assert run(config, "run").exit_code == 0
    assert sent_per_order(smtp) == {order_id: 1}

    set_status(real_store, order_id, "processing")
    later = run(config, "run", later=timedelta(hours=23))  # reminder 2 would be due (24 h after the order)

    assert later.exit_code == 0, later.stderr
    assert sent_per_order(smtp) == {order_id: 1}
    assert recalls(config)[order_id]["outcome"] == "recovered"


def test_unpaid_twin_that_does_get_reminder_two(real_store: RealStore, smtp: SmtpServer, tmp_path: Path) -> None:
    """The same timeline without the payment: reminder 2 goes out, so the test above can tell the difference."""
    order_id = create_order(real_store, "never.pays@example.com")
    backdate(real_store, [order_id], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp)
    assert run(config, "run").exit_code == 0
    later = run(config, "run", later=timedelta(hours=23))
    assert later.exit_code == 0, later.stderr
    assert sent_per_order(smtp) == {order_id: 2}


def test_a_new_paid_order_by_the_buyer_ends_the_old_recall(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    old = create_order(real_store, "second.try@example.com")
    backdate(real_store, [old], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp)
    assert run(config, "run").exit_code == 0

    new = create_order(real_store, "second.try@example.com", status="processing", set_paid=True)
    later = run(config, "run", later=timedelta(hours=23))

    assert later.exit_code == 0, later.stderr
    assert sent_per_order(smtp) == {old: 1}
    recall = recalls(config)[old]
    assert (recall["outcome"], recall["paid_order"]) == ("recovered_new_order", new)


def test_hold_stock_cancels_a_pending_order_and_the_recall_ends_closed(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    order_id = create_order(real_store, "held.stock@example.com", status="pending")
    # A checkout order (WooCommerce only cancels those), placed and last changed 40 minutes ago.
    real_store.wp(f"$o = wc_get_order({order_id}); $o->set_created_via('checkout'); $o->save();")
    backdate(real_store, [order_id], timedelta(minutes=40), modified=True)
    placed = real_store.api().get(f"orders/{order_id}").json()["date_modified_gmt"]
    config = write_config(tmp_path, real_store, smtp)
    assert run(config, "run").exit_code == 0
    assert sent_per_order(smtp) == {order_id: 1}

    # The email said until when the order is held: the store's hold time after the order's last change, in the
    # buyer's zone (billing New York) and language.
    from datetime import datetime

    held_until = datetime.fromisoformat(placed + "+00:00") + timedelta(minutes=HOLD_STOCK_MINUTES)
    expected = format_time(held_until.astimezone(ZoneInfo("America/New_York")), format="short", locale="en")
    assert expected in body_text(smtp.messages[0].message)

    backdate(real_store, [order_id], timedelta(minutes=HOLD_STOCK_MINUTES + 10), modified=True)
    real_store.wp("wc_cancel_unpaid_orders();")
    assert real_store.api().get(f"orders/{order_id}").json()["status"] == "cancelled"
    later = run(config, "run", later=timedelta(hours=23))

    assert later.exit_code == 0, later.stderr
    assert sent_per_order(smtp) == {order_id: 1}
    assert recalls(config)[order_id]["outcome"] == "closed"


class _Forms(HTMLParser):
    """The forms of a page: their class/id and their inputs (name -> value)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"class": a.get("class", ""), "id": a.get("id", ""), "action": a.get("action", ""), "inputs": {}}
            )
        elif tag in ("input", "button") and self.forms and a.get("name"):
            self.forms[-1]["inputs"][a["name"]] = a.get("value", "")


def forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def pay_link(message: Any) -> str:
    match = re.search(r"https?://\S+/order-pay/\S+", body_text(message))
    assert match, body_text(message)
    return match.group(0).rstrip(").,>")


@pytest.mark.parametrize("https", TRANSPORTS)
def test_the_pay_link_opens_the_real_pay_page_and_the_email_says_what_it_asks(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path, https: bool
) -> None:
    guest = create_order(real_store, "guest.buyer@example.com")
    registered = create_order(
        real_store, real_store.customer_email, customer_id=real_store.customer_id, note="Payment failed: declined."
    )
    backdate(real_store, [guest, registered], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp, https=https)
    assert run(config, "run").exit_code == 0
    by_order = {order_of(m.message): m.message for m in smtp.messages}
    assert set(by_order) == {guest, registered}
    verify = str(real_store.ca_bundle) if https else True

    # A guest, a day later in another browser: the page asks for the order's email address, then shows the form.
    link = pay_link(by_order[guest])
    page = requests.get(link, timeout=30, verify=verify)
    assert page.status_code == 200
    (ask,) = [f for f in forms(page.text) if "woocommerce-verify-email" in f["class"]]
    assert "confirm your email address" in body_text(by_order[guest])
    answer = requests.post(
        ask["action"] or link, data={**ask["inputs"], "email": "guest.buyer@example.com", "verify": "1"}, timeout=30,
        verify=verify,
    )  # fmt: skip
    assert answer.status_code == 200
    (pay,) = [f for f in forms(answer.text) if f["id"] == "order_review"]
    assert "woocommerce_pay" in pay["inputs"] and "bacs" in answer.text

    # A registered customer: the page asks to log in first, as the email said.
    page = requests.get(pay_link(by_order[registered]), timeout=30, verify=verify)
    assert page.status_code == 200
    assert [f for f in forms(page.text) if "woocommerce-form-login" in f["class"]]
    assert "sign in to your account" in body_text(by_order[registered])


def test_a_read_only_key_sends_nothing_and_says_so(real_store: RealStore, smtp: SmtpServer, tmp_path: Path) -> None:
    order_id = create_order(real_store, "read.only@example.com")
    backdate(real_store, [order_id], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp, key=real_store.ro)

    result = run(config, "run")

    assert smtp.messages == []
    assert result.exit_code == 2
    assert "write permission" in result.stderr.lower()
    assert wcrecall_notes(real_store, order_id) == []
    doctor = run(config, "doctor")
    assert doctor.exit_code == 1
    assert "write permission" in doctor.stdout.lower()


@pytest.mark.parametrize("https", TRANSPORTS)
def test_doctor_passes_against_the_real_store(
    real_store: RealStore, smtp: SmtpServer, tmp_path: Path, https: bool
) -> None:
    config = write_config(tmp_path, real_store, smtp, https=https)

    result = run(config, "doctor")

    assert result.exit_code == 0, result.stdout + result.stderr
    assert not [line for line in result.stdout.splitlines() if line.lstrip().startswith("FAIL")]
    assert real_store.flavour.woocommerce in result.stdout


def test_audit_counts_what_the_store_database_counts(real_store: RealStore, smtp: SmtpServer, tmp_path: Path) -> None:
    plan = [("failed", "US"), ("failed", "DE"), ("pending", "DE"), ("processing", "US"), ("completed", "FR"),
            ("cancelled", "US"), ("failed", "FR"), ("on-hold", "DE")] * 4  # fmt: skip
    ids = bulk_orders(
        real_store, [(status, f"history.{i}@example.com", country) for i, (status, country) in enumerate(plan)]
    )
    # Spread over the last 60 days, one order per hour-and-a-bit so no two share a second.
    real_store.wp(
        "foreach (array(" + ",".join(map(str, ids)) + ") as $i => $id) { $o = wc_get_order($id); "
        "$o->set_date_created(time() - 86400 * (1 + ($i * 37) % 60) - $i * 71); $o->save(); }"
    )
    config = write_config(tmp_path, real_store, smtp)

    result = run(config, "audit", "--json", "--days", "90")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    if real_store.flavour.storage == "hpos":
        rows = real_store.sql(
            "SELECT o.status, a.country, COUNT(*) FROM wp_wc_orders o JOIN wp_wc_order_addresses a "
            "ON a.order_id = o.id AND a.address_type = 'billing' WHERE o.type = 'shop_order' "
            "AND o.date_created_gmt > UTC_TIMESTAMP() - INTERVAL 90 DAY GROUP BY o.status, a.country"
        )
    else:
        rows = real_store.sql(
            "SELECT p.post_status, m.meta_value, COUNT(*) FROM wp_posts p JOIN wp_postmeta m "
            "ON m.post_id = p.ID AND m.meta_key = '_billing_country' WHERE p.post_type = 'shop_order' "
            "AND p.post_date_gmt > UTC_TIMESTAMP() - INTERVAL 90 DAY GROUP BY p.post_status, m.meta_value"
        )
    statuses: dict[str, int] = {}
    by_country: dict[str, dict[str, int]] = {}
    for status, country, count in rows:
        status = status.removeprefix("wc-")
        statuses[status] = statuses.get(status, 0) + int(count)
        if status in ("failed", "pending"):
            by_country.setdefault(country, {"failed": 0, "pending": 0})[status] += int(count)
    assert sum(statuses.values()) == len(plan)
    assert data["orders"] == sum(statuses.values())
    assert data["statuses"] == statuses
    assert {c["country"]: {"failed": c["failed"], "pending": c["pending"]} for c in data["by_country"]} == by_country
