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

import hashlib
import statistics
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from wcrecall.model.errors import BadOrder
from wcrecall.model.order import Order, format_gmt, parse_order
from wcrecall.model.progress import NoProgress, Progress

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

CURVE_HOURS = (1, 6, 12, 24, 48, 72, 96, 120, 144, 168)


def buyer_keys(order: Order) -> tuple[bytes, ...]:
    """Short hashes that identify the buyer: of the email, and of the customer id when the buyer has an account."""
    keys = []
    if order.email_key:
        keys.append(hashlib.blake2b(b"e:" + order.email_key.encode(), digest_size=8).digest())
    if order.customer_id > 0:
        keys.append(hashlib.blake2b(b"c:%d" % order.customer_id, digest_size=8).digest())
    return tuple(keys)


@dataclass(slots=True)
class _Episode:
    start: float
    keys: tuple[bytes, ...]
    excluded: bool = False


@dataclass
class NaturalRecovery:
    """Buyer episodes after a failed/pending order: who paid within `window` with no reminder, and how soon.

    Feed orders oldest first with `failure()` and `paid()`; `excluded=True` marks an episode that must not count
    (the buyer got a reminder, for `report`'s baseline).
    """

    window: timedelta = timedelta(days=7)
    recovered_seconds: list[float] = field(default_factory=list)
    unrecovered: int = 0
    excluded: int = 0
    unlinkable: int = 0  # unpaid orders with neither email nor customer id: the buyer cannot be followed
    _open: dict[bytes, _Episode] = field(default_factory=dict)
    _seen: int = 0

    def failure(self, keys: tuple[bytes, ...], at: float, *, excluded: bool = False) -> None:
        if not keys:
            self.unlinkable += 1
            return
        self._sweep(at)
        episode = next((self._open[k] for k in keys if k in self._open), None)
        if episode is not None and at - episode.start > self.window.total_seconds():
            self._close(episode, recovered_after=None)
            episode = None
        if episode is None:
            episode = _Episode(at, keys)
        elif set(keys) - set(episode.keys):
            episode.keys = tuple(dict.fromkeys(episode.keys + keys))
        episode.excluded = episode.excluded or excluded
        for key in episode.keys:
            self._open[key] = episode

    def paid(self, keys: tuple[bytes, ...], at: float) -> None:
        episode = next((self._open[k] for k in keys if k in self._open), None)
        if episode is None:
            return
        delay = at - episode.start
        self._close(episode, recovered_after=delay if 0 <= delay <= self.window.total_seconds() else None)

    def _close(self, episode: _Episode, *, recovered_after: float | None) -> None:
        for key in episode.keys:
            if self._open.get(key) is episode:
                del self._open[key]
        if episode.excluded:
            self.excluded += 1
        elif recovered_after is None:
            self.unrecovered += 1
        else:
            self.recovered_seconds.append(recovered_after)

    def _sweep(self, now: float) -> None:
        # Every few thousand calls, close episodes whose window has passed, so the index holds at most one window
        # of unpaid buyers instead of every buyer who ever failed.
        self._seen += 1
        if self._seen % 5000:
            return
        self._expire(now)

    def _expire(self, now: float) -> None:
        limit = now - self.window.total_seconds()
        for episode in {id(e): e for e in self._open.values() if e.start < limit}.values():
            self._close(episode, recovered_after=None)

    def result(self, end: float) -> dict[str, Any]:
        """Close what can be judged at `end` and summarise; still-open recent episodes are reported as pending."""
        self._expire(end)
        too_recent = len({id(e) for e in self._open.values() if not e.excluded})
        recovered = len(self.recovered_seconds)
        judged = recovered + self.unrecovered
        hours = sorted(s / 3600 for s in self.recovered_seconds)
        return {
            "window_days": self.window.total_seconds() / 86400,
            "episodes_judged": judged,
            "recovered": recovered,
            "rate": round(recovered / judged, 4) if judged else None,
            "median_hours": round(statistics.median(hours), 2) if hours else None,
            "too_recent": too_recent,
            "excluded_contacted": self.excluded,
            "unlinkable_orders": self.unlinkable,
            "curve": [
                {"hours": h, "share": round(sum(1 for x in hours if x <= h) / judged, 4) if judged else None}
                for h in CURVE_HOURS
                if h <= self.window.total_seconds() / 3600
            ],
        }


def week_of(moment: datetime) -> str:
    """The Monday (UTC) of the week `moment` falls in, as YYYY-MM-DD."""
    day = moment.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
    unreachable: int = 0
    natural: NaturalRecovery = field(init=False)
    recent: deque[tuple[int, str, str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.natural = NaturalRecovery(self.window)
        self.recent = deque(maxlen=max(0, self.classify_limit))

    def add(self, order: Order) -> None:
        self.orders += 1
        self.statuses[order.status] += 1
        week = self.weeks[week_of(order.date_created)]
        week[0] += 1
        method = self.methods[order.payment_method or "(none)"]
        method[0] += 1
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
        return {
            "period": {"start": format_gmt(self.start), "end": format_gmt(self.end), "days": round(days, 2)},
            "orders": self.orders,
            "skipped_orders": self.skipped,
            "statuses": dict(sorted(self.statuses.items())),
            "unpaid": {
                "failed": failed,
                "pending": pending,
                "total": unpaid,
                "share": _share(unpaid, self.orders),
                "failed_share": _share(failed, self.orders),
                "pending_share": _share(pending, self.orders),
                "value": value,
                "unreachable": self.unreachable,
            },
            "by_payment_method": [
                {"method": m, "orders": c[0], "unpaid": c[1], "share": _share(c[1], c[0])}
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
                days=days,
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
    return data


# --------------------------------------------------------------------------------------------------------------------
# Presentation: the same sections for the terminal and the HTML page.


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _primary_currency(data: Mapping[str, Any]) -> str:
    value = data["unpaid"]["value"]
    # The currency most failed orders are in: comparing totals across currencies would let 7,500 JPY outweigh
    # 200 USD.
    return max(value, key=lambda cur: (value[cur].get("orders", 0), cur)) if value else ""


def sections(data: Mapping[str, Any], *, charts: bool) -> list[Any]:
    """Tables, notes and (for HTML) charts of an audit result."""
    from wcrecall.insight import charts as ch
    from wcrecall.insight.htmlpage import Section, Table

    unpaid = data["unpaid"]
    out: list[Section] = []
    summary = Section("Orders that failed at payment")
    summary.tables.append(
        Table(
            ["", "orders", "share of all orders"],
            [
                ["all orders", data["orders"], "100%"],
                ["failed", unpaid["failed"], _pct(unpaid["failed_share"])],
                ["pending (never paid)", unpaid["pending"], _pct(unpaid["pending_share"])],
                ["failed + pending", unpaid["total"], _pct(unpaid["share"])],
                [
                    "failed + pending without a valid email (unreachable)",
                    unpaid["unreachable"],
                    _pct(_share(unpaid["unreachable"], unpaid["total"])),
                ],
            ],
            numeric=(1, 2),
        )
    )
    summary.tables.append(
        Table(
            ["currency", "failed value", "pending value", "total value"],
            [[cur, v["failed"], v["pending"], v["total"]] for cur, v in unpaid["value"].items()],
            numeric=(1, 2, 3),
        )
    )
    if data.get("skipped_orders"):
        summary.notes.append(
            f"{data['skipped_orders']} order(s) could not be read (malformed data) and are not counted."
        )
    out.append(summary)

    methods = Section("By payment method")
    methods.tables.append(
        Table(
            ["payment method", "orders", "failed + pending", "share"],
            [[m["method"], m["orders"], m["unpaid"], _pct(m["share"])] for m in data["by_payment_method"]],
            numeric=(1, 2, 3),
        )
    )
    if charts:
        rows = data["by_payment_method"][:15]
        methods.charts.append(
            ch.bar(
                "Share of orders that failed or stayed pending, by payment method",
                x_title="payment method",
                y_title="share of the method's orders (%)",
                labels=[m["method"] for m in rows],
                values=[round((m["share"] or 0) * 100, 1) for m in rows],
                value_format="{:.1f}%",
            )
        )
    out.append(methods)

    countries = Section("By billing country")
    countries.tables.append(
        Table(
            ["country", "failed", "pending", "value"],
            [
                [c["country"], c["failed"], c["pending"], ", ".join(f"{v} {cur}" for cur, v in c["value"].items())]
                for c in data["by_country"]
            ],
            numeric=(1, 2),
        )
    )
    primary = _primary_currency(data)
    if charts and primary:
        rows = [c for c in data["by_country"] if primary in c["value"]][:15]
        countries.charts.append(
            ch.bar(
                f"Value of failed and pending orders by billing country ({primary})",
                x_title="billing country",
                y_title=f"value ({primary})",
                labels=[c["country"] for c in rows],
                values=[float(c["value"][primary]) for c in rows],
                value_format="{:,.2f}",
            )
        )
    out.append(countries)

    weeks = Section("By week (weeks start on Monday, UTC)")
    weeks.tables.append(
        Table(
            ["week", "orders", "failed", "pending"],
            [[w["week"], w["orders"], w["failed"], w["pending"]] for w in data["by_week"]],
            numeric=(1, 2, 3),
        )
    )
    classes = data["classes"]
    if charts:
        names = sorted({name for w in data["by_week"] for name in w["classes"]})
        series = {name: [w["classes"].get(name, 0) for w in data["by_week"]] for name in names}
        series["not classified"] = [w["failed"] + w["pending"] - sum(w["classes"].values()) for w in data["by_week"]]
        weeks.charts.append(
            ch.stacked_bar(
                "Failed and pending orders per week, by failure class",
                x_title="week starting",
                y_title="orders",
                labels=[w["week"] for w in data["by_week"]],
                series=series,
            )
        )
    out.append(weeks)

    why = Section("Why payments failed")
    why.notes.append(
        f"Classified from the order notes of the {classes['sampled']} most recent failed/pending orders "
        f"({classes['classified']} read)."
    )
    why.tables.append(
        Table(
            ["failure class", "orders", "share of classified"],
            [[k, v, _pct(_share(v, classes["classified"]))] for k, v in classes["counts"].items()],
            numeric=(1, 2),
        )
    )
    out.append(why)

    nat = data["natural_recovery"]
    natural = Section("Natural recovery (no reminder sent)")
    median = "n/a" if nat["median_hours"] is None else f"{nat['median_hours']:g} h"
    natural.notes.append(
        f"Share of buyers with a failed or pending order who placed a paid order (same email or customer id) within "
        f"{nat['window_days']:g} days, without any reminder: {_pct(nat['rate'])} of {nat['episodes_judged']} "
        f"(median time until they did: {median}). "
        f"{nat['too_recent']} more are too recent to judge."
    )
    natural.tables.append(
        Table(
            ["within hours", "share recovered"], [[p["hours"], _pct(p["share"])] for p in nat["curve"]], numeric=(0, 1)
        )
    )
    if charts:
        natural.charts.append(
            ch.line(
                "Natural recovery: share of unpaid buyers who paid by themselves",
                x_title="hours after the failed order",
                y_title="buyers who paid (%)",
                labels=[str(p["hours"]) for p in nat["curve"]],
                series={"recovered": [round((p["share"] or 0) * 100, 1) for p in nat["curve"]]},
                value_format="{:.1f}%",
            )
        )
    out.append(natural)

    proj = data["projection"]
    a = proj["assumptions"]
    projected = Section("What reminders could win back per month (a range, not a promise)")
    projected.notes.append(
        f"Orders per month: {proj['orders_per_month']['low']:g} to {proj['orders_per_month']['high']:g}. "
        f"Assumptions: {a['reachable_unpaid_orders_per_month']:g} reachable failed/pending orders per 30 days; natural "
        f"recovery {_pct(a['natural_recovery_rate'])} subtracted; reminder rate {_pct(a['reminder_rate_low'])} to "
        f"{_pct(a['reminder_rate_high'])} ({a['source']})."
    )
    projected.tables.append(
        Table(
            ["currency", "revenue low", "revenue high", "average unpaid order"],
            [[cur, r["low"], r["high"], r["average_order"]] for cur, r in proj["revenue_per_month"].items()],
            numeric=(1, 2, 3),
        )
    )
    out.append(projected)
    return out


def title(data: Mapping[str, Any]) -> tuple[str, str]:
    period = data["period"]
    return (
        f"Payment failure audit: {data.get('store', 'store')}",
        f"Orders created {period['start']} to {period['end']} UTC ({period['days']:g} days); "
        "read-only, nothing was sent.",
    )


def to_text(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_text

    return render_text(*title(data), sections(data, charts=False))


def to_html(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_page

    return render_page(*title(data), sections(data, charts=True))
