"""The template check of a run is recorded by the templates' fingerprint: runs over unchanged templates do not
check them again, and any change to a template, a translation or the brand means a fresh check before any send."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.render.renderer import Renderer
from wcrecall.sandbox import SandboxStore


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many steps each full template check covered, in order."""
    calls: list[int] = []
    check = Renderer.check

    def counted(self: Renderer, **kwargs: Any) -> None:
        calls.append(kwargs.get("steps", 3))
        check(self, **kwargs)

    monkeypatch.setattr(Renderer, "check", counted)
    return calls


def _owner_emails(tmp_path: Path) -> Path:
    shipped = Renderer(brand=_brand()).directory
    target = tmp_path / "my-emails"
    shutil.copytree(shipped, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


def _brand() -> Any:
    from wcrecall.config.settings import BrandSettings

    return BrandSettings(store_name="Example Shop", support_email="help@example.com")


def test_unchanged_templates_are_checked_by_the_first_run_only(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, checks: list[int]
) -> None:
    """Two runs that each send a reminder: the templates are checked once; the second run trusts the record."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    first = failed_order(store, "ana@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    second = failed_order(store, "ben@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert deliveries(smtp) == {(first, 1): 1, (second, 1): 1}
    assert len(checks) == 1


def test_a_template_broken_after_a_passed_check_still_stops_the_run(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, checks: list[int]
) -> None:
    """The owner edits a template after a run checked it: the next run checks again, finds no pay link and sends
    nothing."""
    emails = _owner_emails(tmp_path)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=f'\n[recall]\nemails_dir = "{emails}"\n')
    first = failed_order(store, "ana@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    layout = emails / "layout.mjml.j2"
    layout.write_text(layout.read_text(encoding="utf-8").replace('href="{{ pay_url }}"', 'href="#"'), encoding="utf-8")
    failed_order(store, "ben@example.com", hours_ago=2)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code != 0
    assert "the HTML part has no pay link" in result.stderr
    assert deliveries(smtp) == {(first, 1): 1}
    assert len(checks) == 2


def test_an_unreadable_record_means_a_fresh_check(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, checks: list[int]
) -> None:
    """A record that holds garbage (or is gone) is no proof: the run checks the templates again."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    failed_order(store, "ana@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    (record,) = tmp_path.glob("*.templates-checked")
    record.write_bytes(b"\xff\xfe not a fingerprint")
    failed_order(store, "ben@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(checks) == 2
    assert len(record.read_text(encoding="ascii").split()) == 1


def test_templates_compiled_by_one_run_are_reused_until_edited(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run compiles no template an earlier run compiled (the compiled code is kept beside the state); a template
    edited between runs is compiled afresh, so the next email has the new wording, never the old."""
    import jinja2

    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(name))
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    emails = _owner_emails(tmp_path)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=f'\n[recall]\nemails_dir = "{emails}"\n')
    failed_order(store, "ana@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert "step-1.mjml.j2" in compiled
    compiled.clear()
    failed_order(store, "ben@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert compiled == []
    step = emails / "step-1.mjml.j2"
    step.write_text(step.read_text(encoding="utf-8").replace("didn't go through", "was declined"), encoding="utf-8")
    carl = failed_order(store, "carl@example.com", hours_ago=2)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert compiled == ["step-1.mjml.j2"]
    (sent,) = [r.message for r in smtp.messages if f".{carl}.1." in str(r.message["Message-ID"])]
    assert str(sent["Subject"]) == f"Your payment for order #{carl} was declined"
