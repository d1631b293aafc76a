"""A hostile store: `wcrecall run` against an HTTP front on 127.0.0.1 that lies in its headers, sends huge,
compressed or broken bodies, drips them, redirects, or answers with another order.

For each: the run finishes within its budget (small budgets through WCRECALL_STORE_*; the tests wait for the
process, they do not time it), with no traceback, the named problem line, the watermark where it must be, and the
other buyers mailed. The spoiled order is always the first one due (lower id), so the others come after it.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from datetime import timedelta
from email.utils import formatdate
from functools import cache
from pathlib import Path

import pytest
from e2e import NOW, Result, cli, failed_order, write_config
from hostile_front import HostileFront, head, raw
from smtp_server import SmtpServer
from subproc import deliveries, finish, start

from wcrecall.sandbox.wire import Request, Response
from wcrecall.state.db import State

LISTING = r"/wp-json/wc/v3/orders"
JSON = [("Content-Type", "application/json; charset=UTF-8")]
# Small budgets: one answer 2 s, retries of one request 3 s, the whole tick 30 s (less where the deadline is tested).
BUDGET = {"WCRECALL_STORE_TIMEOUT": "2", "WCRECALL_STORE_MAX_RETRY_TIME": "3", "WCRECALL_STORE_MAX_TICK_TIME": "30"}


@pytest.fixture
def front() -> Iterator[HostileFront]:
    with HostileFront() as running:
        running.sandbox.set_now(NOW)
        yield running


def watermark(tmp_path: Path) -> object:
    return State(tmp_path / "shop.state.json", read_only=True).load().meta.get("watermark")


def run(config: Path, env: dict[str, str] | None = None) -> Result:
    """`wcrecall run` as a real process; it must finish well within the test's patience (60 s)."""
    proc = finish(start(["run"], config=config, now=NOW, **{**BUDGET, **(env or {})}), timeout=60)
    assert not proc.killed
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def one_order(order_id: int) -> str:
    return rf"/wp-json/wc/v3/orders/{order_id}"


@cache
def gzip_bomb() -> bytes:
    """40 MiB of JSON-looking spaces inside about 40 KiB of gzip."""
    return gzip.compress(b"[" + b" " * (40 * 1024 * 1024) + b"]", compresslevel=9)


def bomb(request: Request, genuine: Response) -> Iterable[bytes]:
    return [raw(200, [*JSON, ("Content-Encoding", "gzip")], gzip_bomb())]


def huge_announced(request: Request, genuine: Response) -> Iterable[bytes]:
    return [raw(200, JSON, b"[", length=10 * 1024**3)]


def huge_chunked(request: Request, genuine: Response) -> Iterator[bytes]:
    yield head(200, [*JSON, ("Transfer-Encoding", "chunked"), ("Connection", "close")])
    piece = b" " * (1024 * 1024)
    for _ in range(40):
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def bad_gzip(request: Request, genuine: Response) -> Iterable[bytes]:
    return [raw(200, [*JSON, ("Content-Encoding", "gzip")], b"this is not gzip at all")]


def brotli(request: Request, genuine: Response) -> Iterable[bytes]:
    """An encoding wcrecall never asked for (it asks for gzip and deflate only)."""
    return [raw(200, [*JSON, ("Content-Encoding", "br")], genuine.body)]


def short_body(request: Request, genuine: Response) -> Iterable[bytes]:
    """Content-Length promises more than comes; then the connection closes."""
    return [raw(200, JSON, genuine.body[:10], length=len(genuine.body) + 1000)]


def deep_json(request: Request, genuine: Response) -> Iterable[bytes]:
    return [raw(200, JSON, b"[" * 100_000 + b"]" * 100_000)]


def redirect(location: str) -> object:
    def spoiler(request: Request, genuine: Response) -> Iterable[bytes]:
        return [raw(302, [("Location", location)], b"")]

    return spoiler


def too_many(retry_after: str) -> object:
    def spoiler(request: Request, genuine: Response) -> Iterable[bytes]:
        date = [h for h in genuine.headers if h[0] == "Date"]  # an HTTP-date Retry-After counts from it
        return [raw(429, [("Retry-After", retry_after), *date, *JSON], b'{"code":"too_many_requests"}')]

    return spoiler


def setup(tmp_path: Path, front: HostileFront, smtp: SmtpServer) -> tuple[Path, int, int]:
    spoiled = failed_order(front.sandbox, "ana@example.com")
    other = failed_order(front.sandbox, "ben@example.com")
    return write_config(tmp_path, front.url, smtp_port=smtp.port), spoiled, other


def later_http_date(front: HostileFront) -> str:
    return formatdate(front.sandbox.clock.timestamp() + 86400, usegmt=True)


PER_ORDER = {
    "gzip_bomb": (bomb, "the store's answer is larger than 32 MiB"),
    "huge_announced": (huge_announced, "the store's answer is larger than 32 MiB (10737418240 bytes announced)"),
    "huge_chunked": (huge_chunked, "the store's answer is larger than 32 MiB"),
    "bad_gzip": (bad_gzip, "the store's answer is not valid gzip; gave up after"),
    "unasked_encoding": (brotli, "the store's answer is not valid br; gave up after"),
    "short_body": (short_body, "was cut off"),
    "deep_json": (deep_json, "nests deeper than 64 levels"),
    "redirect_loop": (None, "a redirect to http://127.0.0.1:"),
    "file_redirect": (redirect("file:///etc/passwd"), "a redirect to a non-web address"),
    "malformed_location": (redirect("http://[::1"), "a redirect to a malformed address"),
    "retry_after_an_hour": (too_many("3600"), "asked to retry after 3600 s, more than the retry budget left"),
    "retry_after_a_date": (None, "asked to retry after 86400 s, more than the retry budget left"),
    "retry_after_nonsense": (too_many("soon"), "the store answered HTTP 429; gave up after"),
}


@pytest.mark.parametrize("case", sorted(PER_ORDER))
def test_a_hostile_answer_for_one_order_costs_only_that_order(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer, case: str
) -> None:
    """The read right before A's reminder is spoiled: one problem line names A, B is mailed, the watermark moves
    (the sync was fine), exit 1; the next tick, with the store behaving, mails A once."""
    config, spoiled, other = setup(tmp_path, front, smtp)
    spoiler, expected = PER_ORDER[case]
    if case == "redirect_loop":
        spoiler = redirect(f"{front.url}/wp-json/wc/v3/orders/{spoiled}")
    elif case == "retry_after_a_date":
        spoiler = too_many(later_http_date(front))
    front.spoil("GET", one_order(spoiled), spoiler)  # type: ignore[arg-type]
    result = run(config)
    assert result.exit_code == 1, result.stderr
    problems = result.stderr.splitlines()
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"order {spoiled}: GET orders/{spoiled}: ") and expected in problems[0], problems
    assert "oauth_signature" not in result.stderr and "passwd" not in result.stderr
    assert deliveries(smtp) == {(other, 1): 1}
    assert watermark(tmp_path) is not None
    front.clear()
    again = cli(["run"], config=config, now=NOW + timedelta(minutes=10))
    assert again.exit_code == 0, again.stderr
    assert deliveries(smtp) == {(other, 1): 1, (spoiled, 1): 1}


def test_a_slow_drip_is_cut_off_by_the_answer_timeout(tmp_path: Path, front: HostileFront, smtp: SmtpServer) -> None:
    """A's order dripped a byte every 0.3 s: each try ends after store.timeout, the retries after
    store.max_retry_time; one problem line for A, B mailed."""
    config, spoiled, other = setup(tmp_path, front, smtp)

    def drip(request: Request, genuine: Response) -> Iterator[bytes]:
        yield head(200, [*JSON, ("Content-Length", str(len(genuine.body))), ("Connection", "close")])
        yield from front.drip(genuine.body, 0.3)

    front.spoil("GET", one_order(spoiled), drip)
    result = run(config)
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"order {spoiled}: GET orders/{spoiled}: the store's answer took longer than 2 s; gave up after \d attempt\(s\)\n",
        result.stderr,
    ), result.stderr
    assert deliveries(smtp) == {(other, 1): 1}


def test_another_orders_data_is_never_used_for_this_order(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """Asked for A, the store answers with B: A's buyer gets nothing and A gets no note; B gets its own reminder
    once, and only B's note tells of it."""
    config, spoiled, other = setup(tmp_path, front, smtp)

    def answer_with_other(request: Request, genuine: Response) -> Iterable[bytes]:
        order = json.loads(genuine.body)
        order.update(
            id=other, number=str(other), payment_url=order["payment_url"].replace(f"/{spoiled}/", f"/{other}/")
        )
        order["billing"]["email"] = "ben@example.com"
        return [raw(200, JSON, json.dumps(order).encode())]

    front.spoil("GET", one_order(spoiled), answer_with_other)
    result = run(config)
    assert result.exit_code == 1
    assert result.stderr == (
        f"order {spoiled}: GET order {spoiled}: the store answered with another order (id {other}); not used\n"
    )
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["ben@example.com"]
    assert deliveries(smtp) == {(other, 1): 1}
    notes = {o: [n for n in front.sandbox.notes(o) if str(n["note"]).startswith("wcrecall:")] for o in (spoiled, other)}
    assert notes[spoiled] == [] and len(notes[other]) == 1 and "b***@example.com" in str(notes[other][0]["note"])


def test_listing_dripped_past_the_tick_deadline_stops_the_tick_and_keeps_the_watermark(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """The order listing drips slower than the tick's budget (store.max_tick_time = 3 s): the tick stops with one
    line naming the setting, nothing is sent, the watermark does not move; the next tick does it all."""
    config, spoiled, other = setup(tmp_path, front, smtp)

    def drip(request: Request, genuine: Response) -> Iterator[bytes]:
        headers = [h for h in genuine.headers if h[0].lower() != "content-length"]
        yield head(200, [*headers, ("Content-Length", str(len(genuine.body))), ("Connection", "close")])
        yield from front.drip(genuine.body, 0.25)

    front.spoil("GET", LISTING, drip)
    result = run(config, {"WCRECALL_STORE_TIMEOUT": "30", "WCRECALL_STORE_MAX_TICK_TIME": "3"})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: GET orders: this run reached store.max_tick_time (3 s)"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert smtp.messages == [] and watermark(tmp_path) is None
    front.clear()
    assert run(config).exit_code == 0
    assert deliveries(smtp) == {(spoiled, 1): 1, (other, 1): 1}


def test_listing_that_promises_endless_pages_ends_at_the_last_short_page(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """X-WP-Total and X-WP-TotalPages claim a billion: the listing ends at its last short page all the same, every
    buyer is mailed once, and the watermark moves (the headers decide nothing)."""
    config, spoiled, other = setup(tmp_path, front, smtp)

    def endless(request: Request, genuine: Response) -> Iterable[bytes]:
        lying = [h for h in genuine.headers if h[0] not in ("X-WP-Total", "X-WP-TotalPages")]
        return [raw(200, [*lying, ("X-WP-Total", "1000000000"), ("X-WP-TotalPages", "1000000000")], genuine.body)]

    front.spoil("GET", LISTING, endless, times=10**9)
    result = run(config, {"WCRECALL_STORE_MAX_TICK_TIME": "3"})
    assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(other, 1): 1, (spoiled, 1): 1}
    assert watermark(tmp_path) is not None


def test_gzip_bomb_in_the_listing_stops_the_sync_without_moving_the_watermark(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """The listing is a gzip bomb: one error line, nothing sent, the watermark where it was."""
    config, _, _ = setup(tmp_path, front, smtp)
    front.spoil("GET", LISTING, bomb)
    result = run(config)
    assert result.exit_code == 1
    assert result.stderr == "Error: GET orders: the store's answer is larger than 32 MiB; it is not used\n"
    assert smtp.messages == [] and watermark(tmp_path) is None


def test_listing_without_paging_headers_does_not_skip_the_second_page(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """101 changed orders and no X-WP-Total / X-WP-TotalPages: either every order is read (page 2 too) or the
    watermark stays; never a watermark past orders nobody read."""
    for i in range(100):
        front.sandbox.create_order(status="processing", billing={"email": f"p{i}@example.com"},
                                   date_modified=NOW - timedelta(hours=1))  # fmt: skip
    last = failed_order(front.sandbox, "late@example.com")  # modified last: on page 2
    config = write_config(tmp_path, front.url, smtp_port=smtp.port)

    def no_paging(request: Request, genuine: Response) -> Iterable[bytes]:
        headers = [h for h in genuine.headers if h[0] not in ("X-WP-Total", "X-WP-TotalPages")]
        return [raw(200, headers, genuine.body)]

    front.spoil("GET", LISTING, no_paging)
    result = run(config)
    assert result.exit_code in (0, 1)
    assert deliveries(smtp) == {(last, 1): 1} or watermark(tmp_path) is None


def test_an_order_dated_in_the_future_does_not_move_the_watermark_past_later_orders(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """One order says it was modified a year from now: the next tick still sees an order that fails later."""
    front.sandbox.create_order(status="failed", billing={"email": "future@example.com"},
                               date_created=NOW - timedelta(hours=2), date_modified=NOW + timedelta(days=365))  # fmt: skip
    config = write_config(tmp_path, front.url, smtp_port=smtp.port)
    assert run(config).exit_code in (0, 1)
    later = NOW + timedelta(hours=3)
    front.sandbox.set_now(later)
    newer = failed_order(front.sandbox, "newer@example.com", hours_ago=1.5)
    proc = finish(start(["run"], config=config, now=later, **BUDGET), timeout=60)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert (newer, 1) in deliveries(smtp)


def test_an_order_read_that_is_not_an_object_costs_only_that_order(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer
) -> None:
    """A JSON list where the order should be: a problem line for that order only."""
    config, spoiled, other = setup(tmp_path, front, smtp)
    front.spoil("GET", one_order(spoiled), lambda request, genuine: [raw(200, JSON, json.dumps([1, 2]).encode())])
    result = run(config)
    assert result.exit_code == 1
    assert result.stderr == f"order {spoiled}: GET order {spoiled}: expected an order object\n"
    assert deliveries(smtp) == {(other, 1): 1}


def deflated(*, wrapped: bool) -> object:
    """The genuine answer compressed as "deflate": zlib-wrapped as the standard says, or raw as some servers send it."""

    def spoiler(request: Request, genuine: Response) -> Iterable[bytes]:
        packer = zlib.compressobj(wbits=zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        body = packer.compress(genuine.body) + packer.flush()
        return [raw(200, [*JSON, ("Content-Encoding", "deflate")], body)]

    return spoiler


@pytest.mark.parametrize("wrapped", [True, False], ids=["zlib", "raw"])
def test_a_deflated_answer_is_read_in_either_form(
    tmp_path: Path, front: HostileFront, smtp: SmtpServer, wrapped: bool
) -> None:
    """Every answer of the tick deflated: the run reads them all and mails both buyers."""
    config, spoiled, other = setup(tmp_path, front, smtp)
    front.spoil("GET", r"/wp-json/wc/v3/orders.*", deflated(wrapped=wrapped))  # type: ignore[arg-type]
    result = run(config)
    assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(other, 1): 1, (spoiled, 1): 1}
