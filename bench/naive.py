"""The naive poller: the obvious script someone writes in an afternoon, as the bench's point of comparison.

Every tick it lists all failed and pending orders of the lookback window (full order objects), reads every one's
notes to see which reminders it already sent (its notes are its only state), and for each reminder due it re-reads
the order, sends, and posts a private note. Each request is a plain `requests.get`/`requests.post`, so each opens a
new TCP connection. It signs with OAuth 1.0a exactly as wcrecall does over http (the `woocommerce` package's
`OAuth`), so both sides pay the same authentication cost.

It sends on the same schedule as wcrecall's defaults (from the order's creation, never two reminders bunched), so
the two sides send the same emails and differ only in how they learn what to send.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from woocommerce.oauth import OAuth


class _OAuth(OAuth):
    """The package's OAuth 1.0a with a 128-bit nonce, as wcrecall signs: the package's own 8 random digits repeat
    within WooCommerce's 15-minute nonce window over the naive poller's thousands of requests, and the store refuses
    the repeat (401), which would end the comparison rather than measure it."""

    @staticmethod
    def generate_nonce() -> str:
        return secrets.token_hex(16)


TAG = "naive-poller: reminder"
DELAYS = {
    "failed": (timedelta(hours=1), timedelta(hours=24), timedelta(hours=72)),
    "pending": (timedelta(minutes=30), timedelta(hours=24), timedelta(hours=72)),
}


@dataclass
class NaiveReport:
    requests: int = 0
    bytes_received: int = 0
    sent: int = 0
    problems: list[str] = field(default_factory=list)


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reminder_text(order: dict[str, Any], step: int) -> tuple[str, str]:
    """Subject and plain-text body: what the afternoon script sends (no templates, no HTML)."""
    billing = order.get("billing") or {}
    subject = f"Your order #{order.get('number')} is not paid yet"
    body = (
        f"Hello {billing.get('first_name', '')},\n\n"
        f"the payment for your order #{order.get('number')} ({order.get('total')} {order.get('currency')}) "
        f"did not go through. You can pay here:\n{order.get('payment_url', '')}\n\n"
        f"(reminder {step})\n"
    )
    return subject, body


def build_email(order: dict[str, Any], step: int, from_addr: str) -> EmailMessage:
    subject, body = reminder_text(order, step)
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = str((order.get("billing") or {}).get("email", ""))
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


class NaivePoller:
    """One store, one outbox folder; `tick(now)` does one cron run."""

    def __init__(
        self,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        outbox: Path,
        lookback: timedelta = timedelta(days=3),
        from_addr: str = "Example Shop <shop@example.com>",
        timeout: float = 30.0,
        deliver: Callable[[EmailMessage], None] | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/wp-json/wc/v3/"
        self.key, self.secret = consumer_key, consumer_secret
        self.outbox = outbox
        self.lookback = lookback
        self.from_addr = from_addr
        self.timeout = timeout
        self.deliver = deliver or self._to_outbox
        self.report = NaiveReport()

    # -- HTTP: a new connection per request ---------------------------------------------------------------------

    def _signed(self, method: str, endpoint: str, params: dict[str, Any] | None) -> str:
        url = self.base + endpoint
        if params:
            url += "?" + urlencode(params)
        return _OAuth(
            url=url, consumer_key=self.key, consumer_secret=self.secret, version="wc/v3", method=method
        ).get_oauth_url()

    def _count(self, response: requests.Response) -> requests.Response:
        self.report.requests += 1
        self.report.bytes_received += len(response.content)
        response.raise_for_status()
        return response

    def get(self, endpoint: str, params: dict[str, Any] | None = None) -> requests.Response:
        return self._count(requests.get(self._signed("GET", endpoint, params), timeout=self.timeout))

    def post(self, endpoint: str, data: dict[str, Any]) -> requests.Response:
        return self._count(requests.post(self._signed("POST", endpoint, None), json=data, timeout=self.timeout))

    # -- the tick -----------------------------------------------------------------------------------------------

    def list_candidates(self, now: datetime) -> list[dict[str, Any]]:
        after = (now - self.lookback).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        orders: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {
                "status": "failed,pending",
                "after": after,
                "dates_are_gmt": "true",
                "per_page": 100,
                "page": page,
            }
            response = self.get("orders", params)
            orders += response.json()
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                return orders
            page += 1

    def due_step(self, order: dict[str, Any], notes: list[dict[str, Any]], now: datetime) -> int | None:
        delays = DELAYS.get(str(order.get("status")))
        created = _utc(order.get("date_created_gmt"))
        if not delays or created is None:
            return None
        mine = [n for n in notes if str(n.get("note", "")).startswith(TAG)]
        done = len(mine)
        if done >= len(delays):
            return None
        at = created + delays[done]
        if done:
            last = max(filter(None, (_utc(n.get("date_created_gmt")) for n in mine)), default=None)
            if last is not None:
                at = max(at, last + delays[done] - delays[done - 1])
        return done + 1 if at <= now else None

    def tick(self, now: datetime) -> NaiveReport:
        self.report = NaiveReport()
        for order in self.list_candidates(now):
            oid = int(order["id"])
            try:
                notes = self.get(f"orders/{oid}/notes").json()
                step = self.due_step(order, notes, now)
                if step is None:
                    continue
                fresh = self.get(f"orders/{oid}").json()  # re-read right before sending
                if fresh.get("status") not in ("failed", "pending"):
                    continue
                self.send(fresh, step)
                self.post(f"orders/{oid}/notes", {"note": f"{TAG} {step} sent", "customer_note": False})
                self.report.sent += 1
            except requests.RequestException as exc:
                status = exc.response.status_code if exc.response is not None else type(exc).__name__
                self.report.problems.append(f"order {oid}: HTTP {status}")  # never the signed URL
        return self.report

    def send(self, order: dict[str, Any], step: int) -> None:
        self.deliver(build_email(order, step, self.from_addr))

    def _to_outbox(self, msg: EmailMessage) -> None:
        """Without a `deliver`, 'sending' writes the message to the outbox folder."""
        self.outbox.mkdir(parents=True, exist_ok=True)
        (self.outbox / f"naive-{time.monotonic_ns()}.eml").write_bytes(msg.as_bytes())
