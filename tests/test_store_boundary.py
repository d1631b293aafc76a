"""The store's HTTP boundary: a read-only key sends nothing, a private CA is trusted through `store.ca_bundle`,
secrets stay out of config errors, and the noise-salvaging JSON parser does linear work."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from proxies import Proxy
from smtp_server import SmtpServer
from subproc import deliveries
from test_init import scripted

from wcrecall.model.errors import StoreError
from wcrecall.sandbox import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    SandboxStore,
)
from wcrecall.sandbox.wire import Request
from wcrecall.state.db import State

NOTES = "/wp-json/wc/v3/orders/{id}/notes"


def watermark(tmp_path: Path) -> object:
    return State(tmp_path / "shop.state.json", read_only=True).load().meta.get("watermark")


# -- a read-only key --------------------------------------------------------------------------------------------------


def test_read_only_key_sends_nothing_and_exits_2_naming_the_write_permission(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Two buyers due, a read-only key: the write check (one POST that writes nothing) fails before the first
    email; exit 2, the message names the write permission, nobody is mailed, no step is claimed."""
    orders = [failed_order(store, "ana@example.com"), failed_order(store, "ben@example.com")]
    config = write_config(
        tmp_path, store.url, smtp_port=smtp.port, key=READONLY_CONSUMER_KEY, secret=READONLY_CONSUMER_SECRET
    )
    store.reset_counters()
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2, result.stderr
    assert "write permission" in result.stderr and "Read/Write" in result.stderr
    assert "Traceback" not in result.stderr
    assert smtp.messages == []
    assert store.count("POST") == 1  # the probe, refused before routing; nothing else was tried
    for order_id in orders:
        assert [n for n in store.notes(order_id) if str(n["note"]).startswith("wcrecall")] == []
    state = State(tmp_path / "shop.state.json", read_only=True).load()
    assert all(not r.steps for r in state.recalls.values())


def test_write_check_is_made_once_and_only_in_a_tick_that_sends(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A Read/Write key: the tick that mails two buyers checks once (a POST to order 0: 404, nothing written);
    a quiet tick makes no POST at all."""
    orders = [failed_order(store, "ana@example.com"), failed_order(store, "ben@example.com")]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.reset_counters()
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    probes = [r for r in store.request_log if r.method == "POST" and r.path.endswith("/orders/0/notes")]
    assert len(probes) == 1 and probes[0].status == 404
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}
    store.reset_counters()
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert store.count("POST") == 0


def test_a_note_written_earlier_in_the_tick_proves_the_write_permission(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The tick first records a payment in its order's notes (a POST the store accepted): its emails need no
    separate write check, so a busy day costs one request fewer per such tick."""
    paid = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.pay(paid)
    other = failed_order(store, "ben@example.com")
    store.reset_counters()
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    probes = [r for r in store.request_log if r.method == "POST" and r.path.endswith("/orders/0/notes")]
    assert probes == []
    assert deliveries(smtp) == {(paid, 1): 1, (other, 1): 1}


def test_init_refuses_a_read_only_key_and_writes_nothing(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """init tests the write permission too: a read-only key is exit 2 naming it, and no config is written."""
    config = tmp_path / "shop.toml"
    args = scripted(store, smtp)
    args[args.index("--key") + 1] = READONLY_CONSUMER_KEY
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "WCRECALL_STORE_CONSUMER_SECRET": READONLY_CONSUMER_SECRET,
        "WCRECALL_MAIL_PASSWORD": SMTP_PASSWORD,
    }
    result = cli(args, config=config, now=NOW, env=env)
    assert result.exit_code == 2, result.stderr
    assert "write permission" in result.stderr
    assert READONLY_CONSUMER_SECRET not in result.stderr + result.stdout
    assert list(tmp_path.glob("*.toml*")) == [] and list(tmp_path.glob(".shop*")) == []


# -- secrets in config errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("store", "consumer_secret", '["cs_TopSecret0123456789"]'), ("mail", "password", '{ pw = "TopSecret0123456789" }'),
     ("mail", "password", '["TopSecret0123456789"]')],
)  # fmt: skip
def test_a_secret_of_the_wrong_toml_type_is_not_printed(
    tmp_path: Path, store: SandboxStore, section: str, key: str, value: str
) -> None:
    """A secret given as a list or table is a config error naming the key, without the value."""
    config = write_config(tmp_path, store.url)
    text = config.read_text()
    if section == "store":
        text = text.replace(f'consumer_secret = "{DEFAULT_CONSUMER_SECRET}"', f"consumer_secret = {value}")
    else:
        text = text.replace("[mail]\n", f'[mail]\nusername = "shop"\n{key} = {value}\n')
    config.write_text(text)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2
    assert f"{section}.{key}" in result.stderr
    assert "TopSecret0123456789" not in result.stderr + result.stdout


# -- the noise-salvaging parser -----------------------------------------------------------------------------------


def test_salvaging_json_after_noise_does_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of many openings followed by a long run that never closes: the salvage path reads each character a
    bounded number of times (the decoder's work, measured as characters it went through, stays within a few times the body)."""
    from wcrecall.store import client as store_module

    scanned = [0]
    real = json.JSONDecoder.raw_decode

    def counting(self: json.JSONDecoder, s: str, idx: int = 0) -> tuple[Any, int]:
        try:
            value, end = real(self, s, idx)
        except json.JSONDecodeError as exc:
            scanned[0] += exc.pos - idx
            raise
        scanned[0] += end - idx
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    body = "<b>Notice</b> " + "[" * 150 + "1, " * 20000 + "x"
    with pytest.raises(store_module._Transient):
        store_module.parse_body(body, what="GET orders")
    assert scanned[0] <= 3 * len(body)


def test_salvaging_still_finds_json_after_php_noise() -> None:
    """The PHP notice before the JSON is skipped; brackets inside the notice do not confuse it."""
    from wcrecall.store.client import parse_body

    noise = "<br />\n<b>Warning</b>: Array[0] {oops} in <b>x.php</b> on line <b>3</b><br />\n"
    assert parse_body(noise + '[{"id": 1}, {"id": 2}]', what="GET orders") == [{"id": 1}, {"id": 2}]
    assert parse_body(noise + '{"id": 7}\n', what="GET order") == {"id": 7}


# -- a private CA ---------------------------------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def private_ca(tmp_path: Path) -> dict[str, Path]:
    """A throwaway CA and a certificate it signed for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not available")
    pki = tmp_path / "pki"
    pki.mkdir()
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test Private CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=pki)  # fmt: skip
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=pki)  # fmt: skip
    (pki / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\n"
    )
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=pki)  # fmt: skip
    return {"ca": pki / "ca.pem", "cert": pki / "server.pem", "key": pki / "server.key"}


class _TlsFront(ThreadingHTTPServer):
    """HTTPS on 127.0.0.1 in front of a sandbox store (which checks Basic auth as behind nginx)."""

    daemon_threads = True

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__(("127.0.0.1", 0), _TlsHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.sandbox: SandboxStore | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"


class _TlsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TlsFront

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        assert self.server.sandbox is not None
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        response = self.server.sandbox.answer(request)
        self.send_response_only(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_POST = do_PUT = do_GET


@pytest.fixture
def tls_store(private_ca: dict[str, Path]) -> Iterator[tuple[_TlsFront, SandboxStore]]:
    front = _TlsFront(private_ca["cert"], private_ca["key"])
    thread = threading.Thread(target=lambda: front.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    try:
        with SandboxStore(assume_https=True, home_url=front.url) as sandbox:
            sandbox.set_now(NOW)
            front.sandbox = sandbox
            yield front, sandbox
    finally:
        front.shutdown()
        front.server_close()


def test_store_behind_a_private_ca_works_with_ca_bundle(
    tmp_path: Path, tls_store: tuple[_TlsFront, SandboxStore], private_ca: dict[str, Path], smtp: SmtpServer
) -> None:
    """Without store.ca_bundle the TLS check fails and the message points at the setting; with the CA's PEM file
    (a path relative to the config file) the tick mails the buyer."""
    front, sandbox = tls_store
    order_id = failed_order(sandbox, "ana@example.com")
    config = write_config(tmp_path, front.url, smtp_port=smtp.port)
    refused = cli(["run"], config=config, now=NOW)
    assert refused.exit_code != 0 and smtp.messages == []
    assert "TLS certificate check failed" in refused.stderr and "store.ca_bundle" in refused.stderr
    assert "Traceback" not in refused.stderr
    shutil.copy(private_ca["ca"], tmp_path / "shop-ca.pem")
    config.write_text(config.read_text().replace("timeout = 5\n", 'timeout = 5\nca_bundle = "shop-ca.pem"\n'))
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(order_id, 1): 1}
    assert watermark(tmp_path) is not None


@pytest.mark.parametrize(
    ("problem", "reason"), [("missing", "does not exist"), ("not_pem", "holds no PEM certificate"),
                            ("folder", "cannot be read")]
)  # fmt: skip
def test_unusable_ca_bundle_is_a_config_error_naming_the_setting(
    tmp_path: Path, store: SandboxStore, problem: str, reason: str
) -> None:
    """A missing file, a file that is not PEM, or a folder: exit 2 naming store.ca_bundle, before any request."""
    if problem == "not_pem":
        (tmp_path / "ca.pem").write_text("not a certificate\n")
    elif problem == "folder":
        (tmp_path / "ca.pem").mkdir()
    config = write_config(tmp_path, store.url, extra="")
    config.write_text(config.read_text().replace("timeout = 5\n", 'timeout = 5\nca_bundle = "ca.pem"\n'))
    store.reset_counters()
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"Error: store.ca_bundle: {tmp_path / 'ca.pem'} {reason}")
    assert "Traceback" not in result.stderr
    assert store.count() == 0


def test_init_trusts_a_private_ca_given_with_ca_bundle(
    tmp_path: Path, tls_store: tuple[_TlsFront, SandboxStore], private_ca: dict[str, Path], smtp: SmtpServer
) -> None:
    """init against a shop behind a private CA: --ca-bundle is tested with the connection and written to the
    config as an absolute path; the first run then mails the buyer."""
    front, sandbox = tls_store
    order_id = failed_order(sandbox, "ana@example.com")
    config = tmp_path / "conf" / "shop.toml"
    args = scripted(sandbox, smtp)
    args[args.index("--url") + 1] = front.url
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "WCRECALL_STORE_CONSUMER_SECRET": DEFAULT_CONSUMER_SECRET,
        "WCRECALL_MAIL_PASSWORD": SMTP_PASSWORD,
    }
    refused = cli(args, config=config, now=NOW, env=env)
    assert refused.exit_code == 1 and "store.ca_bundle" in refused.stderr and not config.exists()
    result = cli([*args, "--ca-bundle", str(private_ca["ca"])], config=config, now=NOW, env=env)
    assert result.exit_code == 0, result.stderr
    assert f"ca_bundle = {json.dumps(str(private_ca['ca']))}" in config.read_text()
    first = cli(["run"], config=config, now=NOW, env=env)
    assert first.exit_code == 0, first.stderr
    assert deliveries(smtp) == {(order_id, 1): 1}


def test_an_https_store_is_reached_through_a_proxy_tunnel_and_still_checked(
    monkeypatch: pytest.MonkeyPatch, tls_store: tuple[_TlsFront, SandboxStore], private_ca: dict[str, Path]
) -> None:
    """HTTPS_PROXY: the request goes through the proxy in a CONNECT tunnel, and the shop's certificate is checked end
    to end through it (refused without the private CA, accepted with it)."""
    from wcrecall.config.settings import StoreSettings
    from wcrecall.store.client import Store

    front, sandbox = tls_store
    order_id = failed_order(sandbox, "ana@example.com")
    for name in ("NO_PROXY", "no_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    keys = {"consumer_key": DEFAULT_CONSUMER_KEY, "consumer_secret": DEFAULT_CONSUMER_SECRET}
    with Proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        unchecked = Store(StoreSettings(url=front.url, **keys), max_retry_time=0)
        with unchecked.session(), pytest.raises(StoreError, match="TLS certificate check failed"):
            unchecked.get_order(order_id)
        trusted = Store(StoreSettings(url=front.url, ca_bundle=str(private_ca["ca"]), **keys), max_retry_time=0)
        with trusted.session():
            assert trusted.get_order(order_id)["id"] == order_id
            assert isinstance(trusted.get_notes(order_id), list)  # the second request: the same tunnel
    port = front.server_address[1]
    assert proxy.seen == [(f"CONNECT 127.0.0.1:{port}", None), (f"CONNECT 127.0.0.1:{port}", None)]
