"""Store client pieces that need no server: body parsing and the pay link."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wcrecall.plan.paylink import pay_link
from wcrecall.recall.notes import note_tag, parse_note_tags
from wcrecall.store.client import _Transient, parse_body


def test_clean_json_parses() -> None:
    """A clean body is parsed as is."""
    assert parse_body('[{"id": 1}]', what="GET orders") == [{"id": 1}]


def test_php_notice_before_json_is_skipped() -> None:
    """PHP notices or HTML printed before intact JSON are ignored."""
    body = '<br />\n<b>Notice</b>:  Undefined index: x in <b>/var/www/wp.php</b> on line <b>12</b><br />\n[{"id": 2}]'
    assert parse_body(body, what="GET orders") == [{"id": 2}]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "<!DOCTYPE html><html><body>Error establishing a database connection</body></html>",
        '[{"id": 1}, {"id"',
    ],
)
def test_unusable_bodies_are_reported_with_their_start(body: str) -> None:
    """Empty, HTML or truncated bodies raise with at most the first 200 characters, never a traceback."""
    with pytest.raises(_Transient) as info:
        parse_body(body, what="GET orders")
    assert "GET orders" in str(info.value)
    assert len(str(info.value)) < 300


def test_pay_link_keeps_key_and_adds_campaign() -> None:
    """The pay link keeps pay_for_order and key and adds the utm parameters for the step."""
    url = pay_link(
        "https://shop.example.com/checkout/order-pay/20/?pay_for_order=true&key=wc_order_60Yy",
        2,
        hosts={"shop.example.com"},
    )
    assert url.startswith("https://shop.example.com/checkout/order-pay/20/?pay_for_order=true&key=wc_order_60Yy&")
    assert url.endswith("utm_source=wcrecall&utm_medium=email&utm_campaign=payment-recovery&utm_content=step-2")


def test_note_tags_round_trip() -> None:
    """The machine-readable tail of a note parses back."""
    text = f"wcrecall: payment reminder 1 of 3 sent to j***@example.com (Message-ID <a@b>) {note_tag(step=1, state='sent')}"
    assert parse_note_tags(text) == [{"step": "1", "state": "sent"}]


def test_notes_with_malformed_dates_are_read_without_crashing() -> None:
    """A note whose date is garbage keeps its text for the classifier and gets no date."""
    from wcrecall.recall.notes import to_notes

    notes = to_notes(
        [
            {"note": "Payment failed: Your card was declined.", "author": "system", "date_created_gmt": "not a date"},
            {"note": "Order status changed.", "date_created_gmt": "2026-11-06T12:21:04"},
            {"note": None},
        ]
    )
    assert [n.text for n in notes] == ["Payment failed: Your card was declined.", "Order status changed."]
    assert notes[0].date is None and notes[1].date is not None and notes[1].date.utcoffset() is not None


def test_another_woocommerce_version_is_refused_naming_both_versions() -> None:
    """The package signs requests only in the version that code was written for; another is a setup error (exit 2)
    naming both versions."""
    from wcrecall.model.errors import WooCommercePackageError
    from wcrecall.store.wcadapter import WRITTEN_FOR, check_version

    with pytest.raises(WooCommercePackageError) as caught:
        check_version("3.1.0")
    assert "version 3.1.0" in str(caught.value) and f"woocommerce=={WRITTEN_FOR}" in str(caught.value)
    assert caught.value.exit_code == 2


def test_wcrecall_with_another_woocommerce_version_stops_with_one_error_line(tmp_path: Path) -> None:
    """`wcrecall run` with another woocommerce version installed: `Error:` naming both versions, exit 2, no traceback."""
    from e2e import write_config

    config = write_config(tmp_path, "http://127.0.0.1:9")  # never reached: the check comes first
    code = (
        "import sys, woocommerce; woocommerce.__version__ = '3.1.0'; "
        "from wcrecall.cli.app import main; sys.argv[0] = 'wcrecall'; main()"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WCRECALL_")}
    proc = subprocess.run([sys.executable, "-c", code, "--config", str(config), "run"],
                          capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: the installed woocommerce package is version 3.1.0, but wcrecall was written")
    assert "Traceback" not in proc.stderr
