"""`wcrecall audit` and `wcrecall report` end to end against the sandbox store on 127.0.0.1."""

from __future__ import annotations

import html
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from english import english_words, store_words

from wcrecall import i18n
from wcrecall.sandbox import READONLY_CONSUMER_KEY, READONLY_CONSUMER_SECRET, SandboxStore

WINDOW = timedelta(days=7)


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore() as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


def _seed(store: SandboxStore, n: int) -> list[dict[str, Any]]:
    ids = store.generate_orders(n, start=NOW - timedelta(days=89, hours=23), end=NOW - timedelta(minutes=5), seed=11)
    orders = [store.get_order(i) for i in ids]
    return [o for o in orders if o is not None]


def _independent(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """The audit's figures counted straight from the seeded orders, buyer by buyer (no streaming, no shared code)."""
    unpaid = [o for o in orders if o["status"] in ("failed", "pending")]
    value: dict[str, Decimal] = defaultdict(Decimal)
    for o in unpaid:
        value[o["currency"]] += Decimal(o["total"])
    by_buyer: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for o in orders:
        by_buyer[o["billing"]["email"].lower()].append((datetime.fromisoformat(o["date_created_gmt"]), o["status"]))
    recovered, unrecovered, delays = 0, 0, []
    end = NOW.replace(tzinfo=None)
    for history in by_buyer.values():
        history.sort()
        start = None
        for when, status in history:
            if status in ("failed", "pending"):
                if start is not None and when - start > WINDOW:
                    unrecovered += 1
                    start = None
                start = start or when
            elif status in ("processing", "completed", "refunded") and start is not None:
                if when - start <= WINDOW:
                    recovered += 1
                    delays.append((when - start).total_seconds() / 3600)
                else:
                    unrecovered += 1
                start = None
        if start is not None and end - start >= WINDOW:
            unrecovered += 1
    return {
        "orders": len(orders),
        "failed": sum(1 for o in unpaid if o["status"] == "failed"),
        "pending": sum(1 for o in unpaid if o["status"] == "pending"),
        "value": {cur: str(v) for cur, v in value.items()},
        "methods": Counter(o["payment_method"] for o in unpaid),
        "weeks": Counter(
            (d.date() - timedelta(days=d.weekday())).isoformat()
            for o in unpaid
            for d in [datetime.fromisoformat(o["date_created_gmt"])]
        ),
        "natural": (recovered, recovered + unrecovered, round(statistics.median(delays), 2) if delays else None),
    }


def _check_against_seed(data: dict[str, Any], orders: list[dict[str, Any]]) -> None:
    expected = _independent(orders)
    assert data["orders"] == expected["orders"]
    assert (data["unpaid"]["failed"], data["unpaid"]["pending"]) == (expected["failed"], expected["pending"])
    assert {cur: v["total"] for cur, v in data["unpaid"]["value"].items()} == expected["value"]
    assert {m["method"]: m["unpaid"] for m in data["by_payment_method"] if m["unpaid"]} == dict(expected["methods"])
    assert {w["week"]: w["failed"] + w["pending"] for w in data["by_week"] if w["failed"] + w["pending"]} == dict(
        expected["weeks"]
    )
    nat = data["natural_recovery"]
    assert (nat["recovered"], nat["episodes_judged"], nat["median_hours"]) == expected["natural"]
    assert data["unpaid"]["unreachable"] == 0


def test_audit_figures_match_an_independent_count_of_the_seeded_orders(tmp_path: Path, store: SandboxStore) -> None:
    """2,000 seeded orders: counts, values, methods, weeks and natural recovery equal a count made from the seed."""
    orders = _seed(store, 2000)
    config = write_config(tmp_path, store.url, key=READONLY_CONSUMER_KEY, secret=READONLY_CONSUMER_SECRET)

    result = cli(["audit", "--json", "--classify", "20"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    _check_against_seed(data, orders)
    assert data["classes"]["classified"] == 20
    assert set(data["classes"]["counts"]) <= {"issuer_generic", "insufficient_funds", "unknown"}
    assert {r.method for r in store.request_log} == {"GET"}  # read-only: no note, no update


def test_audit_html_page_has_the_charts_and_no_external_reference(tmp_path: Path, store: SandboxStore) -> None:
    """`--html` writes one page with the summary box first and four titled charts, no script and no URL; the terminal
    shows the summary box and the tables, no bar."""
    _seed(store, 300)
    page_path = tmp_path / "audit.html"
    result = cli(
        ["audit", "--classify", "5", "--html", str(page_path)], config=write_config(tmp_path, store.url), now=NOW
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Example Shop: what failed payments cost\n") and "\r" not in result.stdout
    assert "In short" in result.stdout.split("== ")[0]
    page = page_path.read_text(encoding="utf-8")
    assert page.index("id=summary") < page.index("<table")
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert len(captions) == page.count("<figure") == 3, captions
    for chart_title in ("per week, by reason", "by payment method", "paid by themselves"):
        assert any(chart_title in caption for caption in captions), chart_title
    # Every unpaid order of the busiest currency came from one country: that is a sentence, not a one-bar chart.
    assert "All failed and pending orders in USD came from United States" in page
    assert not re.search(r"https?:|<script|<link|@import|src=", page, re.IGNORECASE)


def test_report_matches_who_was_emailed_and_who_paid_when(tmp_path: Path, store: SandboxStore) -> None:
    """Three buyers emailed, one pays 2 h later; an older unreminded buyer paid by themselves: the report says so."""
    emailed = [failed_order(store, f"buyer{i}@example.com", total="40.00") for i in range(3)]
    # Older than the recall lookback, so never emailed: the natural baseline (one paid the next day, one never).
    bob = failed_order(store, "bob@example.com", hours_ago=24 * 5)
    store.create_order(
        status="processing",
        billing={"email": "bob@example.com"},
        date_created=NOW - timedelta(days=4),
        date_paid=NOW - timedelta(days=4),
    )
    failed_order(store, "carl@example.com", hours_ago=24 * 6)
    config = write_config(tmp_path, store.url)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.set_now(NOW + timedelta(hours=2))
    store.pay(emailed[0])
    later = NOW + timedelta(hours=3)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0

    # Two days after the reminders (the window): all three are judged, one of them paid.
    result = cli(["report", "--json", "--since", "30d", "--window", "2d"], config=config, now=NOW + timedelta(days=2))

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    funnel = {f["stage"]: f["count"] for f in data["funnel"]}
    assert funnel["recalls opened"] == 3 and funnel["reminder 1 sent"] == 3
    assert funnel["recovered on the same order"] == 1
    assert data["recovered_revenue"] == {"USD": "40.00"}
    assert data["recovery_rate"] == round(1 / 3, 4)
    assert [(g["reminded"], g["recovered"]) for g in data["by_class"]] == [(3, 1)]
    natural = data["natural_recovery"]
    assert (natural["recovered"], natural["episodes_judged"]) == (1, 2) and natural["median_hours"] == 24
    assert natural["excluded_contacted"] == 0 and natural["too_recent"] == 0
    assert bob not in emailed

    page_path = tmp_path / "report.html"
    html_run = cli(["report", "--since", "30d", "--html", str(page_path)], config=config, now=later)
    assert html_run.exit_code == 0, html_run.stderr
    page = page_path.read_text(encoding="utf-8")
    # One reason, one country: rates of a single group are sentences in the tables, not one-bar charts.
    assert page.count("<figure") == 1 and "<figcaption>From failed order to payment" in page and "id=summary" in page
    assert "All recovered revenue in USD was paid on one day: $40.00." in page  # one payment: a sentence
    assert not re.search(r"https?:|<script|<link|@import|src=", page, re.IGNORECASE)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak RSS from /proc")
def test_audit_of_20000_orders_stays_under_150_mb_and_matches_the_seed(tmp_path: Path, store: SandboxStore) -> None:
    """The CLI in a subprocess audits 20,000 orders with peak memory under 150 MB; its figures match the seed."""
    orders = _seed(store, 20000)
    config = write_config(tmp_path, store.url, key=READONLY_CONSUMER_KEY, secret=READONLY_CONSUMER_SECRET)
    out, errf, peak_file = tmp_path / "out.json", tmp_path / "err.txt", tmp_path / "peak.txt"
    env = {**os.environ, "WCRECALL_CONFIG": str(config), "WCRECALL_NOW": NOW.isoformat()}
    # The child reports its own high-water RSS (VmHWM) at exit: ru_maxrss would also count the pages it shared with
    # this test process (which holds the 20,000 orders) between fork and exec.
    wrapper = (
        "import atexit, runpy, sys, re\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        f"    open({str(peak_file)!r}, 'w').write(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "atexit.register(peak)\n"
        "sys.argv = ['wcrecall', *sys.argv[1:]]\n"
        "runpy.run_module('wcrecall', run_name='__main__')\n"
    )
    started = time.monotonic()
    with out.open("wb") as stdout, errf.open("wb") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", wrapper, "audit", "--json", "--html", str(tmp_path / "a.html")],
            stdout=stdout,
            stderr=stderr,
            env=env,
            check=False,
        )
    assert done.returncode == 0, errf.read_text()
    peak_mb = int(peak_file.read_text()) / 1024
    print(
        f"audit of 20000 orders: peak RSS {peak_mb:.1f} MB, {time.monotonic() - started:.1f} s"
    )  # for the record only
    assert peak_mb < 150
    _check_against_seed(json.loads(out.read_text()), orders)
    assert (tmp_path / "a.html").read_text().count("<figure") == 3  # one currency from one country: a sentence


def _page_text(page: str) -> str:
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def chinese_owner() -> Iterator[dict[str, str]]:
    """The owner reads Simplified Chinese (set before the command too, where the CLI does not choose it yet)."""
    i18n.activate("zh_Hans")
    yield {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
    i18n.activate("en")


def test_audit_and_report_speak_the_owners_chinese(
    tmp_path: Path, store: SandboxStore, chinese_owner: dict[str, str]
) -> None:
    """With the owner language zh_Hans, `audit` and `report` (terminal and HTML) print no English sentence: only
    machine words, codes, numbers and the store's own text (its name, its gateway titles) stay in Latin letters."""
    orders = _seed(store, 300)
    for i, country in enumerate(["US", "US", "DE"]):
        failed_order(store, f"buyer{i}@example.com", total="40.00", billing={"country": country})
    failed_order(store, "no-at-sign", total="10.00")  # not contacted: the reason is shown too
    config = write_config(tmp_path, store.url)
    assert cli(["run"], config=config, now=NOW, env=chinese_owner).exit_code == 0
    # The store's own text (its name, its gateway titles) stays as the store wrote it.
    allowed = store_words("Example Shop", *(o["payment_method_title"] for o in orders))
    for command in (["audit", "--classify", "20"], ["report"]):
        shown = cli(command, config=config, now=NOW, env=chinese_owner)
        assert shown.exit_code == 0, shown.stderr
        assert "概要" in shown.stdout
        assert english_words(shown.stdout, allowed) == [], command
        page_path = tmp_path / f"{command[0]}.html"
        written = cli([*command, "--json", "--html", str(page_path)], config=config, now=NOW, env=chinese_owner)
        assert written.exit_code == 0, written.stderr
        page = page_path.read_text(encoding="utf-8")
        assert '<html lang="zh-Hans">' in page
        assert english_words(_page_text(page), allowed) == [], command
