"""Words a shop owner uses for what the data calls by machine names: failure classes, payment gateways, languages,
countries. The JSON keeps the machine names; the text and HTML pages show these."""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale, UnknownLocaleError

from wcrecall.i18n import _, babel_locale


def failure_class_labels() -> dict[str, str]:
    """Each failure class as an owner reads it, in the owner's language."""
    return {
        "customer_input": _("card details entered wrong"),
        "authentication": _("card security check (3-D Secure) failed"),
        "insufficient_funds": _("not enough money on the card"),
        "expired_or_unsupported": _("card expired or not accepted"),
        "issuer_generic": _("declined by the buyer's bank"),
        "transient": _("temporary payment error"),
        "abandoned": _("buyer left before paying"),
        "do_not_contact": _("buyer asked not to be contacted"),
        "unknown": _("reason not recorded"),
        "unclassified": _("not yet classified"),
    }


def failure_class(name: str) -> str:
    """The owner's words for failure class `name` (the name itself when it is a new one)."""
    return failure_class_labels().get(name, name)


def gateway(method: str, titles: Mapping[str, str]) -> str:
    """A payment gateway by the title the store shows at checkout; the id only when the store gave no title, and
    beside the title when two gateways share it."""
    if method in ("", "(none)"):
        return _("no payment method")
    title = titles.get(method, "").strip()
    if not title:
        return method
    if sum(1 for other in titles.values() if other.strip() == title) > 1:
        return _("{title} ({gateway})").format(title=title, gateway=method)
    return title


def language(code: str) -> str:
    """A buyer language (`pt_BR`, `zh_Hans`) by its name in the owner's language."""
    if code in ("", "n/a"):
        return _("not recorded")
    try:
        name = Locale.parse(code).get_display_name(babel_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def country(code: str) -> str:
    """A billing country (`DE`) by its name in the owner's language."""
    if code in ("", "(none)"):
        return _("no country given")
    return str(babel_locale().territories.get(code.upper(), code))
