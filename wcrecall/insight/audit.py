"""`wcrecall audit`: what payment failures cost this store, from its own order history. Read-only.

Orders are streamed page by page (oldest first) and folded into counters; nothing per order is kept except, for
buyers with an unpaid order, one small open "episode" (when the failure happened, hashed buyer keys) until the
buyer pays or the recovery window passes. Memory therefore stays flat however many orders the store holds.

Natural recovery is measured per buyer episode: it starts at a failed or pending order; further unpaid orders of the
same buyer (same email, or same customer id) within the window join it (retries of one checkout); it counts as
recovered when the buyer places an order that is paid within the window after the episode started. Episodes that
started less than one window before the end of the period cannot be judged yet and are left out of the rate.
A failed order that was later paid itself carries no trace of the failure in its status, so it is not seen here: the
natural rate is, if anything, understated.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from wcrecall.insight.auditpage import to_html, to_text
from wcrecall.insight.recovery import NaturalRecovery, buyer_keys, share
from wcrecall.model.errors import BadOrder
from wcrecall.model.order import Order, format_gmt, parse_order
from wcrecall.model.progress import NoProgress, Progress

__all__ = [
    "AUDIT_FIELDS",
    "UNPAID_STATUSES",
    "AuditAggregator",
    "AuditOptions",
    "NaturalRecovery",
    "buyer_keys",
    "classify_recent",
    "order_stream",
    "projection",
    "run_audit",
    "to_html",
    "to_text",
    "week_of",
]

UNPAID_STATUSES = ("failed", "pending")

# What the audit reads of each order; everything else stays on the store.
AUDIT_FIELDS = (
    "id",
    "status",
    "currency",
    "total",
    "customer_id",
    "billing.email",
    "billing.country",
    "payment_method",
    "payment_method_title",
    "date_created_gmt",
    "date_paid_gmt",
)

# Projection defaults. No public benchmark measures reminders for one-off orders whose payment failed, so the
# closest published figures are used: SaleCycle's remarketing statistics (2019) put the conversion rate of
# abandoned-cart emails at about 2.6% when sent more than 24 hours later and about 5.2% when sent within 20 minutes.
# A buyer whose payment failed was further along than one who abandoned a cart, so the range is conservative.
DEFAULT_RATE_LOW = 0.026
DEFAULT_RATE_HIGH = 0.052
RATE_SOURCE = (
    "SaleCycle remarketing statistics (2019): abandoned-cart emails convert about 2.6% when sent after 24 h and "
    "about 5.2% within 20 minutes; used as a proxy, no public benchmark exists for failed-payment reminders"
)


def week_of(moment: datetime) -> str:
    """The Monday (UTC) of the week `moment` falls in, as YYYY-MM-DD."""
    day = moment.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


@dataclass
class AuditAggregator:
    """Folds a stream of orders into the audit's figures. Pure: no I/O, no clock."""

    start: datetime
    end: datetime
    classify_limit: int = 300
    window: timedelta = timedelta(days=7)
    orders: int = 0
    skipped: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    unpaid_value: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    unpaid_count: Counter[str] = field(default_factory=Counter)  # per currency
    methods: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    countries: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    country_value: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    weeks: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    titles: dict[str, str] = field(default_factory=dict)  # payment method id -> the store's checkout title
    unreachable: int = 0
    first: datetime | None = None  # the oldest order read: a store younger than the period covers less of it
    natural: NaturalRecovery = field(init=False)
    recent: deque[tuple[int, str, str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.natural = NaturalRecovery(self.window)
        self.recent = deque(maxlen=max(0, self.classify_limit))

    def add(self, order: Order) -> None:
        self.orders += 1
        if self.first is None or order.date_created < self.first:
            self.first = order.date_created
        self.statuses[order.status] += 1
        week = self.weeks[week_of(order.date_created)]
        week[0] += 1
        method = self.methods[order.payment_method or "(none)"]
        method[0] += 1
        if order.payment_method and order.payment_method_title:
            self.titles[order.payment_method] = order.payment_method_title
        at = order.date_created.timestamp()
        if order.status in UNPAID_STATUSES:
            week[1 if order.status == "failed" else 2] += 1
            method[1] += 1
            country = order.country or "(none)"
            self.countries[country][order.status] += 1
            self.unpaid_value[(order.status, order.currency)] += order.total
            self.unpaid_count[order.currency] += 1
            self.country_value[(country, order.currency)] += order.total
            if not order.valid_email:
                self.unreachable += 1
            self.recent.append((order.id, order.status, order.payment_method, week_of(order.date_created)))
            self.natural.failure(buyer_keys(order), at)
        elif order.is_paid:
            self.natural.paid(buyer_keys(order), at)

    def result(self, classes: Mapping[int, str], *, rate_low: float, rate_high: float) -> dict[str, Any]:
        """The figures as plain data (what `--json` prints and the tables and charts show)."""
        failed, pending = self.statuses.get("failed", 0), self.statuses.get("pending", 0)
        unpaid = failed + pending
        currencies = sorted({cur for _, cur in self.unpaid_value})
        value = {
            cur: {
                "failed": _money(self.unpaid_value.get(("failed", cur), Decimal(0))),
                "pending": _money(self.unpaid_value.get(("pending", cur), Decimal(0))),
                "total": _money(sum((v for (_, c), v in self.unpaid_value.items() if c == cur), Decimal(0))),
                "orders": self.unpaid_count[cur],
            }
            for cur in currencies
        }
        class_counts: Counter[str] = Counter()
        class_weeks: dict[str, Counter[str]] = defaultdict(Counter)
        for order_id, _status, _method, week in self.recent:
            cls = classes.get(order_id)
            if cls is not None:
                class_counts[cls] += 1
                class_weeks[week][cls] += 1
        classified = sum(class_counts.values())
        natural = self.natural.result(self.end.timestamp())
        days = max((self.end - self.start).total_seconds() / 86400, 1e-9)
        # Per month over the days the orders cover: 20 orders of the last two weeks read with --days 365 are not a
        # year's worth (the monthly figures read a quarter of the truth with --days 365 before).
        since = max(self.start, self.first) if self.first is not None else self.start
        covered = min(days, max((self.end - since).total_seconds() / 86400, 1.0))
        return {
            "period": {
                "start": format_gmt(self.start),
                "end": format_gmt(self.end),
                "days": round(days, 2),
                "covered_days": round(covered, 2),
            },
            "orders": self.orders,
            "skipped_orders": self.skipped,
            "statuses": dict(sorted(self.statuses.items())),
            "unpaid": {
                "failed": failed,
                "pending": pending,
                "total": unpaid,
                "share": share(unpaid, self.orders),
                "failed_share": share(failed, self.orders),
                "pending_share": share(pending, self.orders),
                "value": value,
                "unreachable": self.unreachable,
            },
            "by_payment_method": [
                {
                    "method": m,
                    "title": self.titles.get(m, ""),
                    "orders": c[0],
                    "unpaid": c[1],
                    "share": share(c[1], c[0]),
                }
                for m, c in sorted(self.methods.items(), key=lambda kv: (-kv[1][1], kv[0]))
            ],
            "by_country": [
                {
                    "country": country,
                    "failed": counts.get("failed", 0),
                    "pending": counts.get("pending", 0),
                    "value": {cur: _money(v) for (c, cur), v in sorted(self.country_value.items()) if c == country},
                }
                for country, counts in sorted(self.countries.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
            ],
            "by_week": [
                {
                    "week": week,
                    "orders": c[0],
                    "failed": c[1],
                    "pending": c[2],
                    "classes": dict(sorted(class_weeks.get(week, Counter()).items())),
                }
                for week, c in sorted(self.weeks.items())
            ],
            "classes": {
                "sampled": len(self.recent),
                "classified": classified,
                "counts": dict(class_counts.most_common()),
            },
            "natural_recovery": natural,
            "projection": projection(
                unpaid_orders=unpaid,
                unreachable=self.unreachable,
                natural_rate=natural["rate"] or 0.0,
                value=value,
                unpaid_by_currency=dict(self.unpaid_count),
                days=covered,
                rate_low=rate_low,
                rate_high=rate_high,
            ),
        }


def projection(
    *,
    unpaid_orders: int,
    unreachable: int,
    natural_rate: float,
    value: Mapping[str, Mapping[str, Any]],
    unpaid_by_currency: Mapping[str, int],
    days: float,
    rate_low: float,
    rate_high: float,
) -> dict[str, Any]:
    """Orders and revenue per 30 days that reminders could win back on top of natural recovery, as a range.

    reachable unpaid orders per month x (1 - natural recovery rate) x reminder conversion rate; revenue uses the
    average unpaid order value of each currency.
    """
    per_month = 30 / days
    reachable = max(unpaid_orders - unreachable, 0)
    base = reachable * per_month * (1 - natural_rate)
    reach_share = reachable / unpaid_orders if unpaid_orders else 0.0
    revenue = {}
    for cur, amounts in value.items():
        count = unpaid_by_currency.get(cur, 0)
        if not count:
            continue
        average = Decimal(amounts["total"]) / count
        orders_cur = count * reach_share * per_month * (1 - natural_rate)
        revenue[cur] = {
            "low": _money(average * Decimal(str(orders_cur * rate_low))),
            "high": _money(average * Decimal(str(orders_cur * rate_high))),
            "average_order": _money(average),
        }
    return {
        "orders_per_month": {"low": round(base * rate_low, 1), "high": round(base * rate_high, 1)},
        "revenue_per_month": revenue,
        "assumptions": {
            "reachable_unpaid_orders_per_month": round(reachable * per_month, 1),
            "natural_recovery_rate": round(natural_rate, 4),
            "reminder_rate_low": rate_low,
            "reminder_rate_high": rate_high,
            "source": RATE_SOURCE,
            "formula": "reachable unpaid orders per 30 days x (1 - natural recovery rate) x reminder rate; revenue at "
            "the average unpaid order value",
        },
    }


# --------------------------------------------------------------------------------------------------------------------
# The streaming driver: the only part that talks to the store (through `wcrecall.store.client.Store`).


def order_stream(
    store: Any, *, start: datetime, end: datetime, fields: Iterable[str], progress: Progress
) -> Iterator[Any]:
    """Raw orders created in (start, end), oldest first, one page in memory at a time."""
    from wcrecall.store.client import PER_PAGE

    params = {
        "status": "any",
        "after": format_gmt(start),
        "before": format_gmt(end),
        # Without dates_are_gmt the store reads `after` in its own time zone (fixtures README, Dates).
        "dates_are_gmt": "true",
        "orderby": "date",
        "order": "asc",
        "per_page": PER_PAGE,
        "_fields": ",".join(fields),
    }
    for index, page in enumerate(store.iter_pages(params)):
        if index == 0:
            progress.begin("Reading orders", page.total)
        yield from page.orders
        progress.advance(len(page.orders))
    progress.end()


def classify_recent(store: Any, recent: Iterable[tuple[int, str, str, str]], progress: Progress) -> dict[int, str]:
    """Failure class of each (order id, status, payment method, week), from the order's notes: one request each."""
    from wcrecall.model.errors import StoreNotFound
    from wcrecall.plan.classify import classify_order
    from wcrecall.recall.notes import to_notes

    items = list(recent)
    classes: dict[int, str] = {}
    progress.begin("Reading order notes", len(items))
    for order_id, status, method, _week in items:
        try:
            notes = to_notes(store.get_notes(order_id))
        except StoreNotFound:  # deleted since it was listed
            progress.advance()
            continue
        classes[order_id] = classify_order(status=status, payment_method=method, notes=notes).failure_class
        progress.advance()
    progress.end()
    return classes


@dataclass(frozen=True, kw_only=True)
class AuditOptions:
    days: int = 90
    classify: int = 300
    window: timedelta = timedelta(days=7)
    rate_low: float = DEFAULT_RATE_LOW
    rate_high: float = DEFAULT_RATE_HIGH


def run_audit(
    settings: Any, *, now: datetime, options: AuditOptions, progress: Progress | None = None
) -> dict[str, Any]:
    """Stream the window's orders from the store and return the audit's figures. Sends and writes nothing."""
    from wcrecall.store.client import Store

    progress = progress or NoProgress()
    start = now - timedelta(days=options.days)
    agg = AuditAggregator(start=start, end=now, classify_limit=options.classify, window=options.window)
    store = Store(settings.store)
    with store.session():
        for raw in order_stream(store, start=start, end=now, fields=AUDIT_FIELDS, progress=progress):
            try:
                agg.add(parse_order(raw))
            except BadOrder:
                agg.skipped += 1
        classes = classify_recent(store, agg.recent, progress) if options.classify else {}
    data = agg.result(classes, rate_low=options.rate_low, rate_high=options.rate_high)
    data["store"] = store.host
    data["store_name"] = settings.brand.store_name
    return data
