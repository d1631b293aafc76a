"""The translations an email is written with: the owner's wording overrides first, then the catalogs.

- `recall.strings_dir`: a folder of `<lang>.po` files (de.po, pt_BR.po, zh_Hant.po; en.po rewords the English). Each
  entry replaces that one sentence; every other sentence keeps the shipped wording. Plain .po text, no compiling:
  the files are read and checked (placeholders as in the msgid) when the renderer is built, so a broken file stops a
  run before anything is sent, naming the file.
- Compiled catalogs (`<dir>/<lang>/LC_MESSAGES/wcrecall.mo`) in the given folders, most specific locale first
  (render/locales.py `catalog_names`).
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from wcrecall.model.errors import TemplateError
from wcrecall.render.locales import catalog_names

__all__ = ["DOMAIN", "read_strings", "translations"]

DOMAIN = "wcrecall"


def read_strings(folder: Path) -> dict[str, bytes]:
    """The `<lang>.po` overrides in `folder`, compiled, by file name without `.po`; TemplateError naming a file that
    cannot be read or whose placeholders differ from its msgid's."""
    if not folder.is_dir():
        raise TemplateError(f"{folder}: the strings folder does not exist (recall.strings_dir)")
    found: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.po")):
        try:
            with path.open("rb") as handle:
                catalog = read_po(handle, abort_invalid=True)
        except (OSError, UnicodeDecodeError, PoFileError, ValueError) as exc:
            raise TemplateError(f"{path}: cannot be read as a .po file ({exc})") from None
        for message, errors in catalog.check():
            if errors:
                raise TemplateError(f"{path}: {message.id!r}: {errors[0]} (keep every placeholder of the msgid)")
        compiled = BytesIO()
        write_mo(compiled, catalog)
        found[path.stem] = compiled.getvalue()
    return found


def translations(locale: Locale, *, strings: dict[str, bytes], locale_dirs: Sequence[Path]) -> gettext.NullTranslations:
    """The chain for `locale`: the owner's override for its most specific name ("zh_Hant", else "zh"), then each
    folder's catalog."""
    chain: list[gettext.NullTranslations] = []
    for name in dict.fromkeys([*catalog_names(locale), locale.language]):
        if name in strings:
            chain.append(Translations(BytesIO(strings[name]), domain=DOMAIN))
            break
    for directory in locale_dirs:
        try:
            found = Translations.load(str(directory), catalog_names(locale), domain=DOMAIN)
        except Exception as exc:  # noqa: BLE001  # a damaged .mo raises anything from OSError to struct.error
            raise TemplateError(f"{directory}: the {locale} catalog {DOMAIN}.mo cannot be read ({exc})") from None
        if isinstance(found, Translations):  # load() returns NullTranslations when there is no catalog
            chain.append(found)
    if not chain:
        return gettext.NullTranslations()
    first = chain[0]
    for other in chain[1:]:
        first.add_fallback(other)
    return first
