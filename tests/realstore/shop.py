"""What real-store tests do to a store and to wcrecall: orders through the store's REST API, time moved back in the
store's own data (a real store has a real clock), a wcrecall config for it, and wcrecall run as cron runs it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from e2e import SMTP_PASSWORD, Result, cli
from smtp_server import SmtpServer
from wpstore import Key, RealStore

DECLINED = "Payment failed: Your card was declined. Order status changed from Pending payment to Failed."
_TAG = re.compile(r"\[wcrecall step=(\d+) state=sent\]")


def write_config(
    tmp_path: Path, store: RealStore, smtp: SmtpServer, *, https: bool = False, key: Key | None = None, extra: str = ""
) -> Path:
    """A wcrecall config for the real store: over http (OAuth) or over the TLS front (Basic auth, `store.ca_bundle`
    with the store's private CA), mail to the test SMTP server, quiet hours off (the real clock decides the hour)."""
    key = key or store.rw
    url = store.https_url if https else store.url
    tls = f'ca_bundle = "{store.ca_bundle}"\n' if https else ""
    text = (
        f'[store]\nurl = "{url}"\nconsumer_key = "{key.key}"\nconsumer_secret = "{key.secret}"\ntimeout = 30\n{tls}\n'
        f'[mail]\ntransport = "smtp"\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        f'username = "shop"\npassword = "{SMTP_PASSWORD}"\nfrom = "Example Shop <shop@example.com>"\n\n'
        '[brand]\nstore_name = "Example Shop"\nsupport_email = "help@example.com"\n\n'
        '[regional]\nquiet_hours = "off"\n\n'
        f'[state]\npath = "{tmp_path / "shop.state.json"}"\n' + extra
    )
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def run(config: Path, *args: str, later: timedelta = timedelta(0)) -> Result:
    """`wcrecall <args>` as cron runs it, at the real time (plus `later`, to see what a later tick would do; the
    store still signs and checks with the real clock)."""
    return cli(list(args), config=config, now=datetime.now(UTC) + later)


def billing(email: str, *, country: str = "US", state: str = "NY") -> dict[str, str]:
    return {
        "first_name": "Jamie",
        "last_name": "Buyer",
        "email": email,
        "address_1": "1 Main Street",
        "city": "Springfield",
        "postcode": "10001",
        "country": country,
        "state": state,
    }


def create_order(store: RealStore, email: str, *, status: str = "failed", note: str = DECLINED, **fields: Any) -> int:
    """An order created through the store's REST API (one mug), with the gateway's failure note when failed."""
    data = {
        "status": status,
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "billing": billing(email),
        "line_items": [{"product_id": store.product_id, "quantity": 1}],
        **fields,
    }
    answer = store.api().post("orders", data)
    assert answer.status_code == 201, answer.text[:500]
    order_id = int(answer.json()["id"])
    if status == "failed" and note:
        noted = store.api().post(f"orders/{order_id}/notes", {"note": note, "customer_note": False})
        assert noted.status_code == 201, noted.text[:500]
    return order_id


def bulk_orders(store: RealStore, orders: list[tuple[str, str, str]]) -> list[int]:
    """Many orders (status, billing email, billing country) made at once by WooCommerce's own order objects in one
    PHP process: what a REST batch does, without a request's overhead per order."""
    rows = ",".join(f"array('{status}', '{email}', '{country}')" for status, email, country in orders)
    out = store.wp(
        f"$ids = array(); $product = wc_get_product({store.product_id}); foreach (array({rows}) as $row) {{ "
        "$o = new WC_Order(); $o->set_created_via('rest-api'); $o->set_currency('USD'); "
        "$o->set_billing_email($row[1]); $o->set_billing_country($row[2]); $o->set_billing_first_name('Jamie'); "
        "$o->add_product($product, 1); $o->calculate_totals(); $o->set_status($row[0]); $ids[] = $o->save(); } "
        "echo implode(',', $ids);"
    )
    return [int(i) for i in out.strip().split(",")]


def backdate(store: RealStore, order_ids: list[int], ago: timedelta, *, modified: bool = False) -> None:
    """Move the orders' creation (and with `modified`, their last change) `ago` into the past, through
    WooCommerce's own order objects, as if they had been placed then. Without `modified` the save is a change now.

    With posts storage WordPress stamps every post update with the current time, whatever the order object says, so
    there the last change is written to the post row directly (as the store would have written it back then)."""
    moment = int((datetime.now(UTC) - ago).timestamp())
    php = f"$o = wc_get_order($id); $o->set_date_created({moment});"
    if modified:
        php += f" $o->set_date_modified({moment});"
    php += " $o->save();"
    if modified and store.flavour.storage == "posts":
        php += (
            f" global $wpdb; $gmt = gmdate('Y-m-d H:i:s', {moment}); $wpdb->update($wpdb->posts, "
            "array('post_modified_gmt' => $gmt, 'post_modified' => get_date_from_gmt($gmt)), array('ID' => $id));"
            " clean_post_cache($id);"
        )
    store.wp(f"foreach (array({','.join(map(str, order_ids))}) as $id) {{ {php} }}")


def set_status(store: RealStore, order_id: int, status: str) -> None:
    """Change the order's status inside WordPress, as a payment or an admin does."""
    store.wp(f"wc_get_order({order_id})->update_status('{status}');")


def wcrecall_notes(store: RealStore, order_id: int) -> list[dict[str, Any]]:
    """The order's notes written by wcrecall, as the REST API shows them."""
    answer = store.api().get(f"orders/{order_id}/notes")
    assert answer.status_code == 200, answer.text[:300]
    return [n for n in answer.json() if str(n.get("note", "")).startswith("wcrecall:")]


def order_of(message: Any) -> int:
    """The order a reminder is about, from the Message-ID wcrecall gives each step."""
    match = re.search(r"<wcrecall\.(\d+)\.", str(message["Message-ID"]))
    assert match, message["Message-ID"]
    return int(match.group(1))


def sent_per_order(smtp: SmtpServer) -> Counter[int]:
    """How many reminders reached the SMTP server per order."""
    return Counter(order_of(received.message) for received in smtp.messages)


def body_text(smtp_message: Any) -> str:
    part = smtp_message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def sent_steps(notes: list[dict[str, Any]]) -> list[int]:
    return [int(m.group(1)) for n in notes for m in _TAG.finditer(str(n.get("note", "")))]
