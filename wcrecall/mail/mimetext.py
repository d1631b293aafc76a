"""The text parts of a message, encoded as the stdlib's `set_content` encodes them, for a fraction of its cost.

`EmailMessage.set_content(str)` picks a Content-Transfer-Encoding (7bit when every line is short ASCII; else it
quoted-printable-encodes the first ten lines and compares that with their base64) and then encodes the whole body with
the pure-Python `email.quoprimime`, whose per-character `str.translate` through a 256-entry list is most of the cost
of building a reminder. `TEXT_CONTENT` (pass it as `content_manager=`) makes the same choice and writes the same
bytes: `=` is quoted with `str.replace`, the rarer bytes outside printable ASCII (found by a byte scan) in runs with
a regular expression, and only lines long enough to need a soft break (or ending in a space or tab) go through the
stdlib's line-breaking rule, written as one regular expression. A body the stdlib would send as base64 is left to the
stdlib. tests/test_mimetext.py holds both paths to the same output.
"""

from __future__ import annotations

import binascii
import email.contentmanager
import email.message
import re
from functools import lru_cache
from typing import Any

__all__ = ["TEXT_CONTENT", "encode_text", "qp_body"]

# Bytes (as latin-1 characters) quoted-printable leaves as they are in a body: printable ASCII but `=`, space and
# tab; CR and LF stay line ends. Everything else becomes =XX: `=` first (str.replace), then runs of the others.
_SAFE = bytes(range(0x20, 0x7F)) + b"\t\r\n"  # with "=": by then each one starts an escape
_QUOTED_RUN_RE = re.compile(r"[^\t\n\r -~]+")


def _quote_run(match: re.Match[str]) -> str:
    return "=" + match.group().encode("latin-1").hex("=").upper()


@lru_cache(maxsize=8)
def _pieces_re(maxlinelen: int) -> re.Pattern[str]:
    """The pieces of a line that `quoprimime.body_encode` ends with a soft break: taken while more than maxlinelen
    characters are left, each maxlinelen - 1 long, or one or two shorter where the last or next-to-last of them would
    start an escape. The text has no line break left: DOTALL only spares the engine a check per character."""
    first, last = maxlinelen - 3, maxlinelen + 1
    return re.compile(f"(?s)(?=.{{{last}}}).{{{first}}}(?:(?==)|.(?==)|..)")


def qp_body(body: str, maxlinelen: int = 76, eol: str = "\n") -> str:
    """`email.quoprimime.body_encode(body, maxlinelen, eol)` for a body of characters below U+0100 (bytes decoded
    as latin-1, which is how the stdlib calls it): the same output, character for character."""
    if maxlinelen < 4:
        raise ValueError("maxlinelen must be at least 4")
    if not body:
        return body
    body = body.replace("=", "=3D")
    if body.encode("latin-1").translate(None, _SAFE):  # a byte to quote (a scan in C, many times a regex's speed)
        body = _QUOTED_RUN_RE.sub(_quote_run, body)
    soft_break = "=" + eol
    # after quoting only CR and LF are left to split on; a short line without a space or tab at its end is itself
    encoded = [
        line if len(line) <= maxlinelen and line[-1:] not in _BLANKS else _broken(line, maxlinelen, soft_break)
        for line in body.splitlines()
    ]
    if body[-1] in "\r\n":
        encoded.append("")
    return eol.join(encoded)


_BLANKS = frozenset(" \t")


def _broken(line: str, maxlinelen: int, soft_break: str) -> str:
    """A quoted line as the stdlib writes it: soft breaks while more than maxlinelen characters are left, and a space
    or tab at its end quoted (with a soft break before it where the line has no room)."""
    # The stdlib's loop, as one regular expression: a piece of maxlinelen - 1 characters and a soft break, shortened
    # by one or two so that an =XX escape is never split (the piece then ends on that escape's "=", which is its soft
    # break, and the next piece starts with it).
    pieces = _pieces_re(maxlinelen).findall(line)
    start = sum(map(len, pieces))
    head = soft_break.join(pieces) + soft_break if pieces else ""
    if line[-1:] not in _BLANKS:
        return head + line[start:]
    room = start - (len(line) - 1 - maxlinelen)
    if room >= 3:
        tail = f"={ord(line[-1]):02X}"
    elif room == 2:
        tail = line[-1] + soft_break
    else:
        tail = f"{soft_break}={ord(line[-1]):02X}"
    return head + line[start:-1] + tail


def encode_text(string: str, *, max_line_length: int, linesep: str) -> tuple[str, str] | None:
    """(Content-Transfer-Encoding, payload) for `string` in UTF-8, exactly as the stdlib's `set_content` chooses
    and encodes them under a 7bit policy with no cte given (contentmanager._encode_text); None where the stdlib
    would choose base64 (a body mostly outside ASCII: rare, and its base64 encoder is C underneath)."""
    lines = string.encode("utf-8").splitlines()
    if max((len(x) for x in lines), default=0) <= max_line_length:
        normal = b"\n".join(lines) + b"\n"
        if normal.isascii():
            return "7bit", normal.decode("ascii")
    sniff = linesep.encode("ascii").join(lines[:10]) + linesep.encode("ascii")
    sniff_qp = qp_body(sniff.decode("latin-1"), max_line_length)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return None
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp
    return "quoted-printable", qp_body((b"\n".join(lines) + b"\n").decode("latin-1"), max_line_length)


def _set_text(msg: email.message.MIMEPart, string: str, subtype: str = "plain", charset: str = "utf-8") -> None:
    """The stdlib's `set_text_content` for a UTF-8 text with no other options, with `encode_text`; the stdlib's own
    where that gives no answer (base64) or the charset is another."""
    policy: Any = msg.policy
    encoded = (
        encode_text(string, max_line_length=policy.max_line_length, linesep=policy.linesep)
        if charset == "utf-8" and policy.cte_type == "7bit"
        else None
    )
    if encoded is None:
        email.contentmanager.raw_data_manager.set_content(msg, string, subtype=subtype, charset=charset)
        return
    cte, payload = encoded
    msg["Content-Type"] = f"text/{subtype}"
    msg.set_payload(payload)
    msg.set_param("charset", "utf-8", replace=True)
    msg["Content-Transfer-Encoding"] = cte


TEXT_CONTENT = email.contentmanager.ContentManager()
TEXT_CONTENT.add_set_handler(str, _set_text)
