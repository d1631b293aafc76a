"""The sandbox store answers like the real WooCommerce 7.8.2 store captured in ../shared/fixtures/woocommerce-7.8.2.

Every captured request is replayed verbatim (same path, raw query and OAuth signature) against a sandbox seeded
with `seed_fixture_store`, its clock and the OAuth wall clock set to the capture time, so the signatures are
verified for real (timestamps and nonces included). The https captures are replayed with `assume_https`, the
sandbox standing in for the nginx front end.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jsonshape import shape
from prerequisites import require

from wcrecall.sandbox import SandboxStore, seed_fixture_store
from wcrecall.sandbox.oauth import DEFAULT_CONSUMER_SECRET, php_parse_str, signature

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "woocommerce-7.8.2"
HTTP_HOME = "http://127.0.0.1:8080"
HTTPS_HOME = "https://127.0.0.1:8443"

# Captures that need earlier requests of the same capture session (replayed first, in this order).
PREREQUISITES = {
    "err_401_oauth_nonce_replayed_http": ["err_401_oauth_nonce_replayed_http"],  # accepted once, then replayed
    "order_note_create_basic_https": ["order_note_create_private_oauth_http"],
    "order_note_create_added_by_user_oauth_http": ["order_note_create_private_oauth_http",
                                                   "order_note_create_basic_https"],
    "order_notes_list_after_create_oauth_http": ["order_note_create_private_oauth_http",
                                                 "order_note_create_basic_https",
                                                 "order_note_create_added_by_user_oauth_http"],
    "order_single_after_note_create_oauth_http": ["order_note_create_private_oauth_http",
                                                  "order_note_create_basic_https",
                                                  "order_note_create_added_by_user_oauth_http"],
    "order_notes_after_status_change_oauth_http": ["order_update_status_processing_oauth_http"],
    # Session B: order 15 paid (PUT), then order 44 created, then the keep-alive check lists failed orders.
    "orders_keepalive_basic_https": ["order_update_status_processing_oauth_http", "order_create_failed_oauth_http"],
}  # fmt: skip
# Bodies that cannot be byte-identical, and the fields that differ (everything else must be equal).
NOT_IDENTICAL = {
    "order_create_failed_oauth_http": {"order_key", "payment_url"},  # a fresh random order key
    "system_status_oauth_http": {"environment.log_directory"},  # a path on the captured machine
    # The real PUT crossed a second boundary: its notes are stamped one second after the order's date_modified.
    "order_notes_after_status_change_oauth_http": {"date_created", "date_created_gmt"},
}
# Headers whose presence and value must match; Link and Location are compared where present.
COMPARED_HEADERS = ("X-WP-Total", "X-WP-TotalPages", "Link", "Location", "Allow", "Vary", "Expires", "Cache-Control")


@pytest.fixture(autouse=True)
def captures() -> None:
    """Every test here needs the captures: without them it is skipped with the reason (a failure with `CI` set)."""
    require("WooCommerce 7.8.2 contract tests", None if FIXTURES.is_dir() else f"the captures are not in {FIXTURES}")


@dataclass(frozen=True)
class Capture:
    """One captured exchange: the raw response and the request that produced it."""

    name: str
    status: int
    headers: list[tuple[str, str]]
    body: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    captured_at: datetime

    @property
    def https(self) -> bool:
        return self.url.startswith("https:")

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None


def capture_names() -> list[str]:
    # Without the captures one placeholder keeps each replay test collected, so that `captures` says why it cannot run.
    return sorted(p.name.removesuffix(".http") for p in FIXTURES.glob("*.http")) if FIXTURES.is_dir() else ["absent"]


def load(name: str) -> Capture:
    """Parse NAME.http (raw response) and NAME.request.txt (method, URL, curl arguments, captured_at)."""
    raw = (FIXTURES / f"{name}.http").read_text(encoding="utf-8")
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    headers = [(k, v) for k, _, v in (line.partition(": ") for line in lines[1:])]
    request_lines = (FIXTURES / f"{name}.request.txt").read_text(encoding="utf-8").split("\n")
    method, url = request_lines[0].split(" ", 1)
    args = iter([line[7:] for line in request_lines[1:] if line.startswith("  arg: ")])
    request_headers: dict[str, str] = {}
    data = None
    for arg in args:
        if arg == "-H":
            key, _, value = next(args).partition(": ")
            request_headers[key] = value
        elif arg == "--data":
            data = next(args).encode("utf-8")
        elif arg == "-u":
            request_headers["Authorization"] = "Basic " + base64.b64encode(next(args).encode()).decode()
    stamp = next(line[13:] for line in request_lines if line.startswith("captured_at: "))
    captured = datetime.fromisoformat(stamp)
    return Capture(name, int(lines[0].split()[1]), headers, body, method, url, request_headers, data, captured)


def replay(store: SandboxStore, capture: Capture, wall: list[float]) -> requests.Response:
    """Send the captured request verbatim to the sandbox, playing the captured site at the capture's time."""
    store.home_url = HTTPS_HOME if capture.https else HTTP_HOME
    store.assume_https = capture.https
    store.set_now(capture.captured_at)
    wall[0] = capture.captured_at.timestamp()
    parts = urlsplit(capture.url)
    prepared = requests.Request(
        capture.method, store.url, headers=capture.request_headers, data=capture.request_body
    ).prepare()
    # requests would normalise the URL; the raw query (`+`, `%2C`, `status%5B%5D`) is part of the test vector.
    prepared.url = store.url + parts.path + (f"?{parts.query}" if parts.query else "")
    with requests.Session() as session:
        return session.send(prepared, timeout=10)


def without(data: object, paths: set[str]) -> object:
    """`data` with the dotted `paths` removed (from each element of a list)."""
    if isinstance(data, list):
        return [without(item, paths) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in paths:
            continue
        inner = {p.split(".", 1)[1] for p in paths if p.startswith(f"{key}.")}
        out[key] = without(value, inner) if inner else value
    return out


Replayer = tuple[SandboxStore, list[float]]


@pytest.fixture
def fixture_store() -> Iterator[Replayer]:
    wall = [0.0]
    store = SandboxStore(home_url=HTTP_HOME, wall_clock=lambda: wall[0], close_connections=True)
    with store:
        seed_fixture_store(store)
        yield store, wall


@pytest.mark.parametrize("name", capture_names())
def test_sandbox_answers_each_captured_request_like_the_real_store(name: str, fixture_store: Replayer) -> None:
    """Replaying a capture gives its status, pagination/Allow/Link/Location headers and JSON body."""
    store, wall = fixture_store
    for earlier in PREREQUISITES.get(name, []):
        assert replay(store, load(earlier), wall).status_code < 300, earlier
    capture = load(name)
    response = replay(store, capture, wall)
    assert response.status_code == capture.status
    for header in COMPARED_HEADERS:
        assert response.headers.get(header) == capture.header(header), header
    assert response.headers["Content-Type"] == capture.header("Content-Type")
    assert response.headers["Date"] == format_datetime(capture.captured_at, usegmt=True)  # the simulated clock
    mine, theirs = response.json(), json.loads(capture.body)
    assert shape(mine) == shape(theirs)
    ignored = NOT_IDENTICAL.get(name, set())
    assert without(mine, ignored) == without(theirs, ignored)


def test_sandbox_body_is_encoded_like_php_json_encode(fixture_store: Replayer) -> None:
    """Bodies are byte-identical to the capture: `\\/` for slashes and `\\uXXXX` for non-ASCII."""
    store, wall = fixture_store
    capture = load("orders_failed_pending_per100_oauth_http")
    assert replay(store, capture, wall).content == capture.body.encode()


def test_sandbox_closes_connections_like_the_php_server(fixture_store: Replayer) -> None:
    """With close_connections the answer carries `Connection: close`, as the captured PHP server on http."""
    store, wall = fixture_store
    capture = load("order_single_oauth_http")
    assert replay(store, capture, wall).headers["Connection"] == capture.header("Connection") == "close"


def _accepted_oauth_captures() -> list[str]:
    return [n for n in capture_names() if n == "absent" or ("oauth" in n and "err_401" not in n)]


@pytest.mark.parametrize("name", _accepted_oauth_captures())
def test_sandbox_oauth_reproduces_captured_signatures(name: str) -> None:
    """oauth.signature() gives the signature of every request the real store accepted."""
    capture = load(name)
    parts = urlsplit(capture.url)
    params = php_parse_str(parts.query)
    expected = params["oauth_signature"]
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert signature(capture.method, base_url, params, DEFAULT_CONSUMER_SECRET) == expected


@pytest.mark.parametrize(
    "name",
    [
        "err_401_oauth_bad_secret_http",
        "err_401_follow_link_next_verbatim_oauth_http",
        "err_401_oauth_status_array_syntax_sig_mismatch_http",
    ],
)
def test_sandbox_oauth_rejects_captured_bad_signatures(name: str) -> None:
    """The requests the real store refused for their signature do not verify here either."""
    capture = load(name)
    parts = urlsplit(capture.url)
    params = php_parse_str(parts.query)
    provided = str(params["oauth_signature"]).replace(" ", "+")
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert signature(capture.method, base_url, params, DEFAULT_CONSUMER_SECRET) != provided


def test_sandbox_replays_with_timestamp_checks_off(fixture_store: Replayer) -> None:
    """verify_timestamps=False accepts the old captured signatures against the real wall clock."""
    capture = load("orders_oauth_hmac_sha1_http")
    with SandboxStore(home_url=HTTP_HOME, verify_timestamps=False) as store:
        seed_fixture_store(store)
        response = replay(store, capture, [0.0])
        assert response.status_code == 200
        assert response.json() == json.loads(capture.body)
    with SandboxStore(home_url=HTTP_HOME) as store:
        seed_fixture_store(store)
        assert replay(store, capture, [0.0]).json()["message"] == "Invalid timestamp."
