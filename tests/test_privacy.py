"""Privacy: the state keeps no more than it needs; retention; `forget`; `suppress add|remove|list`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.model.records import Recall
from wcrecall.sandbox import SandboxStore
from wcrecall.state.db import State
from wcrecall.state.privacy import blocked, prune, suppress_domain, suppress_email


def rows(config: Path, when: object = NOW) -> dict[int, dict[str, object]]:
    data = json.loads(cli(["status", "--json"], config=config, now=when).stdout)  # type: ignore[arg-type]
    return {r["order"]: r for r in data["recalls"]}


def state_text(tmp_path: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp_path.glob("shop.state.json*") if p.is_file())


def test_state_keeps_no_address_phone_name_or_items(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Only ids, a keyed hash and a masked form of the email, country and totals reach the state file."""
    billing = {"first_name": "Zelda", "last_name": "Quimby", "address_1": "12 Lantern Row", "city": "Oxbridge",
               "phone": "+44 7700 900123", "company": "Quimby Widgets"}  # fmt: skip
    order_id = failed_order(store, "zelda.quimby@example.com", billing=billing)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    text = state_text(tmp_path)
    assert "z***@example.com" in text and str(order_id) in text
    items = [str(i["name"]) for i in store.get_order(order_id)["line_items"]]  # type: ignore[index]
    for private in ["zelda.quimby@example.com", "Zelda", "Quimby", "Lantern", "Oxbridge", "7700 900123", *items]:
        assert private not in text, private


def test_ended_recalls_older_than_the_retention_are_dropped(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """state.retention: an ended recall is dropped once it ended longer ago than that; open ones stay."""
    paid = failed_order(store, "ana@example.com")
    still_open = failed_order(store, "ben@example.com", hours_ago=0.2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='retention = "2d"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.pay(paid)
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert rows(config)[paid]["outcome"] == "recovered"
    moment = NOW + timedelta(days=2, hours=1)
    store.set_now(moment)
    assert cli(["run"], config=config, now=moment).exit_code == 0
    assert set(rows(config, moment)) == {still_open}


def test_prune_keeps_open_recalls_and_unwritten_end_notes(tmp_path: Path) -> None:
    """prune() drops only ended recalls whose end note is written and that ended before now - keep."""
    state = State(tmp_path / "s.json").load()

    def recall(order_id: int, **fields: object) -> Recall:
        r = Recall(id=order_id, number=str(order_id), kind="failed", status="failed", email_hash="h",
                   email_masked="a***@example.com", customer_id=0, country="DE", currency="EUR", total="1",
                   created=NOW.isoformat(), opened=NOW.isoformat())  # fmt: skip
        for k, v in fields.items():
            setattr(r, k, v)
        return r

    old = (NOW - timedelta(days=100)).isoformat()
    state.put(recall(1, outcome="recovered", ended=old))
    state.put(recall(2, outcome="recovered", ended=old, end_noted=False))
    state.put(recall(3))
    state.put(recall(4, outcome="closed", ended=(NOW - timedelta(days=10)).isoformat()))
    assert prune(state, NOW, timedelta(days=90)) == 1
    assert set(state.recalls) == {2, 3, 4}
    state.close()


def test_forget_removes_every_trace_and_suppresses_the_buyer(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """forget EMAIL: the buyer's recalls leave the state (snapshot and journal) and they are never mailed again."""
    ana = failed_order(store, "ana@example.com")
    ben = failed_order(store, "ben@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    key = State(tmp_path / "shop.state.json", read_only=True).load().email_hash("ana@example.com")
    result = cli(["forget", "Ana@Example.com"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "forgot A***@Example.com: 1 recall(s) removed; the address is suppressed"
    assert set(rows(config)) == {ben}
    text = state_text(tmp_path)
    snapshot = json.loads((tmp_path / "shop.state.json").read_text())
    assert "a***@example.com" not in text.lower() and key not in json.dumps(snapshot["recalls"])
    assert [r["id"] for r in snapshot["recalls"].values()] == [ben]
    assert not (tmp_path / "shop.state.json.journal").exists()  # the journal held ana's recall: emptied
    assert list(json.loads((tmp_path / "shop.state.json").read_text())["meta"]["1"]["suppressed"]["emails"]) == [key]
    # Ana's next failed order is not mailed; status says why.
    store.advance(timedelta(days=1))
    again = failed_order(store, "ana@example.com")
    later = NOW + timedelta(days=1)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert str(rows(config, later)[again]["end_reason"]).startswith("suppressed: forgotten on 2026-11-26")
    assert {o for o, _ in deliveries(smtp)} == {ana, ben}  # only the email sent before forget went to ana


def test_suppress_domain_add_list_remove(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """suppress add DOMAIN blocks every address there (subdomains too); list shows it; remove lifts it."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["suppress", "add", "@Example.ORG"], config=config, now=NOW).stdout.strip() == "suppressed example.org"
    assert cli(["suppress", "add", "carl@example.net"], config=config, now=NOW).exit_code == 0
    listed = cli(["suppress", "list"], config=config, now=NOW).stdout
    assert "domain\texample.org\tadded on 2026-11-26" in listed
    assert "added on 2026-11-26 (c***@example.net)" in listed and "carl@" not in listed
    blocked_order = failed_order(store, "dora@mail.example.org")
    carl = failed_order(store, "carl@example.net")
    fine = failed_order(store, "eve@example.com")
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    found = rows(config)
    assert found[blocked_order]["end_reason"] == "suppressed: domain example.org (added on 2026-11-26)"
    assert str(found[carl]["end_reason"]).startswith("suppressed: added on")
    assert set(deliveries(smtp)) == {(fine, 1)}
    assert cli(["suppress", "remove", "example.org"], config=config, now=NOW).stdout.strip() == "removed example.org"
    assert "example.org" not in cli(["suppress", "list"], config=config, now=NOW).stdout
    assert (
        "was not on the suppression list" in cli(["suppress", "remove", "example.org"], config=config, now=NOW).stdout
    )


def test_buyer_suppressed_between_steps_gets_no_further_reminder(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The check right before each send: suppressed after reminder 1, reminder 2 is not sent and status says why."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert cli(["suppress", "add", "ana@example.com"], config=config, now=NOW).exit_code == 0
    later = NOW + timedelta(hours=25)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1}
    row = rows(config, later)[order_id]
    assert row["outcome"] == "ended_unpaid" and str(row["end_reason"]).startswith("suppressed: added on")


@pytest.mark.parametrize("bad", ["not-an-address", "jane@", "", "two words.com"])
def test_suppress_and_forget_reject_what_is_not_an_address_or_domain(
    tmp_path: Path, store: SandboxStore, bad: str
) -> None:
    """A malformed argument is exit 2 with a message saying what form works."""
    config = write_config(tmp_path, store.url)
    result = cli(["suppress", "add", bad], config=config, now=NOW)
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert cli(["forget", bad or "x"], config=config, now=NOW).exit_code == 2


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("x@blocked.example", "suppressed: domain blocked.example (test)"),
        ("x@sub.blocked.example", "suppressed: domain blocked.example (test)"),
        ("x@notblocked.example", None),
        ("person@bücher.example", "suppressed: domain xn--bcher-kva.example (test)"),
        ("Person@Example.com", "suppressed: test (P***@Example.com)"),
        ("", None),
    ],
)
def test_blocked_matches_addresses_case_insensitively_and_domains_with_subdomains(
    tmp_path: Path, email: str, expected: str | None
) -> None:
    """blocked(): an address by its keyed hash (case-insensitive), a domain with its subdomains, IDN in either form."""
    state = State(tmp_path / "s.json").load()
    suppress_domain(state, "Blocked.Example", "test")
    suppress_domain(state, "bücher.example", "test")
    suppress_email(state, "Person@Example.com", "test")
    state.close()
    assert blocked(state, email) == expected


def test_a_refused_address_is_listed_with_when_and_why_and_removed_by_what_the_list_shows(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """`suppress list` shows the masked address, the day and the server's reply; `suppress remove` takes the masked
    address it shows, so an owner can undo a refusal that was not the buyer's fault."""
    order_id = failed_order(store, "gone@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.fail_rcpt = {"*": "550 5.1.1 no such user"}
    assert cli(["run"], config=config, now=NOW).exit_code == 1
    (line,) = cli(["suppress", "list"], config=config, now=NOW).stdout.splitlines()
    assert "g***@example.com" in line and "2026-11-26" in line and "550 5.1.1 no such user" in line
    assert "gone@" not in line
    result = cli(["suppress", "remove", "g***@example.com"], config=config, now=NOW)
    assert (result.exit_code, result.stdout.strip()) == (0, "removed g***@example.com")
    assert cli(["suppress", "list"], config=config, now=NOW).stdout.strip() == ""
    # Not suppressed any more: the buyer's next order is mailed.
    smtp.fail_rcpt = {}
    store.advance(timedelta(days=1))
    again = failed_order(store, "gone@example.com")
    later = NOW + timedelta(days=1)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert (again, 1) in deliveries(smtp) and (order_id, 1) not in deliveries(smtp)


def test_an_ambiguous_masked_address_asks_for_the_id_shown_by_the_list(tmp_path: Path, store: SandboxStore) -> None:
    """Two entries shown as a***@example.com: remove by the masked form is refused naming both ids; the id works."""
    config = write_config(tmp_path, store.url)
    for address in ("ann@example.com", "amy@example.com"):
        assert cli(["suppress", "add", address], config=config, now=NOW).exit_code == 0
    listed = [line.split("\t") for line in cli(["suppress", "list"], config=config, now=NOW).stdout.splitlines()]
    ids = [fields[1] for fields in listed]
    result = cli(["suppress", "remove", "a***@example.com"], config=config, now=NOW)
    assert result.exit_code == 2 and all(i in result.stderr for i in ids)
    result = cli(["suppress", "remove", ids[0]], config=config, now=NOW)
    assert (result.exit_code, result.stdout.strip()) == (0, "removed a***@example.com")
    assert [line.split("\t")[1] for line in cli(["suppress", "list"], config=config, now=NOW).stdout.splitlines()] == [
        ids[1]
    ]


@pytest.mark.parametrize(
    ("listed", "order_email"),
    [
        ("Ana@Bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@XN--BCHER-KVA.example", "ANA@bücher.EXAMPLE"),
        ("ana@example.com.", "ana@example.com"),
    ],
)
def test_a_suppressed_address_matches_in_any_spelling(tmp_path: Path, listed: str, order_email: str) -> None:
    """Case, a trailing dot, and an international domain in Unicode or punycode are one address."""
    state = State(tmp_path / "s.json").load()
    suppress_email(state, listed, "test")
    state.close()
    assert str(blocked(state, order_email)).startswith("suppressed: test")


def test_forget_finds_the_buyer_whatever_the_spelling_of_the_domain(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A recall opened for ana@bücher.example is forgotten by `forget ANA@XN--BCHER-KVA.EXAMPLE`."""
    failed_order(store, "ana@bücher.example")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    result = cli(["forget", "ANA@XN--BCHER-KVA.EXAMPLE"], config=config, now=NOW)
    assert result.exit_code == 0 and "1 recall(s) removed" in result.stdout, result.stdout + result.stderr
    assert rows(config) == {}
