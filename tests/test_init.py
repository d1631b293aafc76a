"""`wcrecall init`: validation, the scripted and interactive wizard, and a new user's first run on the sandbox."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order
from smtp_server import SmtpServer
from typer.testing import CliRunner

from wcrecall.cli.app import app
from wcrecall.model.errors import ConfigError
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore
from wcrecall.setup.init import (
    Answers,
    complete,
    render_toml,
    validate_key,
    validate_secret,
    validate_sender,
    validate_url,
)


def dirs(tmp_path: Path) -> dict[str, str]:
    """Config and data folders inside the test's folder."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}


def scripted(store: SandboxStore, smtp: SmtpServer) -> list[str]:
    return [
        "init", "-y", "--url", store.url, "--key", DEFAULT_CONSUMER_KEY, "--transport", "smtp",
        "--smtp-host", "127.0.0.1", "--smtp-security", "none", "--smtp-port", str(smtp.port), "--smtp-user", "shop",
        "--from", "Example Shop <shop@example.com>", "--support-email", "help@example.com",
    ]  # fmt: skip


def secrets_env(tmp_path: Path) -> dict[str, str]:
    return {
        **dirs(tmp_path),
        "WCRECALL_STORE_CONSUMER_SECRET": DEFAULT_CONSUMER_SECRET,
        "WCRECALL_MAIL_PASSWORD": SMTP_PASSWORD,
    }


@pytest.mark.parametrize(
    ("value", "ok"),
    [("https://shop.example.com", True), ("http://127.0.0.1:8080", True), ("shop.example.com", False),
     ("https://shop.example.com/wp-json/wc/v3", False), ("ftp://shop.example.com", False)],
)  # fmt: skip
def test_store_address_is_validated(value: str, ok: bool) -> None:
    """The shop's home address over http(s) is accepted; bare hosts and REST paths are refused with a hint."""
    assert (validate_url(value) == "") is ok


def test_keys_and_sender_are_validated() -> None:
    """Keys must look like WooCommerce's; the sender must contain an address."""
    assert validate_key(DEFAULT_CONSUMER_KEY) == "" and validate_key("cs_" + "a" * 40) != ""
    assert validate_secret(DEFAULT_CONSUMER_SECRET) == "" and validate_secret("secret") != ""
    assert validate_sender("Shop <shop@example.com>") == "" and validate_sender("Shop") != ""


def test_scripted_answers_missing_a_value_name_the_flag() -> None:
    """Without --key a scripted install stops and names the flag."""
    with pytest.raises(ConfigError, match="--key: required"):
        complete(Answers(url="https://shop.example.com"))


def test_defaults_follow_earlier_answers() -> None:
    """Sender and support address default from the store address; the port from the security. (The shop name is
    never guessed from the host: tests/test_owner_init.py.)"""
    done = complete(Answers(url="https://www.cosy-shop.example", consumer_key=DEFAULT_CONSUMER_KEY,
                            consumer_secret=DEFAULT_CONSUMER_SECRET, smtp_security="ssl", store_name="Cosy"))  # fmt: skip
    assert done.from_addr == "Cosy Shop <shop@cosy-shop.example>"
    assert done.support_email == "shop@cosy-shop.example"
    assert done.smtp_port == "465"


def test_hostile_answers_stay_inside_toml_strings() -> None:
    """A quote or backslash in an answer cannot end the TOML string."""
    import tomllib

    answers = complete(Answers(url="https://shop.example.com", consumer_key=DEFAULT_CONSUMER_KEY,
                               consumer_secret=DEFAULT_CONSUMER_SECRET, store_name='Bob\'s "Best" \\ shop'))  # fmt: skip
    assert tomllib.loads(render_toml(answers))["brand"]["store_name"] == 'Bob\'s "Best" \\ shop'


def test_scripted_init_tests_connections_and_writes_a_private_config(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Flags plus environment: the store and mail login are tested, the file is mode 600, secrets print as <hidden>."""
    config = tmp_path / "shop.toml"
    result = cli(scripted(store, smtp), config=config, now=NOW, env=secrets_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert "store.consumer_secret = <hidden>" in result.stdout and "mail.password = <hidden>" in result.stdout
    assert DEFAULT_CONSUMER_SECRET not in result.stdout and SMTP_PASSWORD not in result.stdout
    assert "doctor" in result.stdout and "run --dry-run" in result.stdout and "*/10 * * * *" in result.stdout
    assert smtp.messages == []


def test_init_never_overwrites_without_force(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """An existing config is kept unless --force is given."""
    config = tmp_path / "shop.toml"
    config.write_text("# mine\n")
    result = cli(scripted(store, smtp), config=config, now=NOW, env=secrets_env(tmp_path))
    assert result.exit_code == 2 and "pass --force" in result.stderr
    assert config.read_text() == "# mine\n"
    assert cli([*scripted(store, smtp), "--force"], config=config, now=NOW, env=secrets_env(tmp_path)).exit_code == 0
    assert "[store]" in config.read_text()


def test_wrong_secret_writes_nothing(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """When the store refuses the key, init says what to check and leaves no file behind."""
    config = tmp_path / "shop.toml"
    env = {**secrets_env(tmp_path), "WCRECALL_STORE_CONSUMER_SECRET": "cs_" + "0" * 40}
    result = cli(scripted(store, smtp), config=config, now=NOW, env=env)
    assert result.exit_code == 2 and "check store.consumer_key and store.consumer_secret" in result.stderr
    assert list(tmp_path.glob("*.toml*")) == [] and list(tmp_path.glob(".shop*")) == []


def test_interactive_init_asks_again_after_a_bad_answer(tmp_path: Path, store: SandboxStore) -> None:
    """Typed answers with one invalid URL: the question is repeated, then the config is written."""
    config = tmp_path / "shop.toml"
    answers = ["shop-without-scheme", store.url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, "file", "",
               "Example Shop <shop@example.com>", "", "Example Shop"]  # fmt: skip
    env = {**dirs(tmp_path), "WCRECALL_CONFIG": str(config), "WCRECALL_NOW": NOW.isoformat(), "NO_COLOR": "1"}
    result = CliRunner().invoke(app, ["init"], env=env, input="\n".join(answers) + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "expected the shop's address" in result.stdout
    assert DEFAULT_CONSUMER_SECRET not in result.stdout
    assert 'support_email = "shop@example.com"' in config.read_text()


def test_new_user_goes_from_init_to_the_first_reminder(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """init (scripted) -> doctor without FAIL -> run --dry-run sends nothing -> run mails the failed order."""
    order_id = failed_order(store, "ana@example.com")
    config = tmp_path / "shop.toml"
    env = secrets_env(tmp_path)
    assert cli(scripted(store, smtp), config=config, now=NOW, env=env).exit_code == 0
    doctor = cli(["doctor"], config=config, now=NOW, env=dirs(tmp_path))
    assert doctor.exit_code == 0 and "0 FAIL" in doctor.stdout, doctor.stdout
    assert not any(line.startswith("FAIL") for line in doctor.stdout.splitlines())
    dry = cli(["run", "--dry-run"], config=config, now=NOW, env=dirs(tmp_path))
    assert dry.exit_code == 0 and smtp.messages == []
    real = cli(["run"], config=config, now=NOW, env=dirs(tmp_path))
    assert real.exit_code == 0, real.stderr
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["ana@example.com"]
    assert any(str(n["note"]).startswith("wcrecall:") for n in store.notes(order_id))
    assert len(list((tmp_path / "data" / "wcrecall").glob("shop-*.state.json"))) == 1  # named after the config
