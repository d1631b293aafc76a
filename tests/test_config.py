"""Settings: TOML file, environment overrides, validation that names the key, hidden secrets."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from wcrecall.config.settings import HIDDEN, load_settings, parse_duration
from wcrecall.model.errors import ConfigError

GOOD = """
[store]
url = "https://shop.example.com"
consumer_key = "ck_1234"
consumer_secret = "cs_topsecretvalue"

[mail]
transport = "file"
from = "Shop <shop@example.com>"
password = "smtp-pass-value"

[brand]
store_name = "Example Shop"
support_email = "help@example.com"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    """A minimal file loads; defaults fill the rest."""
    settings = load_settings(write(tmp_path, GOOD), env={})
    assert settings.store.url == "https://shop.example.com"
    assert settings.mail.from_addr == "Shop <shop@example.com>"
    assert settings.recall.lookback == timedelta(days=3)
    assert settings.recall.delays["pending"][0] == timedelta(minutes=30)
    assert settings.reply_to == "help@example.com"
    assert settings.state_path.name.startswith("shop-") and settings.state_path.name.endswith(".state.json")


def test_environment_overrides_file(tmp_path: Path) -> None:
    """WCRECALL_<SECTION>_<KEY> wins over the file."""
    env = {
        "WCRECALL_STORE_URL": "http://127.0.0.1:9",
        "WCRECALL_MAIL_PASSWORD": "other",
        "WCRECALL_STORE_VERIFY_TLS": "no",
    }
    settings = load_settings(write(tmp_path, GOOD), env=env)
    assert settings.store.url == "http://127.0.0.1:9"
    assert settings.mail.password == "other"
    assert settings.store.verify_tls is False


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    """A typo in the file is reported with its section and key."""
    with pytest.raises(ConfigError, match=r"^mail\.pasword: unknown key"):
        load_settings(write(tmp_path, GOOD.replace("password =", "pasword =")), env={})


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    """An unknown table is named."""
    with pytest.raises(ConfigError, match=r"^stor: unknown section"):
        load_settings(write(tmp_path, GOOD + "\n[stor]\nurl = 1\n"), env={})


def test_missing_required_key_names_key_and_env(tmp_path: Path) -> None:
    """A missing required key says which, and which variable can set it."""
    text = GOOD.replace('consumer_secret = "cs_topsecretvalue"\n', "")
    with pytest.raises(
        ConfigError, match=r"store\.consumer_secret: required key is missing.*WCRECALL_STORE_CONSUMER_SECRET"
    ):
        load_settings(write(tmp_path, text), env={})


def test_bad_values_name_the_key(tmp_path: Path) -> None:
    """Wrong types and choices are reported with the key."""
    with pytest.raises(ConfigError, match=r"^mail\.transport"):
        load_settings(write(tmp_path, GOOD.replace('"file"', '"pigeon"')), env={})
    with pytest.raises(ConfigError, match=r"^store\.timeout"):
        load_settings(write(tmp_path, GOOD + ""), env={"WCRECALL_STORE_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match=r"^recall\.delays\.failed"):
        load_settings(write(tmp_path, GOOD + '\n[recall]\ndelays = { failed = ["24h", "1h"] }\n'), env={})


def test_each_kind_of_value_is_converted_to_its_settings_type(tmp_path: Path) -> None:
    """Whole numbers, durations, lists, and tables of numbers and of country rules arrive typed, from the file or
    from the environment's text."""
    extra = """
[recall]
lookback = "2d"
statuses = ["failed"]

[throttle]
max_per_week = 2
domain_caps = { "Gmail.com" = 200 }

[regional.countries.de]
max_steps = 1
send = false
"""
    settings = load_settings(write(tmp_path, GOOD + extra), env={"WCRECALL_THROTTLE_MIN_GAP": "8h"})
    assert settings.recall.lookback == timedelta(days=2) and settings.recall.statuses == ("failed",)
    assert settings.throttle.max_per_week == 2 and settings.throttle.min_gap == timedelta(hours=8)
    assert settings.throttle.domain_caps == {"gmail.com": 200}
    rule = settings.regional.countries["DE"]
    assert rule.max_steps == 1 and rule.send is False
    from_env = load_settings(write(tmp_path, GOOD), env={"WCRECALL_RECALL_STATUSES": "failed, pending"})
    assert from_env.recall.statuses == ("failed", "pending")
    with pytest.raises(ConfigError, match=r"^throttle\.domain_caps\.x\.com: expected a whole number"):
        load_settings(write(tmp_path, GOOD + '\n[throttle]\ndomain_caps = { "x.com" = "many" }\n'), env={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """A config path that does not exist is named."""
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_secrets_are_hidden_in_describe(tmp_path: Path) -> None:
    """describe() and repr() never show the consumer secret or the SMTP password."""
    settings = load_settings(write(tmp_path, GOOD), env={})
    shown = dict(settings.describe())
    assert shown["store.consumer_secret"] == HIDDEN
    assert shown["mail.password"] == HIDDEN
    assert "cs_topsecretvalue" not in repr(settings)
    assert "smtp-pass-value" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        (90, timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations_parse(text: object, expected: timedelta) -> None:
    """Durations accept s/m/h/d units and bare minutes."""
    assert parse_duration(text, "x") == expected


def test_bad_duration_names_key() -> None:
    """A malformed duration names its key."""
    with pytest.raises(ConfigError, match="^recall.lookback:"):
        parse_duration("soonish", "recall.lookback")


@pytest.mark.parametrize(
    ("key", "old", "new"),
    [
        ("brand.support_email", 'support_email = "help@example.com"', 'support_email = "help@shop"'),
        ("brand.support_email", 'support_email = "help@example.com"', 'support_email = "Help <help@example.com>"'),
        ("brand.support_email", 'support_email = "help@example.com"', 'support_email = "jäne@example.com"'),
        ("mail.from", 'from = "Shop <shop@example.com>"', 'from = "Shop <shop@localhost>"'),
        ("mail.from", 'from = "Shop <shop@example.com>"', 'from = "shop at example.com"'),
        ("mail.from", 'from = "Shop <shop@example.com>"', 'from = "a@example.com, b@example.com"'),
        ("mail.reply_to", 'from = "Shop <shop@example.com>"', 'from = "Shop <shop@example.com>"\nreply_to = "x@y"'),
    ],
)
def test_every_address_setting_is_checked_at_load_with_the_mail_rule(
    tmp_path: Path, key: str, old: str, new: str
) -> None:
    """An address the mail builder would refuse is a config error naming the key and the value, at load."""
    assert old in GOOD
    with pytest.raises(ConfigError, match=rf"^{re.escape(key)}: ") as caught:
        load_settings(write(tmp_path, GOOD.replace(old, new)), env={})
    assert new.split("= ")[-1].strip('"') in str(caught.value)


def test_good_addresses_load(tmp_path: Path) -> None:
    """Display names, IDN domains and plus-addresses are fine."""
    text = GOOD.replace(
        'from = "Shop <shop@example.com>"',
        'from = "Bücher & Co <shop+news@bücher.example>"\nreply_to = "Help <help@example.com>"',
    )
    settings = load_settings(write(tmp_path, text), env={})
    assert settings.mail.from_addr.startswith("Bücher") and settings.reply_to == "Help <help@example.com>"


def test_default_state_path_differs_for_one_config_name_in_two_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """shop.toml in two folders gets two state files; one config reached by two spellings gets one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = load_settings(write(tmp_path / "a", GOOD), env={})
    two = load_settings(write(tmp_path / "b", GOOD), env={})
    assert one.state_path != two.state_path
    assert one.state_path.parent == two.state_path.parent == tmp_path / "data" / "wcrecall"
    assert one.state_path.name.startswith("shop-") and one.state_path.name.endswith(".state.json")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.toml").symlink_to(tmp_path / "a" / "shop.toml")
    assert load_settings(Path("a/shop.toml"), env={}).state_path == one.state_path
    assert load_settings(tmp_path / "link.toml", env={}).state_path == one.state_path


def test_relative_state_path_is_taken_from_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative state.path does not follow the current directory (cron and a manual run share one state)."""
    (tmp_path / "conf").mkdir()
    config = write(tmp_path / "conf", GOOD + '\n[state]\npath = "data/shop.state.json"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(config, env={}).state_path == tmp_path / "conf" / "data" / "shop.state.json"
    monkeypatch.chdir(tmp_path / "conf")
    assert load_settings(Path("shop.toml"), env={}).state_path == tmp_path / "conf" / "data" / "shop.state.json"


def test_a_default_language_set_before_the_portuguese_catalogs_split_still_loads(tmp_path: Path) -> None:
    """`pt` was the Portuguese catalog's name before pt_BR and pt_PT: a config that names it keeps working (rendered
    as European Portuguese); a language with no catalog is still refused, naming the setting."""
    from e2e import write_config

    from wcrecall.config.settings import load_settings

    good = write_config(tmp_path, "http://127.0.0.1:9", extra='[regional]\ndefault_language = "pt"\n', name="a.toml")
    assert load_settings(good).regional.default_language == "pt"
    bad = write_config(tmp_path, "http://127.0.0.1:9", extra='[regional]\ndefault_language = "xx"\n', name="b.toml")
    with pytest.raises(ConfigError, match="regional.default_language"):
        load_settings(bad)
