"""MJML to HTML (mjml-python), with what its output needs before it is mailed."""

from __future__ import annotations

import re

import mjml

from wcrecall.model.errors import TemplateError

_RUST_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}")
_ARIA_LABEL = re.compile(r'aria-label="([^"]*)"')


def mjml_to_html(source: str, where: str) -> str:
    """The HTML of an MJML document; a document MJML refuses is a TemplateError naming `where`."""
    try:
        # fonts={}: no web-font <link>s; loading fonts from a third party on open is a privacy problem in the EU.
        html = mjml.mjml2html(source, fonts={})
    except ValueError as exc:
        raise TemplateError(f"{where}: not valid MJML ({exc})") from None
    return _ARIA_LABEL.sub(_readable_label, html)


def _readable_label(match: re.Match[str]) -> str:
    """mjml-python (1.4) writes non-ASCII spaces and direction marks of the email's aria-label (the subject: "n° 4711"
    in French, isolated Latin runs in Arabic) as Rust escapes, `\\u{a0}`, which a screen reader reads out: they become
    character references again."""
    return 'aria-label="' + _RUST_ESCAPE.sub(lambda m: f"&#x{m.group(1)};", match.group(1)) + '"'
