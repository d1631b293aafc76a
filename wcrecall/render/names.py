"""How a buyer's name is written in a reminder: the greeting's name and the `To:` display name.

The one rule, used by the renderer for both (the mail builder takes the `To:` name from the rendered email):

- A name written in Chinese, Japanese or Korean script is written family name first, as its owner writes it:
  王伟 (no space in Chinese and Korean), 佐藤 陽翔 (a space in Japanese, the way Japanese forms show it).
- Japanese emails address the buyer by the full name, or by whichever part is known, with 様 after it (the 様 of the
  greeting is in the Japanese catalog, "%(name)s 様"; the `To:` name carries it too, as Japanese shops write it).
- Chinese and Korean emails greet a CJK-script name by the full name only: a given name alone ("伟，您好") is too
  familiar from a shop, so with one part known the greeting is the plain polite one ("您好").
- Every other case keeps what shops in that language write: the given name in the greeting ("Hi Jane,"), given name
  then family name in `To:` ("Jane Doe"). A Latin-script name keeps its own order in a CJK email ("Jane Doe 様").

Pure functions over cleaned one-line strings (the renderer has removed control characters); they never add markup,
and escaping stays the renderer's and the mail builder's job.
"""

from __future__ import annotations

import re

__all__ = ["display_name", "greeting_name", "is_cjk_name"]

# Han (with extensions and compatibility ideographs), kana, Hangul, and the iteration mark 々.
_CJK_RE = re.compile(
    "[\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uf900-\ufaff"
    "\U00020000-\U0003134f]"
)
_LETTER_RE = re.compile(r"[^\W\d_]")
_HONORIFIC_TO = {"ja": "様"}


def _language(lang: str) -> str:
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower() if lang else ""


def is_cjk_name(*parts: str) -> bool:
    """True when every letter of the given name parts is Chinese, Japanese or Korean script (and there is one)."""
    letters = [c for part in parts for c in part if _LETTER_RE.match(c)]
    return bool(letters) and all(_CJK_RE.match(c) for c in letters)


def _family_first(first: str, last: str, lang: str) -> str:
    # Japanese separates the two parts with a space; Chinese and Korean write them together. A name with kana is
    # Japanese whatever the email's language.
    spaced = lang == "ja" or re.search("[\u3040-\u30ff]", first + last) is not None
    return f"{last} {first}" if spaced else f"{last}{first}"


def _full(first: str, last: str, lang: str) -> str:
    if first and last:
        return _family_first(first, last, lang) if is_cjk_name(first, last) else f"{first} {last}"
    return first or last


def greeting_name(first: str, last: str, lang: str) -> str:
    """The name the greeting uses ("" for the greeting without a name)."""
    first, last, language = first.strip(), last.strip(), _language(lang)
    if language == "ja":
        return _full(first, last, language)
    if language in ("zh", "ko") and is_cjk_name(first, last):
        return _full(first, last, language) if first and last else ""
    if is_cjk_name(first, last) and first and last:
        return _full(first, last, language)  # a CJK name in another language's email: the full name, in its order
    return first or last if language in ("zh", "ko") else first


def display_name(first: str, last: str, lang: str) -> str:
    """The `To:` display name: the full name in its own order, with the honorific the language puts there."""
    first, last, language = first.strip(), last.strip(), _language(lang)
    name = _full(first, last, language)
    honorific = _HONORIFIC_TO.get(language)
    return f"{name} {honorific}" if name and honorific else name
