"""The Magento sandbox answers like the real Magento 2.4.7-p3 store captured in ../shared/fixtures/magento-2.4.7-p3.

Every capture is replayed in INDEX.txt order against ONE fresh sandbox seeded with `seed_fixture` (the captures'
writes - comments, a guest cart, the cleanup cron - are seen by the later ones, as on the real store), each with
its real method, path, raw query, headers (the captured `Host` and `Authorization` signature included) and body,
the store clock and the OAuth wall clock set to its `captured_at`. Status, `Content-Type`, `Cache-Control` and the
body are compared; JSON bodies byte for byte, with only these normalised:

- `Report ID: webapi-<13 hex>` in 500 answers (Magento's uniqid(), random per request);
- the guest cart's masked id is random on a real store: the sandbox is handed the captured one;
- the PHP session id in `Set-Cookie` (random) and its expiry (the real store started the session a second before
  the answer's `Date` now and then);
- `order_comment_create_oauth`: the real store stamped the comment one second before the capture's `captured_at`
  was taken (its comment reads 08:01:44, the capture 08:01:45), so that replay runs at 08:01:44;
- the two storefront pages (`frontend_*`) are served as simple pages: compared on status, content type, title and
  the lookup form's field names (the captured theme's HTML is out of scope).

Between `order_single_before_clean_expired_oauth` and `order_single_after_clean_expired_oauth` the capture run
started core's `sales_clean_orders` job once (capture-notes.txt); the replay runs `clean_orders()` at that time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from prerequisites import require

from wcrecall.sandbox.magento import MagentoSandbox, seed_fixture
from wcrecall.sandbox.magento.oauth import (
    base_string,
    parse_authorization,
    signature,
    signed_query_params,
)

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "magento-2.4.7-p3"
CAPTURED_BASE = "http://127.0.0.1:8092"  # the store's configured base URL (storeConfigs)
SESSION_ID = re.compile(r"PHPSESSID=[a-z0-9]+; expires=[^;]+")
REPORT_ID = re.compile(r"webapi-[0-9a-f]{13}")
CLOCK = {"order_comment_create_oauth": "2026-11-30T08:01:44+00:00"}  # see the module docstring
CRON_BEFORE = {"order_single_after_clean_expired_oauth": "2026-11-30T08:01:48+00:00"}
FORM_FIELDS = re.compile(r'name="(oar_[a-z_]+)"')
TITLE = re.compile(r"<title>([^<]*)</title>")


@pytest.fixture(autouse=True)
def captures() -> None:
    require("Magento 2.4.7-p3 contract tests", None if FIXTURES.is_dir() else f"the captures are not in {FIXTURES}")


@dataclass(frozen=True)
class Capture:
    name: str
    status: int
    headers: dict[str, str]
    body: bytes
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    captured_at: datetime


def index() -> list[str]:
    if not FIXTURES.is_dir():
        return []
    return [line.split()[1] for line in (FIXTURES / "INDEX.txt").read_text().splitlines() if line.strip()]


def load(name: str) -> Capture:
    """NAME.http (status line, CRLF headers, body) and NAME.request.txt (method URL, curl arguments, captured_at)."""
    head, _, body = (FIXTURES / f"{name}.http").read_bytes().partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    request_lines = (FIXTURES / f"{name}.request.txt").read_text(encoding="utf-8").split("\n")
    method, url = request_lines[0].split(" ", 1)
    args = iter([line[7:] for line in request_lines[1:] if line.startswith("  arg: ")])
    request_headers: dict[str, str] = {}
    data = None
    for arg in args:
        if arg == "-H":
            key, _, value = next(args).partition(": ")
            request_headers[key] = value
        elif arg in ("--data-binary", "--data"):
            data = next(args).encode("utf-8")
    stamp = next(line[13:] for line in request_lines if line.startswith("captured_at: "))
    captured = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return Capture(name, int(lines[0].split()[1]), headers, body, method, url, request_headers, data, captured)


def replay(store: MagentoSandbox, capture: Capture, wall: list[float]) -> requests.Response:
    """Send the captured request verbatim (raw query, captured Host) to the sandbox at the capture's time."""
    when = datetime.fromisoformat(CLOCK.get(capture.name, capture.captured_at.isoformat()))
    store.set_now(when)
    wall[0] = when.timestamp()
    parts = urlsplit(capture.url)
    headers = {"Host": parts.netloc, **capture.request_headers}
    prepared = requests.Request(capture.method, store.url, headers=headers, data=capture.request_body).prepare()
    prepared.url = store.url + parts.path + (f"?{parts.query}" if parts.query else "")
    if capture.request_body is None:
        prepared.headers.pop("Content-Length", None)
    with requests.Session() as session:
        return session.send(prepared, timeout=10)


@pytest.fixture
def fresh_store() -> Iterator[tuple[MagentoSandbox, list[float]]]:
    wall = [0.0]
    with MagentoSandbox(wall_clock=lambda: wall[0], base_url=CAPTURED_BASE) as store:
        seed_fixture(store)
        yield store, wall


def _mismatch(capture: Capture, response: requests.Response) -> str | None:
    """Why the response differs from the capture (None: it does not)."""
    if response.status_code != capture.status:
        return f"status {response.status_code} != {capture.status}: {response.text[:300]}"
    compared = ("content-type", "cache-control", "x-frame-options", "connection", "x-powered-by", "set-cookie")
    for header in compared + (() if capture.name in CLOCK else ("date",)):  # Date: the store clock
        mine, theirs = (
            SESSION_ID.sub("PHPSESSID=X; expires=X", h.get(header, "")) for h in (response.headers, capture.headers)
        )
        if mine.lower() != theirs.lower() and not capture.name.startswith("frontend_"):
            return f"{header}: {mine!r} != {theirs!r}"
    if capture.name.startswith("frontend_"):
        mine, theirs = response.text, capture.body.decode()
        if TITLE.findall(mine)[:1] != TITLE.findall(theirs)[:1]:
            return f"title {TITLE.findall(mine)[:1]} != {TITLE.findall(theirs)[:1]}"
        if set(FORM_FIELDS.findall(mine)) != set(FORM_FIELDS.findall(theirs)):
            return "the lookup form's fields differ"
        return None
    mine_body = REPORT_ID.sub("webapi-REPORT", response.content.decode())
    theirs_body = REPORT_ID.sub("webapi-REPORT", capture.body.decode())
    if mine_body != theirs_body:
        return _first_difference(mine_body, theirs_body)
    return None


def _first_difference(mine: str, theirs: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), min(len(mine), len(theirs)))
    return (
        f"body differs at {at}: ...{mine[max(0, at - 80) : at + 80]!r}\n  vs ...{theirs[max(0, at - 80) : at + 80]!r}"
    )


def test_sandbox_replays_every_capture_in_index_order_like_the_real_store(
    fresh_store: tuple[MagentoSandbox, list[float]],
) -> None:
    """Each capture of INDEX.txt, replayed in order, gets the captured status, headers and body."""
    store, wall = fresh_store
    names = index()
    assert len(names) == len(list(FIXTURES.glob("*.http"))), "INDEX.txt lists every capture"
    failures = []
    for name in names:
        capture = load(name)
        if name in CRON_BEFORE:
            store.set_now(datetime.fromisoformat(CRON_BEFORE[name]))
            store.clean_orders()
        if name == "guest_cart_create_anon":
            store.masked_ids = iter([json.loads(capture.body)])
        why = _mismatch(capture, replay(store, capture, wall))
        if why:
            failures.append(f"{name}: {why}")
    assert not failures, f"{len(failures)} of {len(names)} captures differ:\n" + "\n".join(failures)


def _vectors() -> list[tuple[str, dict[str, str]]]:
    if not FIXTURES.is_dir():
        return [("absent", {})]
    out = []
    for block in (FIXTURES / "OAUTH-BASE-STRINGS.txt").read_text().split("\n== ")[1:]:
        name = block.split(" ", 1)[0]
        fields = dict(re.findall(r"^(\w[\w =]*?):\s+(.*)$", block, re.MULTILINE))
        out.append((name, fields))
    return out


@pytest.mark.parametrize(("name", "vector"), _vectors(), ids=[n for n, _ in _vectors()])
def test_oauth_builds_the_base_string_and_signature_magento_expects(name: str, vector: dict[str, str]) -> None:
    """For every signed capture, base_string() and signature() give OAUTH-BASE-STRINGS.txt's base and expected."""
    capture = load(name)
    parts = urlsplit(capture.url)
    oauth = parse_authorization(capture.request_headers.get("Authorization"))
    assert oauth is not None
    params = {**signed_query_params(parts.query), **oauth}
    params.pop("oauth_signature", None)
    base_url = f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"
    assert base_string(capture.method, base_url, params) == vector["base"]
    consumer_secret, _, token_secret = vector["key"].partition("&")
    assert signature(capture.method, base_url, params, consumer_secret, token_secret) == vector["expected"]
