"""Magento's OAuth base string and signature, recomputed for every HMAC-SHA256 capture of the real store
(shared fixtures magento-2.4.7-p3/OAUTH-BASE-STRINGS.txt: what Magento built and the signature it expected)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wcrecall.store.magento.signing import Signer, base_string, natural_key, signature

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "magento-2.4.7-p3"


def _vectors() -> list[dict[str, str]]:
    text = (FIXTURES / "OAUTH-BASE-STRINGS.txt").read_text(encoding="utf-8")
    found = []
    for block in re.split(r"\n(?===)", text):
        fields = dict(re.findall(r"^(request|oauth|base|key|expected): +(.*)$", block, flags=re.M))
        name = re.match(r"== (\S+)", block)
        if name and len(fields) == 5:
            fields["name"] = name[1]
            found.append(fields)
    return found


VECTORS = _vectors()


def test_every_capture_is_a_vector() -> None:
    assert len(VECTORS) == 85


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_base_string_and_signature_as_magento_builds_them(vector: dict[str, str]) -> None:
    method, url = vector["request"].split(" ", 1)
    oauth = dict(pair.split("=", 1) for pair in vector["oauth"].split(", "))
    base = base_string(method, url, oauth)
    assert base == vector["base"]
    consumer_secret, token_secret = vector["key"].split("&")
    assert signature(base, consumer_secret, token_secret) == vector["expected"]


def test_natural_order_puts_filter_2_before_filter_10() -> None:
    names = ["f%5B10%5D", "f%5B2%5D", "f%5B1%5D"]
    assert sorted(names, key=natural_key) == ["f%5B1%5D", "f%5B2%5D", "f%5B10%5D"]


def test_each_signature_has_its_own_nonce() -> None:
    signer = Signer("k" * 32, "s" * 32, "t" * 32, "u" * 32)
    first = signer.authorization("GET", "http://127.0.0.1:1/rest/V1/orders/1")
    again = signer.authorization("GET", "http://127.0.0.1:1/rest/V1/orders/1")
    nonces = [re.search(r'oauth_nonce="([^"]+)"', h)[1] for h in (first, again)]  # type: ignore[index]
    assert nonces[0] != nonces[1]
    assert 'oauth_signature_method="HMAC-SHA256"' in first
