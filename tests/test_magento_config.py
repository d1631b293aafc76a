"""store.platform and the [magento] section: the four integration credentials, the pay link, the lifetime."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from wcrecall.config.settings import HIDDEN, Settings, load_settings
from wcrecall.model.errors import ConfigError

MAGENTO = """
[store]
platform = "magento"
url = "https://shop.example.com"
consumer_key = "32op7jrlmum0m9btk78j7gj7h5c3lao1"
consumer_secret = "9bli7yxlwbuuf8xbq48r2ekcuciz8six"
access_token = "99jkz9gevwsnzpr307u02fqn5viy9n0a"
access_token_secret = "mpbrd3qw3kbqhliplktsa9yzlul3l1i1"

[mail]
transport = "file"
from = "Shop <shop@example.com>"

[brand]
store_name = "Example Shop"
support_email = "help@example.com"
"""


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def test_magento_store_loads_with_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path, MAGENTO)
    assert settings.store.platform == "magento"
    assert settings.magento.pay_link == "reorder"
    assert settings.magento.pending_lifetime == timedelta(minutes=480)


def test_token_secret_is_hidden(tmp_path: Path) -> None:
    rows = dict(load(tmp_path, MAGENTO).describe())
    assert rows["store.access_token_secret"] == HIDDEN
    assert rows["store.consumer_secret"] == HIDDEN
    assert rows["store.platform"] == "magento"


def test_missing_token_secret_is_named_without_its_value(tmp_path: Path) -> None:
    text = MAGENTO.replace('access_token_secret = "mpbrd3qw3kbqhliplktsa9yzlul3l1i1"', 'access_token_secret = "short"')
    with pytest.raises(ConfigError, match="store.access_token_secret") as caught:
        load(tmp_path, text)
    assert "short" not in str(caught.value)


def test_woocommerce_key_rules_do_not_apply_to_magento_and_back(tmp_path: Path) -> None:
    text = MAGENTO.replace('platform = "magento"', 'platform = "woocommerce"')
    with pytest.raises(ConfigError, match="store.consumer_key: expected a WooCommerce REST key"):
        load(tmp_path, text)
    with pytest.raises(ConfigError, match="store.platform"):
        load(tmp_path, MAGENTO.replace('platform = "magento"', 'platform = "shopify"'))


@pytest.mark.parametrize(
    ("pay_link", "error"),
    [
        ("reorder", None),
        ("none", None),
        ("template:https://shop.example.com/mollie/checkout/redirect/?order={increment_id}&id={entity_id}", None),
        ("template:https://shop.example.com/pay/{increment_id}?k={protect_code}", "the order's secret"),
        ("template:http://shop.example.com/pay/{increment_id}", "https"),
        ("template:https://shop.example.com/pay/{email}", "unknown field {email}"),
        ("paypage", "expected"),
    ],
)
def test_pay_link(tmp_path: Path, pay_link: str, error: str | None) -> None:
    text = MAGENTO + f'\n[magento]\npay_link = "{pay_link}"\npending_lifetime = "240m"\n'
    if error is None:
        settings = load(tmp_path, text)
        assert settings.magento.pending_lifetime == timedelta(minutes=240)
    else:
        with pytest.raises(ConfigError, match=f"magento.pay_link: .*{error}"):
            load(tmp_path, text)


def test_only_a_magento_order_carries_a_pay_link_kind(tmp_path: Path) -> None:
    """The kind comes from the Magento adapter's meta; a WooCommerce order's meta is the store's (a plugin or a
    checkout field may write any key), so `pay_link = none` there never drops the order's own pay link."""
    from dataclasses import replace

    from wcrecall.recall.compose import link_kind
    from wcrecall.render.samples import sample_order

    order = replace(sample_order(guest=True, items=1), meta={"pay_link": "none"})
    magento = load(tmp_path, MAGENTO + '\n[magento]\npay_link = "none"\n')
    assert link_kind(magento, order) == "none"
    assert link_kind(magento, replace(order, meta={"pay_link": "javascript"})) == ""
    woo = MAGENTO.replace('platform = "magento"', 'platform = "woocommerce"')
    woo = woo.replace('"32op7jrlmum0m9btk78j7gj7h5c3lao1"', '"ck_1234"').replace(
        '"9bli7yxlwbuuf8xbq48r2ekcuciz8six"', '"cs_topsecretvalue"'
    )
    woo = "\n".join(line for line in woo.splitlines() if not line.startswith("access_token"))
    assert link_kind(load(tmp_path, woo), order) == ""
