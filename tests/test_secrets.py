"""Secrets never leak: the consumer secret, the SMTP password and OAuth signatures appear in no output and no file.

The test drives a representative set of CLI calls with distinctive known secrets (successes, -v, --dry-run, status,
preview, and failures with a wrong secret and a wrong SMTP password), then searches every stdout/stderr, every log
record at DEBUG, every file written next to the state, every order note and every email for them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import DEFAULT_KEYS, ApiKey, SandboxStore
from wcrecall.sandbox.wire import Request

KEY = "ck_known0key0for0the0secrets0test0000000000"
SECRET = "cs_KnownSecretValue7f3e9a1bDoNotLeak000000"
WRONG_SECRET = "cs_WrongKnownSecretValue55aa0DoNotLeak0000"
SMTP_PW = "SmtpKnownPw-4b2c-DoNotLeak"
WRONG_SMTP_PW = "SmtpWrongKnownPw-9d8e-DoNotLeak"


class Seen:
    """What the store received: OAuth signatures and whether any request carried Basic or query-string auth."""

    def __init__(self) -> None:
        self.signatures: set[str] = set()
        self.authorization_headers = 0
        self.query_secrets = 0


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def store(seen: Seen) -> Iterator[SandboxStore]:
    with SandboxStore(keys=(ApiKey(KEY, SECRET), *DEFAULT_KEYS)) as sandbox:
        sandbox.set_now(NOW)
        answer = sandbox.answer

        def recording_answer(request: Request) -> object:
            query = dict(parse_qsl(urlsplit(request.target).query))
            if query.get("oauth_signature"):
                seen.signatures.add(query["oauth_signature"])
            seen.query_secrets += "consumer_secret" in query
            seen.authorization_headers += "authorization" in request.headers
            return answer(request)

        sandbox.answer = recording_answer  # type: ignore[method-assign,assignment]
        yield sandbox


def test_no_secret_appears_in_any_output_or_file(
    tmp_path: Path, store: SandboxStore, seen: Seen, caplog: pytest.LogCaptureFixture
) -> None:
    """Every CLI output, DEBUG log, state/journal/outbox file, note and email is free of the known secrets."""
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    orders = [failed_order(store, f"buyer{i}@example.com") for i in range(3)]
    with SmtpServer(username="shop", password=SMTP_PW) as smtp:
        config = write_config(tmp_path, store.url, smtp_port=smtp.port, key=KEY, secret=SECRET)
        config.write_text(config.read_text().replace("smtp-Secret-pw-4c1d", SMTP_PW))
        wrong_key = write_config(
            tmp_path, store.url, smtp_port=smtp.port, key=KEY, secret=WRONG_SECRET, name="wrong.toml"
        )
        wrong_pw = write_config(tmp_path, store.url, smtp_port=smtp.port, key=KEY, secret=SECRET, name="badpw.toml")
        wrong_pw.write_text(wrong_pw.read_text().replace("smtp-Secret-pw-4c1d", WRONG_SMTP_PW))
        calls = [
            (["run", "--dry-run"], config, NOW),
            (["-v", "run", "--dry-run"], config, NOW),
            (["-v", "run"], wrong_key, NOW),
            (["run"], wrong_key, NOW),
            (["-v", "run"], wrong_pw, NOW),
            (["run"], wrong_pw, NOW),
            (["-v", "run"], config, NOW),
            (["status"], config, NOW),
            (["status", "--json"], config, NOW),
            (["-v", "preview", str(orders[0]), "--step", "2"], config, NOW),
            (["-v", "preview", "999999"], config, NOW),
            (["-v", "run"], config, NOW + timedelta(hours=25)),
            (["-v", "status", "--json"], config, NOW + timedelta(hours=25)),
        ]
        for args, cfg, when in calls:
            store.set_now(when)
            result = cli(args, config=cfg, now=when)
            outputs += [result.stdout, result.stderr]
        mail = [m.data.decode("utf-8", "replace") for m in smtp.messages]
        assert len(smtp.messages) == 6  # the run worked: step 1 and step 2 for three orders
    outputs.append(caplog.text)
    files = {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".toml"  # the config files hold the secrets by design
    }
    assert any(p.name.endswith(".state.json") for p in files)
    notes = [str(n["note"]) for o in orders for n in store.notes(o)]
    assert seen.signatures, "the store saw no OAuth signature"
    needles = {SECRET, WRONG_SECRET, SMTP_PW, WRONG_SMTP_PW, *seen.signatures}
    haystacks = {f"output {i}": text for i, text in enumerate(outputs)}
    haystacks |= {f"file {p.name}": text for p, text in files.items()}
    haystacks |= {f"note {i}": text for i, text in enumerate(notes)}
    haystacks |= {f"email {i}": text for i, text in enumerate(mail)}
    leaks = [(where, needle[:12]) for where, text in haystacks.items() for needle in needles if needle in text]
    assert leaks == []


def test_http_store_gets_oauth_never_basic_or_query_secrets(tmp_path: Path, store: SandboxStore, seen: Seen) -> None:
    """Over http every request is OAuth-signed: no Authorization header, no consumer_secret in the query."""
    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, key=KEY, secret=SECRET)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert seen.signatures and seen.authorization_headers == 0 and seen.query_secrets == 0


def test_tls_verification_off_warns_on_every_run(tmp_path: Path, store: SandboxStore) -> None:
    """store.verify_tls = false prints a warning each run (verification is on by default: no warning)."""
    config = write_config(tmp_path, store.url, key=KEY, secret=SECRET)
    assert "verify_tls" not in cli(["run"], config=config, now=NOW).stderr
    for minutes in (10, 20):
        result = cli(
            ["run"], config=config, now=NOW + timedelta(minutes=minutes), env={"WCRECALL_STORE_VERIFY_TLS": "false"}
        )
        assert "Warning: store.verify_tls is false" in result.stderr


@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_config_readable_by_group_or_others_warns_with_chmod_600(
    tmp_path: Path, store: SandboxStore, mode: int
) -> None:
    """A config readable by group or others gets a warning naming chmod 600."""
    config = write_config(tmp_path, store.url, key=KEY, secret=SECRET)
    config.chmod(mode)
    assert "chmod 600" in cli(["run"], config=config, now=NOW).stderr
