"""`wcrecall init` keeps the owner's answers: a failed store or mail check asks again for that part only; the state
folder is checked as doctor checks it; the shop name comes from the sender's display name, never from the host."""

from __future__ import annotations

from pathlib import Path

from e2e import NOW, SMTP_PASSWORD, cli
from smtp_server import SmtpServer
from typer.testing import CliRunner

from wcrecall.cli.app import app
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore

WRONG_SECRET = "cs_" + "0" * 40


def env_for(tmp_path: Path, config: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
            "WCRECALL_CONFIG": str(config), "WCRECALL_NOW": NOW.isoformat(), "NO_COLOR": "1",
            "WCRECALL_OWNER_LANGUAGE": "en"}  # fmt: skip


def typed(tmp_path: Path, config: Path, answers: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["init"], env=env_for(tmp_path, config), input="\n".join(answers) + "\n")
    return result.exit_code, result.stdout + result.stderr


def test_a_failed_store_check_asks_again_for_the_store_only(tmp_path: Path, store: SandboxStore) -> None:
    config = tmp_path / "shop.toml"
    first = [store.url, DEFAULT_CONSUMER_KEY, WRONG_SECRET, "file", "", "Example Shop <shop@example.com>", "", ""]
    again = ["", "", DEFAULT_CONSUMER_SECRET]  # the address and key offered as they were; the secret typed again
    code, shown = typed(tmp_path, config, first + again)
    assert code == 0, shown
    assert "The store check failed" in shown
    assert shown.count("Store address") == 2 and shown.count("Mail transport") == 1 and shown.count("Sender") == 1
    text = config.read_text()
    assert DEFAULT_CONSUMER_SECRET in text and WRONG_SECRET not in text
    assert 'store_name = "Example Shop"' in text  # the sender's display name, offered as the shop name


def test_a_failed_mail_login_asks_again_for_the_mail_settings_only(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    config = tmp_path / "shop.toml"
    first = [store.url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, "smtp", "127.0.0.1", "none", str(smtp.port),
             "shop", "wrong-password", "Example Shop <shop@example.com>", "", "Cosy Shop"]  # fmt: skip
    again = ["", "", "", "", "", SMTP_PASSWORD]
    code, shown = typed(tmp_path, config, first + again)
    assert code == 0, shown
    assert "The mail login failed" in shown
    assert shown.count("Store address") == 1 and shown.count("SMTP server") == 2 and shown.count("Shop name") == 1
    text = config.read_text()
    assert f'password = "{SMTP_PASSWORD}"' in text and 'store_name = "Cosy Shop"' in text


def test_a_scripted_init_needs_the_shop_name_rather_than_guessing_it(tmp_path: Path, store: SandboxStore) -> None:
    config = tmp_path / "shop.toml"
    args = ["init", "-y", "--url", store.url, "--key", DEFAULT_CONSUMER_KEY, "--secret", DEFAULT_CONSUMER_SECRET,
            "--transport", "file", "--support-email", "help@example.com"]  # fmt: skip
    env = env_for(tmp_path, config)
    bare = cli([*args, "--from", "shop@example.com"], config=config, now=NOW, env=env)
    assert bare.exit_code == 2 and "--store-name" in bare.stderr and not config.exists()
    named = cli([*args, "--from", "Example Shop <shop@example.com>"], config=config, now=NOW, env=env)
    assert named.exit_code == 0, named.stderr
    assert 'store_name = "Example Shop"' in config.read_text()


def test_init_checks_the_state_folder_as_doctor_does(tmp_path: Path, store: SandboxStore) -> None:
    config = tmp_path / "shop.toml"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    args = ["init", "-y", "--url", store.url, "--key", DEFAULT_CONSUMER_KEY, "--secret", DEFAULT_CONSUMER_SECRET,
            "--transport", "file", "--from", "Example Shop <shop@example.com>"]  # fmt: skip
    result = cli(args, config=config, now=NOW, env=env_for(tmp_path, config) | {"XDG_DATA_HOME": str(blocked)})
    assert result.exit_code == 2 and "is not writable" in result.stderr and "state.path" in result.stderr
    assert not config.exists()


def test_every_question_of_init_has_a_chinese_translation() -> None:
    from wcrecall import i18n
    from wcrecall.setup.init import QUESTIONS

    catalog = i18n.catalog("zh_Hans")
    assert [question for _name, question, *_rest in QUESTIONS if question not in catalog] == []
