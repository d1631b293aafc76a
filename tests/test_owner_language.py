"""The owner's language: every message the product wraps for the owner has a translation in every shipped owner
language, with the same placeholders; and the formats follow the owner's locale and time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir

from wcrecall import i18n

PACKAGE = Path(i18n.__file__).resolve().parents[1]
KEYWORDS = {"_": None, "n_": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rs])?(?::[^{}]*)?\}")


def wrapped_messages() -> list[tuple[str, int, str | tuple[str, str]]]:
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found.append((filename, lineno, (message[0], message[1])))
        else:
            found.append((filename, lineno, message))
    return found


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.activate("en", UTC)


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_wrapped_message_is_translated_with_its_placeholders(language: str) -> None:
    catalog = i18n.catalog(language)
    missing, broken = [], []
    for filename, lineno, message in wrapped_messages():
        translated = catalog.get(message)
        if translated is None:
            missing.append(f"{filename}:{lineno}: {message!r}")
            continue
        sources = message if isinstance(message, tuple) else (message,)
        targets = translated if isinstance(translated, tuple) else (translated,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for target in targets:
            if set(PLACEHOLDER.findall(target)) != wanted:
                broken.append(f"{filename}:{lineno}: {message!r} -> {target!r}")
    assert not missing, f"{len(missing)} messages have no {language} translation:\n" + "\n".join(missing)
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_the_extraction_sees_the_wrapped_messages() -> None:
    # The test above is only as good as the extraction: it must find the messages this module's docstring wraps.
    messages = {m for _f, _l, m in wrapped_messages()}
    assert messages, "no owner message is wrapped with _() or n_()"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("zh", "zh_Hans"), ("zh_CN.UTF-8", "zh_Hans"), ("zh-Hans", "zh_Hans"), ("en_US.UTF-8", "en"), ("C", "en")],
)
def test_locale_names_map_to_a_shipped_language(setting: str, expected: str) -> None:
    assert i18n.normalize(setting) == expected


def test_the_default_comes_from_the_environment_before_the_system_locale() -> None:
    assert i18n.default_language({"WCRECALL_OWNER_LANGUAGE": "zh_Hans", "LANG": "en_US.UTF-8"}) == "zh_Hans"
    assert i18n.default_language({"LANG": "zh_CN.UTF-8"}) == "zh_Hans"
    assert i18n.default_language({"LANG": "fr_FR.UTF-8"}) == "en"


def test_an_unknown_owner_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="owner.language"):
        i18n.activate("klingon")


def test_money_uses_each_currencys_decimals_and_times_the_owners_zone() -> None:
    i18n.activate("en", UTC)
    assert i18n.fmt_money(7500, "JPY") == "¥7,500"
    i18n.activate("zh_Hans", ZoneInfo("Asia/Shanghai"))
    assert "7,500" in i18n.fmt_money(7500, "JPY") and ".00" not in i18n.fmt_money(7500, "JPY")
    shown = i18n.fmt_datetime(datetime(2026, 11, 30, 20, 30, tzinfo=UTC))
    assert shown.startswith("2026年12月1日 04:30"), shown


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_each_message_is_defined_in_one_catalog_file_only(language: str) -> None:
    # The files are merged into one catalog, so a message defined twice silently keeps one file's wording.
    from babel.messages.pofile import read_po

    where: dict[object, list[str]] = {}
    for path in sorted((Path(i18n.__file__).parent / language).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    where.setdefault(message.id, []).append(path.name)
    twice = {str(key): files for key, files in where.items() if len(files) > 1}
    assert not twice, "messages defined in more than one catalog file:\n" + "\n".join(
        f"{key!r}: {', '.join(files)}" for key, files in sorted(twice.items())
    )
