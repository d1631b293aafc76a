"""Literal pre-check keys for the note rules: strings one of which every match of a pattern must contain.

A note that contains none of a rule's keys cannot match it, and the regex search is skipped; this keeps
classification above 10,000 notes/s with ~120 rules. The keys are read from the pattern's own text by a small
scanner of the regex syntax the rules use. It only has to be sound, not complete: whatever it does not understand
(inline flags, numeric escapes, a stray quantifier) gives no keys, and the rule is simply always searched.

What counts as required: a run of plain characters outside any group, none of them optional; the keys of a group
that must occur (no `?`, `*` or `{0,...}` after it); for an alternation, one key per branch (every branch must give
one). Of the candidates in a sequence the most selective set is kept (the one whose shortest key is longest).
"""

from __future__ import annotations

__all__ = ["MIN_KEY", "literal_keys"]

MIN_KEY = 3  # shorter keys occur in nearly every note: searching the rule is as cheap as the check

# Escapes of a letter or digit that stand for one character class or position (\d, \b ...), never for text.
_CLASS_ESCAPES = frozenset("bBdDsSwWAZ")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_GROUP_OPENERS = ("(?:", "(?>")


class _Unsure(Exception):
    """The scanner met syntax it does not read: no keys for this pattern."""


Keys = frozenset[str] | None


def literal_keys(pattern: str) -> Keys:
    """Strings one of which every match of `pattern` contains (case as written), or None to always search."""
    try:
        keys, end = _alternation(pattern, 0)
    except (_Unsure, IndexError):
        return None
    if end != len(pattern) or not keys or min(map(len, keys)) < MIN_KEY:
        return None
    return keys


def _pick(best: Keys, keys: Keys) -> Keys:
    """The more selective of two key sets (the one whose shortest key is longer)."""
    if not keys or "" in keys:
        return best
    if best is None or min(map(len, keys)) > min(map(len, best)):
        return keys
    return best


def _alternation(pattern: str, i: int) -> tuple[Keys, int]:
    branches: list[Keys] = []
    while True:
        keys, i = _sequence(pattern, i)
        branches.append(keys)
        if i < len(pattern) and pattern[i] == "|":
            i += 1
            continue
        if any(not keys for keys in branches):
            return None, i
        return frozenset().union(*(keys for keys in branches if keys)), i


def _sequence(pattern: str, i: int) -> tuple[Keys, int]:
    best: Keys = None
    run: list[str] = []
    while i < len(pattern) and pattern[i] not in "|)":
        literal: str | None = None
        group: Keys = None
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1]
            if escaped.isalnum() and escaped not in _CLASS_ESCAPES:
                raise _Unsure  # \x41, \u00e9, \1, \n ...: a character or a back-reference; not read here
            literal = None if escaped.isalnum() else escaped
            i += 2
        elif char == "[":
            i = _skip_class(pattern, i)
        elif char == "(":
            group, i, required = _group(pattern, i)
            if not required:
                group = None
        elif char in ".^$":
            i += 1
        elif char in "*+?{":
            raise _Unsure  # a quantifier with nothing before it
        else:
            literal = char
            i += 1
        i, at_least_once, repeated = _quantifier(pattern, i)
        if literal is not None and at_least_once and not repeated:
            run.append(literal)
            continue
        best = _pick(best, frozenset({"".join(run)}))
        run = []
        if at_least_once:
            best = _pick(best, group)
    return _pick(best, frozenset({"".join(run)})), i


def _group(pattern: str, i: int) -> tuple[Keys, int, bool]:
    """The keys of the group starting at `i`, the index after it, and whether its text is part of the match."""
    if pattern.startswith(_LOOKAROUND, i):
        start, required = i + (4 if pattern.startswith("(?<", i) else 3), False
    elif pattern.startswith(_GROUP_OPENERS, i):
        start, required = i + 3, True
    elif pattern.startswith("(?P<", i):
        start, required = pattern.index(">", i) + 1, True
    elif pattern.startswith("(?", i):
        raise _Unsure  # inline flags, conditionals, comments
    else:
        start, required = i + 1, True
    keys, end = _alternation(pattern, start)
    if end >= len(pattern) or pattern[end] != ")":
        raise _Unsure
    return keys, end + 1, required


def _skip_class(pattern: str, i: int) -> int:
    """The index after the character class `[...]` starting at `i`."""
    i += 1
    if pattern[i] == "^":
        i += 1
    if pattern[i] == "]":
        i += 1  # a "]" first in the class is a literal
    while pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _quantifier(pattern: str, i: int) -> tuple[int, bool, bool]:
    """After an atom: the index past its quantifier, whether the atom occurs at least once, and whether it may repeat."""
    if i >= len(pattern) or pattern[i] not in "*+?{":
        return i, True, False
    char = pattern[i]
    if char == "{":
        close = pattern.index("}", i)
        low, _, high = pattern[i + 1 : close].partition(",")
        if not low.strip().isdigit() or (high.strip() and not high.strip().isdigit()):
            raise _Unsure  # "{" as a literal: not used by the rules
        at_least_once = int(low) >= 1
        i = close + 1
    else:
        at_least_once = char == "+"
        i += 1
    if i < len(pattern) and pattern[i] in "?+":
        i += 1  # lazy or possessive: the same characters are required
    return i, at_least_once, True
