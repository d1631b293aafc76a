"""End to end through the CLI against the Magento sandbox (REST with the integration's OAuth signature, order
comments, the hourly cron that cancels pending-payment orders) and the real SMTP test server, both on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from e2e import NOW, SMTP_PASSWORD, cli
from smtp_server import SmtpServer

from wcrecall.sandbox.magento import FULL_INTEGRATION, NOCOMMENT_INTEGRATION, Integration, MagentoSandbox
from wcrecall.sandbox.magento.generate import BUYERS, PRODUCTS, Buyer, add, build_order, gateway_comments

DE, FR, GB = BUYERS[1], BUYERS[2], BUYERS[9]  # buyers whose daytime NOW is (no quiet hours)
GB2 = Buyer(
    "Amelia", "Hughes", "amelia.hughes@example.co.uk", "GB", "Leeds", "LS1 1UR", "1 Park Row", "+44 113 496 0000"
)


@pytest.fixture
def magento() -> Iterator[MagentoSandbox]:
    with MagentoSandbox(now=NOW) as store:
        yield store


def config_for(
    tmp_path: Path, store: MagentoSandbox, smtp: SmtpServer, *, key: Integration = FULL_INTEGRATION, magento: str = ""
) -> Path:
    text = (
        f'[store]\nplatform = "magento"\nurl = "{store.url}"\nconsumer_key = "{key.consumer_key}"\n'
        f'consumer_secret = "{key.consumer_secret}"\naccess_token = "{key.access_token}"\n'
        f'access_token_secret = "{key.token_secret}"\ntimeout = 5\n\n'
        f'[mail]\ntransport = "smtp"\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        f'username = "shop"\npassword = "{SMTP_PASSWORD}"\nfrom = "Example Shop <shop@example.com>"\n\n'
        '[brand]\nstore_name = "Example Shop"\nsupport_email = "help@example.com"\n\n'
        f'[state]\npath = "{(tmp_path / "shop.state.json").as_posix()}"\n'
        + (f"\n[magento]\n{magento}\n" if magento else "")
    )
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def order(
    store: MagentoSandbox,
    buyer: int | object,
    *,
    method: str = "stripe_payments",
    minutes_ago: float = 45,
    status: str = "pending_payment",
    failure: str | None = "declined",
    cancel: bool = False,
    customer_id: int | None = None,
) -> int:
    """An order placed `minutes_ago` before the store's clock; with `failure`, the gateway's comments 2 minutes
    later (which update it), and with `cancel` the extension's cancel after them."""
    who = BUYERS[buyer] if isinstance(buyer, int) else buyer
    now = store.now()
    created = now - timedelta(minutes=minutes_ago)
    store.set_now(created)
    oid = add(store, build_order(store, who, [(PRODUCTS[0], 1)], method=method, created=created, status=status,
                                 customer_id=customer_id))  # type: ignore[arg-type]  # fmt: skip
    if failure:
        store.set_now(created + timedelta(minutes=2))
        for text in gateway_comments(method, f"{oid:06d}E2E", failure):
            store.add_comment(oid, text)
        if cancel:
            store.cancel(oid)
        else:
            store.update_order(oid, updated_at=store.now().strftime("%Y-%m-%d %H:%M:%S"))
    store.set_now(now)
    return oid


def ours(store: MagentoSandbox, oid: int) -> list[dict[str, object]]:
    return [c for c in store.comments_of(oid) if str(c["comment"]).startswith("wcrecall:")]


def html_of(smtp: SmtpServer, rcpt: str) -> str:
    found = [m for m in smtp.messages if list(m.rcpt_tos) == [rcpt]]
    assert len(found) == 1, [m.rcpt_tos for m in smtp.messages]
    return str(found[0].message.get_body(("html",)).get_content())  # type: ignore[union-attr]


def test_loop_mails_writes_private_comments_and_stops_when_paid(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    """A pending-payment order and a cancel after a refused payment are mailed, each with one private comment (both
    flags 0, no status change); a merchant's cancel, a paid order and one under review are not; paying stops it."""
    pending = order(magento, DE, method="stripe_payments")
    refused = order(magento, FR, method="adyen_cc", minutes_ago=120, failure="declined", cancel=True)
    merchant = order(magento, GB, method="checkmo", minutes_ago=120, status="pending", failure=None)
    magento.add_comment(merchant, "Customer asked by phone to cancel.")
    magento.cancel(merchant)
    paid = order(magento, BUYERS[7], method="paypal_express", minutes_ago=120, failure=None)
    magento.pay(paid)
    review = order(magento, BUYERS[6], method="paypal_express", minutes_ago=120, status="payment_review", failure=None)
    config = config_for(tmp_path, magento, smtp)

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted([DE.email, FR.email])
    for oid in (pending, refused):
        (comment,) = ours(magento, oid)
        assert comment["is_customer_notified"] == 0 and comment["is_visible_on_front"] == 0
        assert "reminder 1 of" in str(comment["comment"])
    assert magento.order_json(pending)["status"] == "pending_payment"  # type: ignore[index]
    assert magento.order_json(refused)["status"] == "canceled"  # type: ignore[index]
    for oid in (merchant, paid, review):
        assert ours(magento, oid) == []
    assert "/sales/guest/form/" in html_of(smtp, DE.email)  # reorder: guests look their order up
    assert magento.request_log and not any(r.cookie for r in magento.request_log)  # PHPSESSID never sent back

    preview = cli(["preview", str(refused), "--step", "2"], config=config, now=NOW)  # what run will send next
    assert preview.exit_code == 0, preview.stderr
    assert "/sales/guest/form/" in preview.stdout

    magento.pay(pending)
    magento.advance(timedelta(days=1))
    again = cli(["run"], config=config, now=NOW + timedelta(days=1))
    assert again.exit_code == 0, again.stderr
    assert [m.rcpt_tos[0] for m in smtp.messages].count(DE.email) == 1  # paid: no second reminder
    assert [m.rcpt_tos[0] for m in smtp.messages].count(FR.email) == 2  # the refused one goes on


def test_first_reminder_goes_before_the_lifetime_cancels_the_order(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    """With a 60-minute lifetime the first reminder goes halfway (30 min after the order's last update), then the
    cron cancels the order at the first full hour past its lifetime and no further reminder follows."""
    magento.set_lifetime(60)
    oid = order(magento, GB, minutes_ago=5, failure=None)
    updated = NOW - timedelta(minutes=5)
    config = config_for(tmp_path, magento, smtp, magento='pending_lifetime = "60m"')
    sent_at: datetime | None = None
    now = NOW
    while now <= NOW + timedelta(hours=6):
        result = cli(["run"], config=config, now=now)
        assert result.exit_code == 0, result.stderr
        if sent_at is None and smtp.messages:
            sent_at = now
        magento.advance(timedelta(minutes=10))
        now += timedelta(minutes=10)
    assert sent_at is not None
    assert sent_at - updated <= timedelta(minutes=35)
    assert magento.order_json(oid)["status"] == "canceled"  # type: ignore[index]
    assert len(smtp.messages) == 1
    html = html_of(smtp, GB.email)
    assert "cancelled automatically" in html  # the email says when the order is cancelled


@pytest.mark.parametrize(
    ("pay_link", "expected"),
    [
        ("reorder", "{url}/sales/order/history/?utm_source=wcrecall"),  # a customer: their account's order list
        ("template:https://127.0.0.1/mollie/checkout/secondChance/?order={increment_id}", "order=000000001"),
    ],
)
def test_pay_link_kinds(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer, pay_link: str, expected: str
) -> None:
    oid = order(magento, GB, customer_id=7)
    config = config_for(tmp_path, magento, smtp, magento=f'pay_link = "{pay_link}"')
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert oid == 1
    assert expected.format(url=magento.url).replace("&", "&amp;") in html_of(smtp, GB.email)
    if pay_link.startswith("template:"):  # the extension's link pays this very order: the usual wording
        html_text, text = parts_of(smtp, GB.email)
        assert "Pay for your order" in html_text and "Pay for your order:" in text and "new order" not in text
    assert magento.order_json(oid)["protect_code"] not in html_of(smtp, GB.email)  # type: ignore[index]


def parts_of(smtp: SmtpServer, rcpt: str) -> tuple[str, str]:
    """The HTML part (tags dropped, spaces squeezed) and the text part of the one message to `rcpt`."""
    (found,) = [m for m in smtp.messages if list(m.rcpt_tos) == [rcpt]]
    html = str(found.message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    text = str(found.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()), " ".join(text.split())


def test_reorder_email_says_it_makes_a_new_order(tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer) -> None:
    """`reorder` cannot pay this order: the button opens the order, the email says ordering again makes a new order
    and this one stays unpaid, and tells a guest what the lookup form asks; it never promises to pay this order."""
    guest = order(magento, GB)
    customer = order(magento, GB2, customer_id=7)
    config = config_for(tmp_path, magento, smtp)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    for buyer in (GB, GB2):
        for part in parts_of(smtp, buyer.email):
            assert "Open your order" in part and "Pay for your order" not in part
            assert "order the same items again. That places a new order; this one stays unpaid." in part
            assert "pay for it with the" not in part
    guest_html, guest_text = parts_of(smtp, GB.email)
    lookup = "asks for your order number (000000001), the last name on your billing address and your email address"
    assert lookup in guest_html and lookup in guest_text
    customer_html, _text = parts_of(smtp, GB2.email)
    assert "sign in to your account" in customer_html and "asks for your order number" not in customer_html
    assert all(len(ours(magento, oid)) == 1 for oid in (guest, customer))


def test_pay_link_none_sends_the_email_with_a_contact_line_and_no_link(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    """`none` is a kind of its own: the reminder goes without a button or pay link, with a line to reply or write to
    the store's contact address; the order gets its private comment and the next run goes on with step 2."""
    oid = order(magento, GB)
    config = config_for(tmp_path, magento, smtp, magento='pay_link = "none"')
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    html_text, text = parts_of(smtp, GB.email)
    contact = "reply to this email or contact us at help@example.com and we will help you complete the payment"
    assert contact in html_text and contact in text
    raw_html = html_of(smtp, GB.email)
    assert magento.url not in raw_html and magento.url not in text and "utm_source" not in raw_html + text
    assert "Pay for your order" not in html_text + text and "button below" not in html_text
    (comment,) = ours(magento, oid)
    assert "reminder 1 of" in str(comment["comment"])
    preview = cli(["preview", str(oid), "--step", "2"], config=config, now=NOW)
    assert preview.exit_code == 0, preview.stderr
    assert "help@example.com" in preview.stdout


def test_key_without_comment_permission_sends_nothing(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    oid = order(magento, DE)
    config = config_for(tmp_path, magento, smtp, key=NOCOMMENT_INTEGRATION)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2
    assert "Magento_Sales::comment" in result.stderr
    assert NOCOMMENT_INTEGRATION.token_secret not in result.stderr + result.stdout
    assert smtp.messages == [] and ours(magento, oid) == []


def test_hostile_comments_and_names_stay_text(tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer) -> None:
    oid = order(magento, DE)
    magento.update_order(oid, customer_firstname='<img src=x onerror="alert(1)">',
                         customer_lastname="Evil\r\nBcc: victim@example.com")  # fmt: skip
    magento.order_json(oid)
    magento.orders[oid]["billing_address"].update(firstname='<img src=x onerror="alert(1)">', lastname="Evil")
    magento.add_comment(oid, "<script>alert('x')</script>\r\nX-Injected: 1 Payment failed: Your card was declined.")
    config = config_for(tmp_path, magento, smtp)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    (received,) = smtp.messages
    assert list(received.rcpt_tos) == [DE.email]
    raw = received.message.as_string()
    assert "victim@example.com" not in raw and "X-Injected" not in raw
    assert "<img" not in raw and "<script" not in raw
    explained = cli(["explain", str(oid)], config=config, now=NOW)
    assert explained.exit_code == 0, explained.stderr
    assert "<script" not in explained.stdout


def test_doctor_reports_lifetime_permission_and_pay_link_fit(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    order(magento, DE, method="stripe_payments")
    order(magento, FR, method="checkmo", status="pending", failure=None)
    config = config_for(tmp_path, magento, smtp, magento='pay_link = "template:https://127.0.0.1/pay/{increment_id}"')
    result = cli(["doctor"], config=config, now=NOW)
    out = " ".join(result.stdout.split())  # lines are wrapped to the terminal
    assert re.search(r"pending lifetime.*480 min.*magento\.pending_lifetime", out), out
    assert re.search(r"write comments.*can add order comments", out), out
    fit = out.split("WARN pay link:", 1)[1].split(" OK ", 1)[0]
    assert "stripe_payments (1): reorder" in fit and "checkmo (1): not reminded" in fit
    assert "magento.pay_link = template" in fit and "fits stripe_payments" in fit
    assert magento.count("POST", "/V1/orders/:id/comments") == 1
    assert all(ours(magento, oid) == [] for oid in magento.orders)  # the permission probe wrote nothing

    readonly = config_for(tmp_path, magento, smtp, key=NOCOMMENT_INTEGRATION)
    denied = cli(["doctor"], config=readonly, now=NOW)
    assert denied.exit_code != 0
    assert re.search(r"write comments: the integration may not add order comments", " ".join(denied.stdout.split()))


def test_demo_on_the_magento_sandbox(tmp_path: Path) -> None:
    outbox = tmp_path / "demo-outbox"
    result = cli(["demo", "--platform", "magento", "--days", "2", "--outbox", str(outbox)], config=None, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert "Sandbox Magento store" in result.stdout
    assert len(list(outbox.glob("*.eml"))) >= 3
    paid = re.search(r"buyer of order #(\d+) pays", result.stdout)
    assert paid is not None
    assert re.search(r"recalls: \d+ open, [1-9]\d* recovered \(", result.stdout)


def test_an_order_updated_while_the_sync_pages_hides_no_other(magento: MagentoSandbox) -> None:
    """The listing is in entity_id order (filtered by updated_at): an order updated between two pages keeps its place,
    so no order slides from the unread page into the read one (sorted by updated_at it would, and be missed)."""
    from wcrecall.config.magento import MagentoSettings
    from wcrecall.config.settings import StoreSettings
    from wcrecall.store.magento.client import MagentoStore

    for n in range(150):
        order(magento, n % len(BUYERS), minutes_ago=300 - n, failure=None)
    key = FULL_INTEGRATION
    settings = StoreSettings(url=magento.url, platform="magento", consumer_key=key.consumer_key,
                             consumer_secret=key.consumer_secret, access_token=key.access_token,
                             access_token_secret=key.token_secret)  # fmt: skip
    store = MagentoStore(settings, MagentoSettings())
    seen: list[int] = []
    with store.session():
        pages = store.changed_orders(NOW - timedelta(hours=6))
        first = next(pages)
        seen += [o["id"] for o in first.orders]
        magento.update_order(seen[0], updated_at=NOW.strftime("%Y-%m-%d %H:%M:%S"))  # the buyer came back
        for page in pages:
            seen += [o["id"] for o in page.orders]
    assert set(seen) == set(range(1, 151))


def test_audit_refuses_and_report_goes_without_the_store_on_magento(
    tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer
) -> None:
    """audit reads WooCommerce's order history: on Magento it stops up front (exit 2) naming what to use instead, and
    asks the store nothing. report shows the recalls from the state without the store's natural baseline, and says so."""
    order(magento, GB)
    config = config_for(tmp_path, magento, smtp)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    magento.request_log.clear()

    audit = cli(["audit"], config=config, now=NOW)
    assert audit.exit_code == 2
    assert "audit reads WooCommerce stores only for now" in audit.stderr and "wcrecall status" in audit.stderr
    assert "not found" not in audit.stderr
    assert magento.request_log == []

    report = cli(["report", "--json"], config=config, now=NOW)
    assert report.exit_code == 0, report.stderr
    assert "natural-recovery baseline reads WooCommerce stores only for now" in report.stderr
    funnel = {row["stage"]: row["count"] for row in json.loads(report.stdout)["funnel"]}
    assert funnel["recalls opened"] == 1 and funnel["reminder 1 sent"] == 1
    assert magento.request_log == []


def test_offline_pending_orders_are_not_reminded(tmp_path: Path, magento: MagentoSandbox, smtp: SmtpServer) -> None:
    """A `pending` order paid by bank transfer, cheque or on delivery awaits the buyer's own payment (WooCommerce puts
    these on hold): no reminder and no comment, while a card order left in pending_payment is mailed. doctor says
    the same of those methods."""
    offline = {
        method: order(magento, buyer, method=method, status="pending", failure=None, minutes_ago=90)
        for method, buyer in (("checkmo", DE), ("banktransfer", FR), ("cashondelivery", BUYERS[7]))
    }
    card = order(magento, GB)
    config = config_for(tmp_path, magento, smtp)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert [list(m.rcpt_tos) for m in smtp.messages] == [[GB.email]]
    assert len(ours(magento, card)) == 1
    assert all(ours(magento, oid) == [] for oid in offline.values())
    doctor = " ".join(cli(["doctor"], config=config, now=NOW).stdout.split())
    for method in offline:
        assert f"{method} (1): not reminded" in doctor, doctor
