"""Hostile and odd orders (tests/hostile_orders.json): no crash, no traceback, no header injection, markup escaped,
and every order that gets no email has its reason in `status` (or, for a pay link missing at send time, on stderr)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.sandbox import SandboxStore
from wcrecall.sandbox.wire import Request, Response

CORPUS = json.loads((Path(__file__).parent / "hostile_orders.json").read_text(encoding="utf-8"))["orders"]


def _patch(order: dict[str, Any], case: dict[str, Any], store_url: str) -> dict[str, Any]:
    for key, value in case.get("raw", {}).items():
        order[key] = value.replace("{store}", store_url) if isinstance(value, str) else value
    for path in case.get("drop", []):
        *parents, last = path.split(".")
        target: Any = order
        for part in parents:
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(last, None)
    return order


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every corpus order in one store, two ticks, then status: what each test below checks."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    with SandboxStore() as store, SmtpServer(username="shop", password=SMTP_PASSWORD) as smtp:
        store.set_now(NOW)
        cases: dict[int, dict[str, Any]] = {}
        for case in CORPUS:
            items = [{"product_id": 1, "quantity": 1, "name": n, "total": "5.00"} for n in case.get("items", [])]
            items += [
                {"product_id": 1, "quantity": 1, "name": f"Item {i}", "total": "1.00"}
                for i in range(case.get("item_count", 0))
            ]
            extra = dict(case.get("create", {}))
            if items:
                extra["line_items"] = items
            billing = {"email": f"buyer{len(cases)}@example.com", **case.get("billing", {})}
            cases[failed_order(store, billing.pop("email"), billing=billing, **extra)] = case
        answer = store.answer

        def hostile_answer(request: Request) -> Response:
            response = answer(request)
            if (
                request.method == "GET"
                and "/orders" in request.target
                and "/notes" not in request.target
                and response.status == 200
            ):
                body = json.loads(response.body)
                for order in body if isinstance(body, list) else [body]:
                    if isinstance(order, dict) and order.get("id") in cases:
                        _patch(order, cases[order["id"]], store.url)
                response.body = json.dumps(body).encode("utf-8")  # as PHP's json_encode: lone surrogates escaped
            return response

        store.answer = hostile_answer  # type: ignore[method-assign]
        config = write_config(tmp_path, store.url, smtp_port=smtp.port)
        first = cli(["run"], config=config, now=NOW)
        second = cli(["run"], config=config, now=NOW.replace(minute=10))
        status = cli(["status", "--json"], config=config, now=NOW)
        table = cli(["status"], config=config, now=NOW)
        yield {
            "cases": cases,
            "runs": [first, second],
            "rows": {r["order"]: r for r in json.loads(status.stdout)["recalls"]},
            "table": table,
            "messages": {
                o: [m for m in smtp.messages if f"<wcrecall.{o}.1." in str(m.message["Message-ID"])] for o in cases
            },
            "deliveries": deliveries(smtp),
        }


def test_corpus_has_at_least_fifty_orders_with_expected_outcomes() -> None:
    """The corpus is big enough and every entry names its expected outcome."""
    assert len(CORPUS) >= 50
    assert {c["expect"] for c in CORPUS} <= {"sent", "not_contacted", "skipped", "ignored", "problem"}


def test_hostile_orders_never_crash_a_run_or_status(outcome: dict[str, Any]) -> None:
    """Both ticks and both status forms finish without a traceback; no step is sent twice."""
    for result in [*outcome["runs"], outcome["table"]]:
        assert result.exit_code in (0, 1), result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert outcome["table"].exit_code == 0
    assert max(outcome["deliveries"].values()) == 1


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_hostile_order_has_its_expected_outcome(outcome: dict[str, Any], case: dict[str, Any]) -> None:
    """Each corpus order: sent once (headers intact, markup escaped), or not mailed with its reason shown."""
    order_id = next(o for o, c in outcome["cases"].items() if c is case)
    row = outcome["rows"].get(order_id)
    messages = outcome["messages"][order_id]
    expect, reason = case["expect"], case.get("reason", "")
    if expect == "sent":
        assert len(messages) == 1, (row, outcome["runs"][0].stderr)
        received = messages[0]
        assert len(received.rcpt_tos) == 1
        head = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7bit: any other byte would raise
        names = [line.split(":", 1)[0].lower() for line in head.split("\r\n") if line and not line[0].isspace()]
        assert not {"bcc", "cc", "x-injected"} & set(names), names
        assert names.count("subject") == 1 and names.count("to") == 1
        assert all(name.replace("-", "").isalnum() for name in names), names
        message = received.message
        assert message["To"].addresses[0].addr_spec == received.rcpt_tos[0]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for raw_markup in ("<script", "<img src=x", "<mj-", "<b>raw", 'href="https://evil.example', "<h1>x</h1>"):
            assert raw_markup not in html, raw_markup
        assert "&lt;script" not in text and "\x00" not in text
        assert row is not None and row["steps_text"].startswith("1/")
    elif expect in ("not_contacted", "skipped"):
        assert messages == []
        assert row is not None and row["outcome"] == "not_contacted", row
        assert reason in row["end_reason"] and row["end_reason"]
        if expect == "skipped":
            assert f"order {order_id}: skipped: {reason}" in outcome["runs"][0].stderr
    elif expect == "problem":
        assert messages == []
        assert f"order {order_id}: {reason}" in outcome["runs"][0].stderr
        assert row is not None and row["steps_sent"] == 0, row
    else:
        assert messages == [] and row is None
