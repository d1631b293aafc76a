"""Mail faults against a real SMTP server on 127.0.0.1 that misbehaves on purpose, and a sendmail that fails."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.sandbox import SandboxStore


def rows(config: Path, when: object = NOW) -> dict[int, dict[str, object]]:
    data = json.loads(cli(["status", "--json"], config=config, now=when).stdout)  # type: ignore[arg-type]
    return {r["order"]: r for r in data["recalls"]}


@pytest.mark.parametrize(
    ("where", "reply"),
    [("rcpt", "421 4.7.0 try again later"), ("rcpt", "451 4.3.0 mailbox busy"), ("data", "451 4.3.0 queue full")],
)
def test_temporary_refusal_keeps_the_step_due_for_the_next_tick(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, where: str, reply: str
) -> None:
    """421/451: nothing is recorded as sent, one problem line, exit 1; the next tick sends it once."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    if where == "rcpt":
        smtp.fail_rcpt = {"*": reply}
    else:
        smtp.fail_data = reply
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1
    assert f"order {order_id}: reminder 1 deferred by the mail server, retried next tick" in result.stderr
    assert smtp.messages == [] and rows(config)[order_id]["steps"] == []
    smtp.fail_rcpt, smtp.fail_data = {}, None
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1}


@pytest.mark.parametrize("reply", ["550 5.1.1 no such user", "553 5.1.3 mailbox name not allowed"])
def test_permanent_refusal_suppresses_the_buyer_and_ends_the_recall(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, reply: str
) -> None:
    """550/553 for the recipient: the recall ends with the reason, the address is suppressed for later orders too."""
    order_id = failed_order(store, "gone@example.com")
    other = failed_order(store, "ok@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.fail_rcpt = {"gone@example.com": reply}
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1
    assert f"order {order_id}: reminder 1 refused by the mail server; no more reminders" in result.stderr
    row = rows(config)[order_id]
    assert row["outcome"] == "not_contacted" and row["end_reason"] == "the mail server refused the address"
    assert deliveries(smtp) == {(other, 1): 1}
    # The same buyer fails again the next day: not mailed, and status says why.
    smtp.fail_rcpt = {}
    store.advance(timedelta(days=1))
    again = failed_order(store, "Gone@example.com")
    later = NOW + timedelta(days=1)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert str(rows(config, later)[again]["end_reason"]).startswith("suppressed: refused by the mail server")
    assert (again, 1) not in deliveries(smtp)


def test_connection_dropped_mid_batch_records_what_was_accepted(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The server hangs up after the 1st accepted message: it is recorded, the rest go once, by the next tick."""
    orders = [failed_order(store, f"b{i}@example.com") for i in range(4)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.drop_after = 1
    result = cli(["run"], config=config, now=NOW)
    assert "Traceback" not in result.stderr
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}
    assert all(r["steps_text"] == "1/3" for r in rows(config).values())


def test_connection_dropped_after_the_data_is_uncertain_and_never_resent(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The whole message was handed over but no reply came: the step is uncertain (at most once), never sent again."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.drop_after_data = True
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1
    assert "may or may not have been delivered; it is not resent" in result.stderr
    smtp.drop_after_data = False
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert smtp.messages == [] and len(smtp.unanswered) == 1
    assert rows(config)[order_id]["steps_text"] == "0/3 uncertain:1"


def test_smtp_login_refused_exits_2_and_records_nothing(tmp_path: Path, store: SandboxStore) -> None:
    """A wrong SMTP password: exit 2 with a clear error; no step is claimed, sent or uncertain."""
    order_id = failed_order(store, "ana@example.com")
    with SmtpServer(username="shop", password="another-password") as server:
        config = write_config(tmp_path, store.url, smtp_port=server.port)
        result = cli(["run"], config=config, now=NOW)
        assert result.exit_code == 2
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
        assert server.messages == []
    assert rows(config)[order_id]["steps"] == []


def fake_sendmail(tmp_path: Path, exit_code: int) -> Path:
    script = tmp_path / "sendmail"
    box = tmp_path / "sent"
    box.mkdir(exist_ok=True)
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$(cat {tmp_path / "code"})" = 0 ]; then cat > "{box}/$$.eml"; exit 0; fi\n'
        'cat > /dev/null; echo "sendmail: cannot deliver" >&2\n'
        f"exit $(cat {tmp_path / 'code'})\n"
    )
    script.chmod(0o755)
    (tmp_path / "code").write_text(str(exit_code))
    return script


def sendmail_config(tmp_path: Path, store: SandboxStore, script: Path) -> Path:
    config = write_config(tmp_path, store.url)
    text = config.read_text().replace('transport = "file"', f'transport = "sendmail"\nsendmail_path = "{script}"')
    config.write_text(text)
    return config


def test_sendmail_temporary_failure_keeps_the_step_due(tmp_path: Path, store: SandboxStore) -> None:
    """sendmail exit 75 (EX_TEMPFAIL): deferred, exit 1; once sendmail works the step goes out once."""
    order_id = failed_order(store, "ana@example.com")
    config = sendmail_config(tmp_path, store, fake_sendmail(tmp_path, 75))
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1 and "deferred by the mail server" in result.stderr
    assert list((tmp_path / "sent").iterdir()) == []
    (tmp_path / "code").write_text("0")
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=20)).exit_code == 0
    assert len(list((tmp_path / "sent").iterdir())) == 1
    assert rows(config)[order_id]["steps_text"] == "1/3"


def test_sendmail_unknown_user_ends_the_recall(tmp_path: Path, store: SandboxStore) -> None:
    """sendmail exit 67 (EX_NOUSER): the recipient is refused, the recall ends with the reason."""
    order_id = failed_order(store, "ana@example.com")
    config = sendmail_config(tmp_path, store, fake_sendmail(tmp_path, 67))
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1 and "refused by the mail server" in result.stderr
    assert rows(config)[order_id]["outcome"] == "not_contacted"


def test_sendmail_other_failure_is_a_problem_and_retried(tmp_path: Path, store: SandboxStore) -> None:
    """sendmail exit 1: not sent, one problem line, and the next tick tries again."""
    order_id = failed_order(store, "ana@example.com")
    config = sendmail_config(tmp_path, store, fake_sendmail(tmp_path, 1))
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1 and f"order {order_id}: reminder 1 not sent: sendmail exited with 1" in result.stderr
    (tmp_path / "code").write_text("0")
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert len(list((tmp_path / "sent").iterdir())) == 1


def suppressed(config: Path) -> str:
    return cli(["suppress", "list"], config=config, now=NOW).stdout


@pytest.mark.parametrize(
    ("where", "reply"),
    [
        ("rcpt", "554 5.7.1 <ana@example.com>: Relay access denied"),
        ("rcpt", "550 5.4.5 Daily user sending quota exceeded."),
        ("rcpt", "553 5.1.8 Sender address rejected: Domain not found"),
        ("rcpt", "552 5.2.2 Mailbox full"),
        ("data", "554 Message rejected: Email address is not verified. The following identities failed the check"),
        ("data", "554 Sending paused for this account"),
        ("data", "550 5.7.1 Message rejected as spam by Content Filtering"),
        ("data", "554 5.6.0 Message content rejected"),
        ("data", "554 Transaction failed"),
    ],
)
def test_a_refusal_that_is_not_about_the_address_leaves_the_buyer_and_the_step(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, where: str, reply: str
) -> None:
    """Sender, quota, policy and content refusals: nobody is suppressed, the step stays due and goes out once the
    mail setup works again."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    if where == "rcpt":
        smtp.fail_rcpt = {"*": reply}
    else:
        smtp.fail_data = reply
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1, result.stderr
    assert f"order {order_id}: reminder 1 not sent: " in result.stderr and "refused" in result.stderr
    row = rows(config)[order_id]
    assert row["outcome"] == "open" and row["steps"] == []
    assert suppressed(config).strip() == ""
    smtp.fail_rcpt, smtp.fail_data = {}, None
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1}


def test_a_few_provider_refusals_in_a_tick_stop_sending_with_exit_2(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The provider refuses every message (SES sandbox): after three refusals the run stops with exit 2 and a message
    about the sender setup; no buyer is suppressed, every step stays due, and all go once the setup is fixed."""
    orders = [failed_order(store, f"b{i}@example.com") for i in range(6)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.fail_data = "554 Message rejected: Email address is not verified."
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("reminder 1 not sent") == 2
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ") and "mail.from" in error and "no buyer was suppressed" in error
    assert all(r["outcome"] == "open" and r["steps"] == [] for r in rows(config).values())
    assert suppressed(config).strip() == ""
    smtp.fail_data = None
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}


def test_the_buyer_address_is_masked_whatever_case_the_server_echoes(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A server echoing `<GONE@EXAMPLE.COM>`: no clear address in the problem line, the state or the notes."""
    order_id = failed_order(store, "gone@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    smtp.fail_rcpt = {"*": "550 5.1.1 <GONE@EXAMPLE.COM>: Recipient address rejected: User unknown"}
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1 and "g***@example.com" in result.stderr
    assert "gone@example.com" not in (result.stderr + result.stdout).lower()
    assert rows(config)[order_id]["outcome"] == "not_contacted"
    state = "".join(p.read_text() for p in tmp_path.glob("shop.state.json*"))
    assert "gone@example.com" not in state.lower()
    notes = " ".join(str(n.get("note", "")) for n in store.notes(order_id))
    assert "gone@example.com" not in notes.lower()
