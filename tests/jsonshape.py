"""The shape of a JSON answer, for contract tests that compare answers whose values differ by time or id."""

from __future__ import annotations


def shape(value: object) -> object:
    """Keys (in order) and value types, recursively; int and float are both JSON numbers."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, int | float) else type(value).__name__
