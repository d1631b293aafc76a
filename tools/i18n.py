"""Regenerate the gettext catalogs of the reminder emails with Babel (no Makefile, no GNU gettext needed).

Run from anywhere, with the project's virtualenv:

    python tools/i18n.py extract   # templates -> emails/locale/wcrecall.pot
    python tools/i18n.py update    # .pot -> every emails/locale/<lang>/LC_MESSAGES/wcrecall.po
    python tools/i18n.py init LANG # a new catalog from the .pot, e.g. `init ko` (then translate it and `compile`)
    python tools/i18n.py compile   # every .po -> wcrecall.mo beside it (fuzzy entries are left out)
    python tools/i18n.py all       # the three above, in that order
    python tools/i18n.py check     # exit 1 if a .po is out of date with the .pot (nothing is written)

Babel warns "msg has more translations than num_plurals of catalog" when updating ja, zh_Hans and zh_Hant: the .pot has
two plural forms and those languages one; the warning is harmless.

Workflow after changing a template's wording: `all`, translate every entry that `update` left empty or marked
`#, fuzzy` (a fuzzy entry is Babel's guess from a similar old message: review it and remove the flag), then
`compile` again and run `pytest tests/test_i18n.py`, which fails on any empty, fuzzy or placeholder-breaking entry.

The languages are the catalogs in emails/locale (English has none: the msgids are the English text), named as Babel
names locales: a language ("de"), with its script where it has two ("zh_Hans", "zh_Hant"), with its region where the
region writes it differently ("pt_BR", "pt_PT").
Extraction uses `emails/babel.cfg`: pybabel's jinja2 method with `jinja2.ext.i18n` and `trimmed = true`, the same
policy the renderer compiles the templates with, so every msgid is the one the renderer looks up.

Owners who add or override a language keep their own catalogs in their `recall.emails_dir`/locale (or another
`locale_dirs` entry); they can start from emails/locale/wcrecall.pot with any gettext editor or `pybabel init`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from babel.messages.frontend import BaseError, CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
# Relative to ROOT (main() changes into it): pybabel writes these paths into the .pot and its messages.
EMAILS = Path("emails")
LOCALE = EMAILS / "locale"
MAPPING = EMAILS / "babel.cfg"
DOMAIN = "wcrecall"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
HEADER = (
    "# Wording of the wcrecall reminder emails.\n"
    "# This file is distributed under the same license as the wcrecall project.\n"
    "#"
)


def _languages() -> list[str]:
    return sorted(path.parent.parent.name for path in (ROOT / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _version() -> str:
    sys.path.insert(0, str(ROOT))
    import wcrecall

    return wcrecall.__version__


def _pybabel(*args: str, quiet: bool = True) -> None:
    # Babel's own command line, in-process: the same code as the `pybabel` script, without relying on PATH.
    try:
        status = CommandLineInterface().run(["pybabel", *(["--quiet"] if quiet else []), *args])  # type: ignore[no-untyped-call]
    except BaseError as exc:  # e.g. `update --check` on an out-of-date catalog: a message, not a traceback
        raise SystemExit(f"pybabel {args[0]}: {exc}") from None
    if status:
        raise SystemExit(status)


def extract() -> None:
    """Templates -> the .pot. Locations name the file only, so moving a line does not rewrite every catalog."""
    _pybabel(
        "extract",
        "--mapping-file",
        str(MAPPING),
        "--output-file",
        str(TEMPLATE),
        "--project",
        "wcrecall",
        "--version",
        _version(),
        "--copyright-holder",
        "wcrecall contributors",
        "--header-comment",
        HEADER,
        "--add-comments",
        "TRANSLATORS:",
        "--add-location",
        "file",
        "--sort-by-file",
        "--no-wrap",
        "--input-dirs",
        str(EMAILS),
    )


def update(languages: list[str] | None = None) -> None:
    """The .pot -> each language's .po: new msgids are added empty (or fuzzy), removed ones dropped."""
    for lang in languages or _languages():
        _pybabel(
            "update",
            "--input-file",
            str(TEMPLATE),
            "--output-dir",
            str(LOCALE),
            "--domain",
            DOMAIN,
            "--locale",
            lang,
            "--init-missing",
            "--ignore-obsolete",
            "--ignore-pot-creation-date",  # a re-extraction alone must not rewrite nine catalogs
            "--no-wrap",
        )


def compile_catalogs() -> None:
    """Every .po -> .mo. Babel checks python-format placeholders here and refuses a catalog that breaks them."""
    _pybabel("compile", "--directory", str(LOCALE), "--domain", DOMAIN, "--statistics", quiet=False)


def check() -> None:
    """Fail when a catalog is missing or does not match the .pot (e.g. a template changed without `update`)."""
    for lang in _languages():
        if not (LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
            raise SystemExit(f"{lang}: no catalog; run `python tools/i18n.py update`")
        print(f"checking {lang}")
        _pybabel(
            "update",
            "--check",
            "--input-file",
            str(TEMPLATE),
            "--output-dir",
            str(LOCALE),
            "--domain",
            DOMAIN,
            "--locale",
            lang,
            "--ignore-obsolete",
            "--ignore-pot-creation-date",
            "--no-wrap",
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("command", choices=("extract", "update", "init", "compile", "all", "check"))
    parser.add_argument("language", nargs="?", help="init: the new catalog's locale, e.g. ko or pt_BR")
    args = parser.parse_args(argv)
    command = args.command
    if command == "init" and not args.language:
        parser.error("init needs a language, e.g. `init ko`")
    os.chdir(ROOT)  # pybabel writes input paths into the .pot as given: keep them relative to the project
    if command in ("extract", "all"):
        extract()
    if command in ("update", "all"):
        update()
    if command == "init":
        update([args.language])
    if command in ("compile", "all"):
        compile_catalogs()
    if command == "check":
        check()


if __name__ == "__main__":
    main()
