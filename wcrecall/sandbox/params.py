"""WordPress REST request parameters: where they come from, how they are validated, what the errors say.

Follows `wp-includes/rest-api/class-wp-rest-request.php` (`get_parameter_order`, `has_valid_params`) and
`wp-includes/rest-api.php` (`rest_validate_value_from_schema`, `rest_is_boolean`, `rest_is_integer`,
`rest_parse_date`). The argument schemas are the captured route index (wp_json_index_wc_v3.http), so names,
order, enums and bounds are the real store's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from wcrecall.sandbox.oauth import PhpParams, php_parse_str

# rest_parse_date(): the only shapes WordPress accepts for a `date-time` argument.
_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+|,\d+)?(?:([Zz])|([+-])(\d{2})(?::(\d{2}))?)?$"
)
_NUMERIC_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_EMAIL_LOCAL_RE = re.compile(r"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_EMAIL_LABEL_RE = re.compile(r"^[a-z0-9-]+$", re.IGNORECASE)


class RestError(Exception):
    """A WP_Error that becomes the response `{"code", "message", "data": {"status", ...}}`."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        """The JSON body WordPress sends for this error."""
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


class Params:
    """The parameters of one request, looked up in WordPress's order: JSON, POST (body), GET, URL, defaults."""

    def __init__(
        self,
        method: str,
        query: PhpParams,
        url: Mapping[str, str],
        content_type: str,
        body: bytes,
    ) -> None:
        self.query = query
        self.url = dict(url)
        self.json: dict[str, Any] = {}
        self.post: PhpParams = {}
        self.defaults: dict[str, Any] = {}
        self.json_error: RestError | None = None
        media = content_type.split(";", 1)[0].strip().lower()
        if body and (media == "application/json" or media.endswith("+json")):
            self._parse_json(body)
        elif body and method != "GET" and media == "application/x-www-form-urlencoded":
            self.post = php_parse_str(body.decode("utf-8", "replace"))

    def _parse_json(self, body: bytes) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self.json_error = _json_error(5, "Malformed UTF-8 characters, possibly incorrectly encoded")
            return
        try:
            # PHP's json_decode() rejects NaN and Infinity; they are syntax errors there too.
            decoded = json.loads(text, parse_constant=_reject_constant)
        except ValueError:
            self.json_error = _json_error(4, "Syntax error")
            return
        if isinstance(decoded, dict):
            self.json = decoded

    def get(self, name: str, default: Any = None) -> Any:
        """The first value found for `name`, else the route default, else `default`."""
        for source in (self.json, self.post, self.query, self.url):
            if name in source:
                return source[name]
        return self.defaults.get(name, default)

    def given(self, name: str) -> bool:
        """Whether the request itself carries `name` (not just a default)."""
        return any(name in source for source in (self.json, self.post, self.query, self.url))

    def set_defaults(self, args: Mapping[str, Any]) -> None:
        """`set_default_params()`: the route's declared defaults."""
        self.defaults = {name: spec["default"] for name, spec in args.items() if "default" in spec}

    def validate(self, args: Mapping[str, Any]) -> None:
        """`has_valid_params()`: bad JSON, then missing required, then every invalid argument at once."""
        if self.json_error is not None:
            raise self.json_error
        required = [name for name, spec in args.items() if spec.get("required") is True and self.get(name) is None]
        if required:
            raise RestError(400, "rest_missing_callback_param", f"Missing parameter(s): {', '.join(required)}",
                            params=required)  # fmt: skip
        invalid: dict[str, str] = {}
        details: dict[str, Any] = {}
        for name, spec in args.items():
            value = self.get(name)
            if value is None or "type" not in spec:
                continue
            problem = validate_value(value, spec, name)
            if problem is not None:
                code, message = problem
                invalid[name] = message
                details[name] = {"code": code, "message": message, "data": None}
        if invalid:
            raise RestError(400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(invalid)}",
                            params=invalid, details=details)  # fmt: skip


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _json_error(code: int, message: str) -> RestError:
    return RestError(400, "rest_invalid_json", "Invalid JSON body passed.", json_error_code=code,
                     json_error_message=message)  # fmt: skip


def parse_list(value: Any) -> list[Any]:
    """`wp_parse_list()`: a list, a PHP array's values, or a string split on commas and whitespace."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    return [value]


def is_integer(value: Any) -> bool:
    """`rest_is_integer()`: numeric and whole ("5", "5.0", 5)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and bool(_NUMERIC_RE.match(value)) and float(value).is_integer()


def is_boolean(value: Any) -> bool:
    """`rest_is_boolean()`: true/false, "true"/"false"/"1"/"0" in any case, or 0/1 (not "")."""
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in ("false", "true", "0", "1")
    return isinstance(value, int) and value in (0, 1)


def to_bool(value: Any) -> bool:
    """`rest_sanitize_boolean()`."""
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "")
    return bool(value)


def to_int(value: Any) -> int:
    """The integer a validated integer parameter stands for."""
    return int(float(value)) if not isinstance(value, int) else value


def parse_date(value: str) -> datetime | None:
    """`rest_parse_date()`: a naive or aware datetime, or None when WordPress would answer "Invalid date."."""
    m = _DATE_RE.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        parsed = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if m.group(7):
        return parsed.replace(tzinfo=UTC)
    if m.group(8):
        offset = timedelta(hours=int(m.group(9)), minutes=int(m.group(10) or 0))
        return parsed.replace(tzinfo=timezone(offset if m.group(8) == "+" else -offset))
    return parsed


def join_l(items: Sequence[Any]) -> str:
    """`wp_sprintf_l( '%l', ... )`: "a and b", "a, b, and c"."""
    words = [str(i) for i in items]
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "integer":
        return is_integer(value)
    if kind == "number":
        if isinstance(value, bool):
            return False
        return isinstance(value, int | float) or (isinstance(value, str) and bool(_NUMERIC_RE.match(value)))
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return is_boolean(value)
    if kind == "array":
        return isinstance(value, list | dict | str)  # a string is a comma list (wp_parse_list)
    if kind == "object":
        return isinstance(value, dict | list) or value == ""  # rest_is_object() takes "" as an empty object
    if kind == "null":
        return value is None or value == ""
    return True


def validate_value(value: Any, spec: Mapping[str, Any], param: str) -> tuple[str, str] | None:
    """`rest_validate_value_from_schema()`: (code, message) of the first problem, or None."""
    types = spec.get("type")
    kinds = [types] if isinstance(types, str) else list(types or [])
    if kinds:
        kind = next((k for k in kinds if _type_ok(value, k)), None)
        if kind is None:
            return "rest_invalid_type", f"{param} is not of type {','.join(kinds)}."
    else:
        kind = ""
    if kind == "array":
        items = spec.get("items")
        for index, item in enumerate(parse_list(value)):
            if isinstance(items, Mapping):
                problem = validate_value(item, items, f"{param}[{index}]")
                if problem:
                    return problem
        return None
    if kind == "object":
        props = spec.get("properties", {})
        if isinstance(value, dict):
            for key, item in value.items():
                if key in props and item is not None:
                    problem = validate_value(item, props[key], f"{param}[{key}]")
                    if problem:
                        return problem
        return None
    if "enum" in spec:
        candidate = to_int(value) if kind == "integer" else value
        if candidate not in spec["enum"] and str(candidate) not in [str(e) for e in spec["enum"]]:
            return "rest_not_in_enum", f"{param} is not one of {join_l(spec['enum'])}."
    if kind in ("integer", "number"):
        number = float(value)
        low, high = spec.get("minimum"), spec.get("maximum")
        if low is not None and high is not None and not low <= number <= high:
            return "rest_out_of_bounds", f"{param} must be between {low} (inclusive) and {high} (inclusive)"
        if low is not None and number < low:
            return "rest_out_of_bounds", f"{param} must be greater than or equal to {low}"
        if high is not None and number > high:
            return "rest_out_of_bounds", f"{param} must be less than or equal to {high}"
    if kind == "string" and spec.get("format") == "date-time" and parse_date(value) is None:
        return "rest_invalid_date", "Invalid date."
    if kind == "string" and spec.get("format") == "email" and value and not is_email(value):
        return "rest_invalid_email", "Invalid email address."
    return None


def is_email(value: str) -> bool:
    """`is_email()` (wp-includes/formatting.php), without the DNS part."""
    if len(value) < 6 or value.count("@") != 1 or value.index("@") < 1:
        return False
    local, domain = value.split("@")
    if not _EMAIL_LOCAL_RE.match(local) or ".." in domain or domain.strip(" \t\n\r\0\x0b.") != domain:
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(label and _EMAIL_LABEL_RE.match(label) for label in labels)
