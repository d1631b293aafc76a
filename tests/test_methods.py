"""The payment-method line: only methods the buyer can use, cards merged into one offer, core methods by key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from e2e import NO_FUNDS, NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import BrandSettings
from wcrecall.model.order import Order
from wcrecall.plan.methods import MethodOffer, offered_methods
from wcrecall.render.renderer import Renderer
from wcrecall.sandbox import SandboxStore, catalog

MOMENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CARD, ANOTHER_CARD = MethodOffer(key="card"), MethodOffer(key="another_card")
BANK = MethodOffer(key="bank_transfer")


def order(country: str = "GB", currency: str = "GBP", method: str = "stripe", title: str = "Credit Card") -> Order:
    return Order(
        id=1, number="1", status="failed", currency=currency, total=Decimal("10"), customer_id=0,
        email="a@example.com", first_name="A", last_name="B", country=country, state="", payment_method=method,
        payment_method_title=title, created_via="checkout", cart_hash="", customer_ip="", date_created=MOMENT,
        date_modified=MOMENT, date_paid=None, needs_payment=True, payment_url="https://shop.example.com/pay",
    )  # fmt: skip


def gateways(*ids: str, titles: dict[str, str] | None = None, off: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Gateways as the sandbox (and so the captured store) lists them."""
    titles = titles or {}
    return [catalog.gateway_record(g, enabled=g not in off, title=titles.get(g)) for g in ids]


def test_a_gb_buyer_after_a_card_failure_gets_another_card_once_and_bank_transfer_but_no_ideal() -> None:
    store = gateways("mollie_wc_gateway_ideal", "stripe", "square_credit_card", "woocommerce_payments", "bacs")
    assert offered_methods(store, order(), "transient") == [ANOTHER_CARD, BANK]


@pytest.mark.parametrize("failure_class", ["insufficient_funds", "expired_or_unsupported", "issuer_generic"])
def test_after_a_card_decline_no_card_gateway_is_offered_but_a_card_of_another_network(failure_class: str) -> None:
    """The email already asks for another card; Square would take the same Visa card Stripe just declined."""
    store = gateways("stripe", "square_credit_card", "acme_unionpay", "bacs", titles={"acme_unionpay": "UnionPay"})
    assert offered_methods(store, order(), failure_class) == [MethodOffer(name="UnionPay"), BANK]
    assert offered_methods(store, order(method="ppcp-gateway", title="PayPal"), failure_class)[0] == CARD


@pytest.mark.parametrize(
    ("gateway", "country", "currency", "offered"),
    [
        ("mollie_wc_gateway_ideal", "NL", "EUR", True),
        ("mollie_wc_gateway_ideal", "NL", "USD", False),
        ("mollie_wc_gateway_ideal", "BE", "EUR", False),
        ("stripe_bancontact", "BE", "EUR", True),
        ("stripe_bancontact", "FR", "EUR", False),
        ("woocommerce_payments_pix", "BR", "BRL", True),
        ("stripe_boleto", "BR", "USD", False),
        ("stripe_alipay", "CN", "CNY", True),
        ("stripe_alipay", "SA", "SAR", False),
        ("stripe_wechat_pay", "HK", "HKD", True),
        ("stripe_wechat_pay", "JP", "JPY", False),
        ("stripe_klarna", "SE", "SEK", True),
        ("stripe_klarna", "JP", "JPY", False),
        ("stripe_p24", "PL", "PLN", True),
        ("mollie_wc_gateway_blik", "PL", "EUR", False),
        ("stripe_eps", "AT", "EUR", True),
        ("stripe_giropay", "DE", "EUR", True),
        ("stripe_sofort", "GB", "GBP", False),
        ("stripe_multibanco", "PT", "EUR", True),
    ],
)
def test_a_local_method_is_offered_only_where_it_works(
    gateway: str, country: str, currency: str, offered: bool
) -> None:
    found = offered_methods(gateways(gateway), order(country, currency))
    assert len(found) == int(offered)


def test_a_local_method_is_named_by_its_own_name() -> None:
    store = gateways("stripe_p24", "mollie_wc_gateway_ideal", titles={"stripe_p24": "P24 (Stripe)"})
    assert offered_methods(store, order("PL", "EUR")) == [MethodOffer(name="Przelewy24")]
    assert offered_methods(store, order("NL", "EUR")) == [MethodOffer(name="iDEAL")]


def test_alipay_and_wechat_pay_are_keys_the_email_words_in_chinese() -> None:
    found = offered_methods(gateways("stripe_alipay", "stripe_wechat_pay"), order("CN", "CNY"))
    assert found == [MethodOffer(key="alipay"), MethodOffer(key="wechat_pay")]


def test_sepa_direct_debit_is_a_key_for_sepa_countries_in_euro() -> None:
    assert offered_methods(gateways("stripe_sepa_debit"), order("DE", "EUR")) == [MethodOffer(key="sepa_debit")]
    assert offered_methods(gateways("stripe_sepa_debit"), order("US", "EUR")) == []
    assert offered_methods(gateways("stripe_sepa_debit"), order("DE", "USD")) == []


def test_the_core_methods_are_keys_for_the_buyers_language() -> None:
    found = offered_methods(gateways("bacs", "cheque", "cod"), order())
    assert found == [BANK, MethodOffer(key="cheque"), MethodOffer(key="cash_on_delivery")]


def test_cards_are_just_card_after_another_method_failed() -> None:
    store = gateways("stripe", "square_credit_card", "braintree_credit_card")
    assert offered_methods(store, order(method="ppcp-gateway", title="PayPal")) == [CARD]


def test_the_failed_card_gateway_alone_offers_no_card() -> None:
    assert offered_methods(gateways("stripe", "bacs"), order(method="stripe")) == [BANK]


def test_a_card_gateway_is_known_by_its_title_too() -> None:
    store = gateways("acme_pay", "acme_gift", titles={"acme_pay": "Credit card / debit card", "acme_gift": "Gift card"})
    assert offered_methods(store, order(method="cod", title="Cash on delivery")) == [
        CARD,
        MethodOffer(name="Gift card"),
    ]


def test_the_failed_method_is_not_offered_under_another_gateway() -> None:
    store = gateways("stripe_ideal", "mollie_wc_gateway_ideal", "bacs")
    assert offered_methods(store, order("NL", "EUR", method="stripe_ideal", title="iDEAL")) == [BANK]


def test_processor_names_are_never_shown() -> None:
    store = gateways(
        "acme_wallet", "mollie_wc_gateway_paypal", "stripe_link",
        titles={"acme_wallet": "Wallet (Stripe)", "mollie_wc_gateway_paypal": "Mollie - PayPal", "stripe_link": "Stripe"},
    )  # fmt: skip
    assert offered_methods(store, order(method="cod", title="x")) == [
        MethodOffer(name="Wallet"),
        MethodOffer(name="PayPal"),
    ]


def test_disabled_gateways_and_junk_are_left_out() -> None:
    store: list[object] = [*gateways("bacs", "cheque", off=("cheque",)), "junk", {"id": "", "enabled": True}]
    assert offered_methods(store, order()) == [BANK]


def test_a_gb_buyer_reads_another_card_and_bank_transfer_end_to_end(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A store with iDEAL, Stripe, Square and bank transfer: a GB buyer whose card was declined is asked for another
    card (once) and offered bank transfer; no iDEAL, no processor name, in both parts of the email."""
    store.set_gateways({"mollie_wc_gateway_ideal": True, "stripe": True, "square_credit_card": True, "bacs": True})
    failed_order(
        store, "amelia@example.co.uk", hours_ago=25, note=NO_FUNDS, payment_method="stripe",
        payment_method_title="Credit Card (Stripe)", currency="GBP", billing={"country": "GB", "first_name": "Amelia"},
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    message = smtp.messages[0].message
    parts = {p.get_content_type(): p.get_content() for p in message.walk() if not p.is_multipart()}
    text = parts["text/plain"]
    assert "Please use another card or payment method.\nYou can also pay with: bank transfer." in text.replace(
        "\r\n", "\n"
    )
    for part in parts.values():
        assert "iDEAL" not in part and "Stripe" not in part and "Square" not in part
        assert part.lower().count("card") == 1  # "another card" in the class sentence, not again in the method line


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("de", "Sie können auch mit einer anderen Karte und Banküberweisung bezahlen."),
        ("ja", "別のカード、銀行振込でもお支払いいただけます。"),
        ("pt_BR", "Você também pode pagar com outro cartão e transferência bancária."),
        ("zh_Hans", "您也可以使用以下方式付款：其他银行卡、支付宝、微信支付和银行转账。"),
    ],
)
def test_the_method_keys_are_worded_in_the_buyers_language(lang: str, sentence: str) -> None:
    email = Renderer(brand=BrandSettings(store_name="Shop", support_email="help@example.com")).render(
        order=order(), step=1, total_steps=3, kind="failed", pay_url="https://shop.example.com/pay", lang=lang,
        reason="insufficient_funds",
        payment_methods=[ANOTHER_CARD, *([MethodOffer(key="alipay"), MethodOffer(key="wechat_pay")] if lang == "zh_Hans" else []), BANK],
    )  # fmt: skip
    assert sentence in email.text


def test_an_owners_emails_folder_without_method_words_uses_the_shipped_ones(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parent.parent / "emails"
    for name in ("layout.mjml.j2", "layout.txt.j2", "step-1.mjml.j2"):
        (tmp_path / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    email = Renderer(brand=BrandSettings(store_name="Shop", support_email="h@example.com"), emails_dir=tmp_path).render(
        order=order(), step=1, total_steps=1, kind="failed", pay_url="https://shop.example.com/pay", lang="en",
        reason="insufficient_funds", payment_methods=[MethodOffer(key="cash_on_delivery"), MethodOffer(name="PayPal")],
    )  # fmt: skip
    assert "You can also pay with: cash on delivery and PayPal." in email.text


def test_latin_method_names_are_isolated_in_arabic() -> None:
    email = Renderer(brand=BrandSettings(store_name="Shop", support_email="help@example.com")).render(
        order=order(), step=1, total_steps=3, kind="failed", pay_url="https://shop.example.com/pay", lang="ar",
        reason="insufficient_funds", payment_methods=[ANOTHER_CARD, MethodOffer(name="PayPal")],
    )  # fmt: skip
    assert "بطاقة أخرى" in email.text and "\u2068PayPal\u2069" in email.text and "<bdi>PayPal</bdi>" in email.html
