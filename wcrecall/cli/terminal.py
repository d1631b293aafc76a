"""Store text on the terminal: one sanitiser for everything wcrecall prints that may carry it.

Order numbers, currencies and reasons come from the store and are hostile input: an ANSI or OSC escape (clear the
screen, a hyperlink, a fake prompt), a bell, a carriage return that overwrites the line, or a bidi override would act
on the owner's terminal or forge a line in cron's mail. `inert` shows every such character as a visible `\\xNN` /
`\\uNNNN` escape; `text` also keeps rich from reading `[...]` as markup.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls (ESC, BEL, CR, LF, and the 8-bit CSI/OSC introducers), DEL, and the bidi overrides/isolates.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(value: object) -> str:
    """`value` as one line of plain text that cannot act on a terminal."""
    return _UNSAFE.sub(_escape, str(value))


def text(value: object) -> Text:
    """`value` for rich: inert, and never parsed as markup."""
    return Text(inert(value))
