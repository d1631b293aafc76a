"""`wcrecall doctor` against real stores: WooCommerce 9.9.5 mails buyers its own "Failed order" email by default,
7.8.2 has no such email."""

from __future__ import annotations

from pathlib import Path

from shop import create_order, run, write_config
from smtp_server import SmtpServer
from wpstore import RealStore

UNSUCCESSFUL = "Your order at Example Shop was unsuccessful"


def other_senders(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if "  other senders:" in line)


def test_doctor_warns_of_woocommerce_9_9_own_failed_order_email_until_it_is_off(
    wc99: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    """A fresh 9.9.5 store emails the buyer of a failed order; doctor WARNs with the admin link; once the email is
    off as the fix says (the option the "Enable this email notification" checkbox writes), doctor is OK and the
    store sends the buyer nothing."""
    wc99.restore()
    try:
        create_order(wc99, "first.buyer@example.com")
        assert UNSUCCESSFUL in [m["subject"] for m in wc99.mails()]  # why doctor warns

        config = write_config(tmp_path, wc99, smtp)
        result = run(config, "doctor")
        assert result.exit_code == 0, result.stdout
        assert other_senders(result.stdout).startswith("WARN"), result.stdout
        link = f"{wc99.url}/wp-admin/admin.php?page=wc-settings&tab=email&section=wc_email_customer_failed_order"
        assert link in result.stdout
        admin = wc99.wp(
            "echo admin_url('admin.php?page=wc-settings&tab=email&section=wc_email_customer_failed_order');"
        )
        assert admin == link  # the page WordPress itself links to

        wc99.wp("$o = get_option('woocommerce_customer_failed_order_settings', array()); $o['enabled'] = 'no';"
                " update_option('woocommerce_customer_failed_order_settings', $o);")  # fmt: skip
        again = run(config, "doctor")
        assert other_senders(again.stdout).startswith("OK"), again.stdout
        before = len(wc99.mails())
        create_order(wc99, "second.buyer@example.com")
        assert UNSUCCESSFUL not in [m["subject"] for m in wc99.mails()[before:]]
    finally:
        wc99.restore()


def test_doctor_on_woocommerce_7_8_sees_no_customer_failed_order_email(
    wc78: RealStore, smtp: SmtpServer, tmp_path: Path
) -> None:
    """7.8.2 has no customer "Failed order" email (its settings group answers 404) and sends none: OK."""
    wc78.restore()
    create_order(wc78, "buyer@example.com")
    assert UNSUCCESSFUL not in [m["subject"] for m in wc78.mails()]
    result = run(write_config(tmp_path, wc78, smtp), "doctor")
    assert other_senders(result.stdout).startswith("OK"), result.stdout
    wc78.restore()
