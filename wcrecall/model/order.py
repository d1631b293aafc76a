"""The order as wcrecall sees it: a typed, validated view of a WooCommerce REST v3 order.

Everything here comes from the store and is treated as hostile: names may carry HTML or header text, numbers may be
missing or malformed. `parse_order` never raises anything but `BadOrder`, whose message is the reason the order is
skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from wcrecall.model.address import is_valid_address
from wcrecall.model.errors import BadOrder

# Statuses in which WooCommerce accepts a payment (`woocommerce_valid_order_statuses_for_payment`, class-wc-order.php).
PAYABLE_STATUSES = frozenset({"pending", "failed"})
PAID_STATUSES = frozenset({"processing", "completed", "on-hold"})
CLOSED_STATUSES = frozenset({"cancelled", "refunded", "trash", "checkout-draft"})

# The fields wcrecall reads; sent as `_fields` so the store does not build and ship the rest.
ORDER_FIELDS = (
    "id",
    "number",
    "status",
    "currency",
    "total",
    "customer_id",
    "billing",
    "payment_method",
    "payment_method_title",
    "created_via",
    "cart_hash",
    "customer_ip_address",
    "date_created_gmt",
    "date_modified_gmt",
    "date_paid_gmt",
    "needs_payment",
    "payment_url",
    "line_items",
    "meta_data",
    # Polylang for WooCommerce keeps the order language in a taxonomy and exposes it as a top-level `lang`
    # field (polylang-wc include/rest-order.php); other plugins leave order meta. Absent fields are simply not sent.
    "lang",
)

# Totals this large are no shop's (WooCommerce keeps amounts as DECIMAL(26,8)) and break decimal arithmetic.
MAX_TOTAL = Decimal("1e28")

# A person's name: letters and combining marks of any script, spaces, and the few marks names carry (apostrophes,
# hyphens, the dot of an initial, the middle dots of Catalan and Japanese). Anything else (digits, @, URLs, list and
# markup characters, emoji, format characters) makes it text that is not a name: a guest can type anything there,
# and the shop would print it in its own greeting and in To: ("Hi Call +1-555 to claim your refund https://...").
NAME_MAX_CHARS = 60
NAME_MAX_WORDS = 6
_NAME_MARKS = frozenset("'\u2019\u02bc\u02bb-\u2010\u2011.\u00b7\u30fb")  # apostrophes, hyphens, dot, middle dots
# A dot ends an initial ("J. R.", "J.R.") and never joins two words ("evil.example", "t.co").
_NAME_DOT_RE = re.compile(r"\.(?!$|\s|\w\.)")


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: int
    total: Decimal


@dataclass(frozen=True)
class Order:
    id: int
    number: str
    status: str
    currency: str
    total: Decimal
    customer_id: int
    email: str  # billing email as given (may be invalid; see `valid_email`)
    first_name: str  # "" unless it looks like a name (`person_name`)
    last_name: str
    country: str
    state: str
    payment_method: str
    payment_method_title: str
    created_via: str
    cart_hash: str
    customer_ip: str
    date_created: datetime  # aware, UTC
    date_modified: datetime  # aware, UTC
    date_paid: datetime | None
    needs_payment: bool
    payment_url: str
    line_items: tuple[LineItem, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def valid_email(self) -> bool:
        return is_valid_email(self.email)

    @property
    def email_key(self) -> str:
        """The email as used for grouping buyers (`normalize_email`)."""
        return normalize_email(self.email)

    @property
    def is_guest(self) -> bool:
        return self.customer_id == 0

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES or self.date_paid is not None and self.status not in PAYABLE_STATUSES


def is_valid_email(email: str) -> bool:
    """True if `email` is a usable single address: the product's one rule (model/address.py), so an order whose
    address passes here is one the mail builder can send to as written. WooCommerce's own is_email() at checkout is
    laxer."""
    return is_valid_address(email)


def normalize_email(email: str) -> str:
    """The form in which two spellings of one address compare equal (suppression, `forget`, grouping a buyer's
    orders): trimmed, lower-case, the domain without a trailing dot and in its ASCII (IDNA) form, so `Ana@Bücher.example`
    and `ana@xn--bcher-kva.example` are one buyer."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return email.strip().lower()
    return f"{local.lower()}@{ascii_domain(domain)}"


def ascii_domain(domain: str) -> str:
    """A domain or host as two spellings of it compare equal: lower-case, no trailing dot, in its ASCII (IDNA) form;
    one that is not a valid international name stays as written (and so matches no real one)."""
    domain = domain.rstrip(".").lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return domain


def person_name(text: str) -> str:
    """`text` (spaces collapsed, NFC) when it looks like a person's name, else "": the greeting and To: then go
    without a name. One rule for every name wcrecall prints."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name or len(name) > NAME_MAX_CHARS or len(name.split(" ")) > NAME_MAX_WORDS:
        return ""
    letters = 0
    for char in name:
        kind = unicodedata.category(char)
        if kind[0] == "L":
            letters += 1
        elif kind[0] != "M" and char != " " and char not in _NAME_MARKS:
            return ""
    if not letters or _NAME_DOT_RE.search(name):
        return ""
    return name


def parse_gmt(value: Any, what: str, *, required: bool = True) -> datetime | None:
    """Parse WooCommerce's naive `*_gmt` timestamp (`YYYY-MM-DDTHH:MM:SS`, UTC) into an aware datetime."""
    if value in (None, ""):
        if required:
            raise BadOrder(f"{what} is missing")
        return None
    if not isinstance(value, str):
        raise BadOrder(f"{what} is not a date: {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        raise BadOrder(f"{what} is not a date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_gmt(moment: datetime) -> str:
    """The naive UTC form WooCommerce expects with `dates_are_gmt=true`."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def _text(value: Any, limit: int = 500) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        return ""
    return str(value)[:limit]


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadOrder(f"{what} is not a number: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise BadOrder(f"{what} is not a finite number")
    return amount


def _total(value: Any) -> Decimal:
    amount = _money(value, "total")
    if abs(amount) >= MAX_TOTAL:
        raise BadOrder(f"total is out of range: {str(value)[:40]!r}")
    return amount


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_order(raw: Any) -> Order:
    """Build an `Order` from one element of `GET /orders`; raise `BadOrder` naming what is unusable."""
    if not isinstance(raw, dict):
        raise BadOrder("order is not an object")
    order_id = _int(raw.get("id"), -1)
    if order_id <= 0:
        raise BadOrder("order has no id")
    billing = _dict(raw.get("billing"))
    items: list[LineItem] = []
    line_items = raw.get("line_items")
    for item in line_items if isinstance(line_items, list) else []:
        item = _dict(item)
        try:
            item_total = _money(item.get("total", "0"), "line item total")
        except BadOrder:
            item_total = Decimal(0)
        items.append(
            LineItem(name=_text(item.get("name"), 300), quantity=_int(item.get("quantity"), 1), total=item_total)
        )
    meta: dict[str, str] = {}
    meta_data = raw.get("meta_data")
    for entry in meta_data if isinstance(meta_data, list) else []:
        entry = _dict(entry)
        key = entry.get("key")
        if isinstance(key, str) and isinstance(entry.get("value"), (str, int, float)):
            meta[key] = str(entry["value"])[:200]
    if isinstance(raw.get("lang"), str) and raw["lang"]:
        meta.setdefault("lang", raw["lang"][:20])
    currency = _text(raw.get("currency"), 10).strip().upper()
    return Order(
        id=order_id,
        number=_text(raw.get("number"), 40) or str(order_id),
        status=_text(raw.get("status"), 40),
        currency=currency,
        total=_total(raw.get("total")),
        customer_id=max(_int(raw.get("customer_id")), 0),
        email=_text(billing.get("email"), 320).strip(),
        first_name=person_name(_text(billing.get("first_name"), 200)),
        last_name=person_name(_text(billing.get("last_name"), 200)),
        country=_text(billing.get("country"), 2).upper(),
        state=_text(billing.get("state"), 40).upper(),
        payment_method=_text(raw.get("payment_method"), 100),
        payment_method_title=_text(raw.get("payment_method_title"), 200),
        created_via=_text(raw.get("created_via"), 40),
        cart_hash=_text(raw.get("cart_hash"), 64),
        customer_ip=_text(raw.get("customer_ip_address"), 64),
        date_created=parse_gmt(raw.get("date_created_gmt"), "date_created_gmt"),  # type: ignore[arg-type]
        date_modified=parse_gmt(raw.get("date_modified_gmt"), "date_modified_gmt", required=False)
        or parse_gmt(raw.get("date_created_gmt"), "date_created_gmt"),  # type: ignore[arg-type]
        date_paid=parse_gmt(raw.get("date_paid_gmt"), "date_paid_gmt", required=False),
        needs_payment=raw.get("needs_payment") is True,
        payment_url=_text(raw.get("payment_url"), 2000),
        line_items=tuple(items),
        meta=meta,
    )


def mask_email(email: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`, for display and notes."""
    local, _, domain = email.strip().rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"
