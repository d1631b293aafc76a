"""`wcrecall doctor`: the pure checks, and each misconfiguration a new user can make, against the sandbox store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import (
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    SandboxStore,
)
from wcrecall.setup.doctor import (
    FAIL,
    OK,
    WARN,
    Check,
    check_clock,
    check_conflicting_senders,
    check_hold_stock,
    check_https,
    format_report,
)


def line_of(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if f"  {name}:" in line)


@pytest.mark.parametrize(
    ("manage", "held", "first", "level"),
    [
        ("yes", "60", timedelta(minutes=30), OK),
        ("yes", "15", timedelta(minutes=30), FAIL),
        ("yes", "30", timedelta(minutes=30), FAIL),
        ("no", "15", timedelta(minutes=30), OK),
        ("yes", "", timedelta(minutes=30), OK),
        ("yes", "15", None, OK),
    ],
)
def test_hold_stock_fails_only_when_pending_orders_are_cancelled_before_the_first_reminder(
    manage: str, held: str, first: timedelta | None, level: str
) -> None:
    """Hold stock shorter than (or equal to) the first pending reminder fails; off or unused is OK."""
    assert check_hold_stock(manage, held, first).level == level


def test_hold_stock_failure_gives_the_numbers_and_the_fix() -> None:
    """The FAIL line names both durations and where to change them."""
    check = check_hold_stock("yes", "15", timedelta(minutes=30))
    assert "after 15 min" in check.message and "(30m)" in check.message
    assert "Hold stock above 30 minutes" in check.fix


@pytest.mark.parametrize(
    ("failed", "abandoned", "level"),
    [(None, None, OK), ("no", "no", OK), ("yes", None, WARN), (None, "yes", WARN), ("yes", "yes", WARN)],
)
def test_woocommerce_own_buyer_emails_are_a_warning(failed: str | None, abandoned: str | None, level: str) -> None:
    """The customer failed-order email (9.5) or abandoned-cart email (11.0) enabled means two emails per buyer."""
    assert check_conflicting_senders(failed, abandoned).level == level


@pytest.mark.parametrize(("minutes", "level"), [(0, OK), (4, OK), (6, WARN), (16, FAIL), (-16, FAIL)])
def test_clock_skew_warns_after_5_and_fails_after_15_minutes(minutes: int, level: str) -> None:
    """The store's Date header is compared with this clock."""
    date = (NOW + timedelta(minutes=minutes)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert check_clock(NOW, date).level == level


def test_plain_http_is_a_warning_and_https_is_ok() -> None:
    """http works (OAuth) but is unencrypted: WARN with the fix."""
    assert check_https("https://shop.example.com").level == OK
    http = check_https("http://shop.example.com")
    assert http.level == WARN and "only OAuth works" in http.message


def test_report_fits_80_columns_and_counts_problems() -> None:
    """Every line of the report is at most 80 characters; the last line sums up."""
    checks = [Check("store reachable", OK, "x" * 200), Check("write notes", FAIL, "read-only key", "y " * 90)]
    lines = format_report(checks)
    assert all(len(line) <= 80 for line in lines)
    assert lines[-1] == "2 checks: 1 FAIL, 0 WARN"


def test_doctor_on_a_good_setup_has_no_fail_and_exits_0(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Every check runs; only the plain-http sandbox is a warning."""
    result = cli(["doctor"], config=write_config(tmp_path, store.url, smtp_port=smtp.port), now=NOW)
    assert result.exit_code == 0, result.stdout
    for name in ("store reachable", "read orders", "WooCommerce version", "write notes", "hold stock", "other senders",
                 "clock", "mail login", "sample message", "templates", "state", "run lock", "state file"):  # fmt: skip
        assert line_of(result.stdout, name).startswith("OK"), result.stdout
    assert line_of(result.stdout, "https").startswith("WARN")
    assert line_of(result.stdout, "WooCommerce version").endswith("7.8.2")
    assert smtp.messages == []  # the login was tested without sending
    assert store.count("POST") == 1  # the write probe, and nothing else


def test_doctor_writes_no_note_when_testing_write_permission(tmp_path: Path, store: SandboxStore) -> None:
    """The write test POSTs to order 0, which does not exist: no order gets a note."""
    order = store.create_order(status="failed", billing={"email": "ana@example.com"})
    before = len(store.notes(int(order["id"])))
    assert cli(["doctor"], config=write_config(tmp_path, store.url), now=NOW).exit_code == 0
    assert len(store.notes(int(order["id"]))) == before


def test_wrong_secret_fails_with_what_to_do(tmp_path: Path, store: SandboxStore) -> None:
    """A wrong consumer secret: FAIL on reading orders, naming the keys to check; exit 1."""
    config = write_config(tmp_path, store.url, secret="cs_" + "0" * 40)
    result = cli(["doctor"], config=config, now=NOW)
    assert result.exit_code == 1
    assert line_of(result.stdout, "read orders").startswith("FAIL")
    assert "check store.consumer_key and store.consumer_secret" in result.stdout.replace("\n           ", " ")


def test_read_only_key_fails_the_write_check(tmp_path: Path, store: SandboxStore) -> None:
    """A read-only key reads orders but gets 401 on the note probe: FAIL with how to make a Read/Write key."""
    config = write_config(tmp_path, store.url, key=READONLY_CONSUMER_KEY, secret=READONLY_CONSUMER_SECRET)
    result = cli(["doctor"], config=config, now=NOW)
    assert result.exit_code == 1
    assert line_of(result.stdout, "read orders").startswith("OK")
    assert line_of(result.stdout, "write notes").startswith("FAIL")
    assert "Read/Write permission" in result.stdout


def test_short_hold_stock_fails(tmp_path: Path, store: SandboxStore) -> None:
    """Hold stock 15 min with the first pending reminder at 30 min: FAIL with both numbers."""
    store.set_setting("products", "woocommerce_hold_stock_minutes", "15")
    result = cli(["doctor"], config=write_config(tmp_path, store.url), now=NOW)
    assert result.exit_code == 1
    assert line_of(result.stdout, "hold stock").startswith("FAIL")
    assert "after 15 min" in result.stdout


def test_customer_failed_order_email_enabled_warns(tmp_path: Path) -> None:
    """On WooCommerce 9.5+ with the customer "Failed order" email on, buyers would get two emails: WARN."""
    with SandboxStore(wc_version="9.5.0") as store:
        store.set_now(NOW)
        store.set_setting("email_customer_failed_order", "enabled", "yes")
        result = cli(["doctor"], config=write_config(tmp_path, store.url), now=NOW)
    assert result.exit_code == 0
    assert line_of(result.stdout, "other senders").startswith("WARN")
    assert "two emails" in result.stdout


CUSTOMER_FAILED_SECTION = "wp-admin/admin.php?page=wc-settings&tab=email&section=wc_email_customer_failed_order"


def test_doctor_on_woocommerce_9_9_warns_of_its_own_failed_order_email_and_says_how_to_turn_it_off(
    tmp_path: Path,
) -> None:
    """9.5+ sends buyers "Your order at ... was unsuccessful" by default: doctor WARNs, naming the email as WP admin
    labels it (class-wc-email-customer-failed-order.php) and linking its settings; turned off, the check is OK."""
    with SandboxStore(wc_version="9.9.5") as store:
        store.set_now(NOW)
        config = write_config(tmp_path, store.url)
        result = cli(["doctor"], config=config, now=NOW)
        assert result.exit_code == 0, result.stdout
        line = line_of(result.stdout, "other senders")
        assert line.startswith("WARN"), result.stdout
        text = " ".join(result.stdout.split())
        assert '"Your order at ... was unsuccessful"' in text and "two emails" in text
        assert 'WooCommerce > Settings > Emails > "Failed order" (recipient: Customer)' in text
        assert 'untick "Enable this email notification"' in text
        assert f"{store.url}/{CUSTOMER_FAILED_SECTION}" in result.stdout  # on one line, to click or copy
        store.set_setting("email_customer_failed_order", "enabled", "no")
        again = cli(["doctor"], config=config, now=NOW)
        assert line_of(again.stdout, "other senders").startswith("OK")


def test_doctor_on_woocommerce_7_8_says_nothing_of_a_customer_failed_order_email(
    tmp_path: Path, store: SandboxStore
) -> None:
    """7.8.2 has no customer "Failed order" email (its settings group answers 404): the check is OK, no fix."""
    result = cli(["doctor"], config=write_config(tmp_path, store.url), now=NOW)
    assert line_of(result.stdout, "other senders").startswith("OK")
    assert "Failed order" not in result.stdout and CUSTOMER_FAILED_SECTION not in result.stdout


def test_wrong_smtp_password_fails_the_mail_login(tmp_path: Path, store: SandboxStore) -> None:
    """The SMTP server refuses the login: FAIL naming the settings to check; nothing is sent."""
    with SmtpServer(username="shop", password="another-password") as smtp:
        result = cli(["doctor"], config=write_config(tmp_path, store.url, smtp_port=smtp.port), now=NOW)
        assert smtp.messages == []
    assert result.exit_code == 1
    assert line_of(result.stdout, "mail login").startswith("FAIL")
    assert "mail.password" in result.stdout


def test_unwritable_state_folder_fails(tmp_path: Path, store: SandboxStore) -> None:
    """A state path whose folder cannot be created: FAIL saying to set state.path."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {"WCRECALL_STATE_PATH": str(blocker / "sub" / "shop.state.json")}
    result = cli(["doctor"], config=write_config(tmp_path, store.url), now=NOW, env=env)
    assert result.exit_code == 1
    assert line_of(result.stdout, "state").startswith("FAIL")
    assert "set state.path" in result.stdout


def test_missing_config_is_one_fail_line(tmp_path: Path) -> None:
    """Without a config the doctor says to run init."""
    result = cli(["doctor"], config=tmp_path / "none.toml", now=NOW)
    assert result.exit_code == 1
    assert result.stdout.startswith("FAIL  config:") and "wcrecall init" in result.stdout


def test_store_down_fails_reachability(tmp_path: Path) -> None:
    """A store that does not answer: FAIL on reachability, the store checks after it are not run."""
    with SandboxStore() as gone:
        url = gone.url
    result = cli(["doctor"], config=write_config(tmp_path, url), now=NOW)
    assert result.exit_code == 1
    assert line_of(result.stdout, "store reachable").startswith("FAIL")
    assert "read orders:" not in result.stdout


def test_an_address_the_mail_builder_refuses_fails_doctor_and_run(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """support_email = "help@shop": doctor fails naming the key, and run stops with exit 2 before anything is sent."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    config.write_text(config.read_text().replace('"help@example.com"', '"help@shop"'))
    result = cli(["doctor"], config=config, now=NOW)
    assert result.exit_code == 1
    assert line_of(result.stdout, "config").startswith("FAIL") and "brand.support_email" in result.stdout
    run = cli(["run"], config=config, now=NOW)
    assert run.exit_code == 2 and run.stderr.startswith("Error: brand.support_email: ")


def test_doctor_builds_a_sample_message(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """doctor renders and builds one reminder with the configured sender and reply address, and sends nothing."""
    result = cli(["doctor"], config=write_config(tmp_path, store.url, smtp_port=smtp.port), now=NOW)
    assert line_of(result.stdout, "sample message").startswith("OK")
    text = " ".join(result.stdout.split())
    assert "From Example Shop <shop@example.com>, Reply-To help@example.com" in text
    assert smtp.messages == []
