"""HTML fragments -> plain text (render/formats.py): the short ways taken for speed give what the long ways give."""

from __future__ import annotations

import random
import re

import pytest

from wcrecall.render.formats import _markup_to_text, _tidy_text, html_to_text

# Whitespace of every kind the tidying tells apart (space, tab, the line ends; no-break space and the other Unicode
# spaces are text), entities that decode to markup or line ends, and words.
PIECES = [
    " ", "  ", "\t", " \t ", "\n", "\n\n", "\n\n\n\n", "\r\n", "\r", "\f", "\xa0", "\u2028", "\x0b", "&lt;b&gt;",
    "&amp;lt;", "&#10;", "&#9;", "&#13;", "&nbsp;", "&quot;", "Bob", "Zoë", "中文", "=", ">", "&",
]  # fmt: skip


def _random_texts(seed: int, count: int = 400) -> list[str]:
    rng = random.Random(seed)
    return ["", " ", "\n", "a", " a ", "\n a \n"] + [
        "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(count)
    ]


def _tidy_by_lines(text: str) -> str:
    """The rule, line by line: runs of spaces and tabs -> one space, lines trimmed, blank runs -> one, ends trimmed."""
    lines = [re.sub(r"[ \t]+", " ", line).strip(" \t") for line in re.split(r"\r\n|\r|\n", text)]
    joined = "\n".join(lines)
    while "\n\n\n" in joined:
        joined = joined.replace("\n\n\n", "\n\n")
    return joined.strip("\n")


def test_tidy_text_follows_the_line_by_line_rule() -> None:
    for text in _random_texts(seed=1):
        assert _tidy_text(text) == _tidy_by_lines(text), repr(text)


@pytest.mark.parametrize(
    ("text", "tidy"),
    [
        ("  Hi\t\tBob ,  \n\n\n\n  thanks  \r\n", "Hi Bob ,\n\nthanks"),
        ("a \n \n \n b", "a\n\nb"),
        ("\xa0kept\xa0", "\xa0kept\xa0"),  # a no-break space is text
        ("one\rtwo\r\n\r\nthree", "one\ntwo\n\nthree"),
    ],
)
def test_tidy_text_examples(text: str, tidy: str) -> None:
    assert _tidy_text(text) == tidy


def test_a_fragment_without_tags_reads_as_the_full_conversion_reads_it() -> None:
    for text in _random_texts(seed=2):
        assert "<" not in text
        assert html_to_text(text) == _markup_to_text(text), repr(text)


def test_escaped_markup_in_a_fragment_without_tags_stays_text() -> None:
    assert html_to_text("\n  Hi &lt;b&gt;Bob&lt;/b&gt;&#10;Bcc: x  \n") == "Hi <b>Bob</b>\nBcc: x"


def test_a_fragment_with_tags_still_loses_its_tags_and_shows_its_links() -> None:
    assert html_to_text('<p>Write to <a href="https://x.example/help">us</a>.</p><!-- no --> <br>&lt;i&gt;') == (
        "Write to us (https://x.example/help).\n\n<i>"
    )
    assert html_to_text("Hi <b>Bob</b><br>there") == "Hi Bob\nthere"
