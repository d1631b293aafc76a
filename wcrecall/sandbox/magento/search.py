"""`searchCriteria` and `fields=` as Magento 2.4.7-p3's REST API reads and applies them to `sales_order`.

- The query string is read like PHP's `$_GET` (`a[b][0][c]=v` nests, a repeated name keeps its last value).
- Filter groups are AND-ed, the filters inside one group OR-ed; `in`/`nin` take a comma-separated value; an unknown
  `condition_type` is `eq`; a field that is not a `sales_order` column is a 500 (SQL error) like a sort field.
- Strings compare case-insensitively (utf8 general collation); a date value is read up to the seconds with `T`
  for a space and anything after it (`Z`, `+08:00`) ignored, as MySQL compares it to a DATETIME column.
- Paging: no `pageSize` or 0 = everything; past the last page an empty page with the real `total_count`.
- Ties in the sort order (no tie-breaker) come out like MariaDB's filesort does them: in table order when the
  whole result is sorted, but in reverse table order when only the first `offset + pageSize` rows are needed
  (priority queue), which is how the captures' descending `updated_at` pages of 2 return order 18 twice and order
  15 never (`orders_ties_desc_no_tiebreak_pagesize2_p1..p4_oauth`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus

Json = dict[str, Any]
PhpValue = str | dict[str, Any]

# Columns of sales_order that the captured order JSON does not show (absent = NULL) but a filter may name.
EXTRA_COLUMNS = frozenset(
    {
        "adjustment_negative", "adjustment_positive", "applied_rule_ids", "base_adjustment_negative",
        "base_adjustment_positive", "base_shipping_refunded", "base_subtotal_refunded", "base_total_offline_refunded",
        "base_total_online_refunded", "base_total_refunded", "can_ship_partially", "coupon_code", "coupon_rule_name",
        "customer_dob", "customer_gender", "customer_middlename", "customer_prefix", "customer_suffix",
        "customer_taxvat", "discount_description", "edit_increment", "ext_customer_id", "ext_order_id",
        "forced_shipment_with_invoice", "gift_message_id", "hold_before_state", "hold_before_status",
        "original_increment_id", "payment_auth_expiration", "quote_address_id", "relation_child_id",
        "relation_child_real_id", "relation_parent_id", "relation_parent_real_id", "send_email", "shipping_address_id",
        "shipping_method", "shipping_refunded", "total_offline_refunded", "total_online_refunded", "total_paid",
        "total_refunded", "x_forwarded_for", "customer_note", "total_invoiced", "base_total_paid",
    }
)  # fmt: skip
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})")


class SearchError(Exception):
    """A searchCriteria Magento refuses: status 400 with its body, or 500 for an SQL error."""

    def __init__(self, status: int, message: str, parameters: list[Any] | dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameters = status, message, parameters


def php_query(raw_query: str) -> dict[str, Any]:
    """`$_GET` of a raw query: `+` is a space, brackets nest (`a[b][]` appends), the last value of a name wins."""
    out: dict[str, Any] = {}
    for piece in raw_query.split("&") if raw_query else []:
        if not piece:
            continue
        name, _, value = piece.partition("=")
        name, value = unquote_plus(name), unquote_plus(value)
        match = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", name)
        if not match:
            out[name] = value
            continue
        keys = [match.group(1)] + re.findall(r"\[([^\]]*)\]", match.group(2))
        node = out
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if key == "":
                key = str(len(node))
            if last:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return out


def _indexed(value: Any) -> list[Any]:
    """The elements of a PHP list given as `{ "0": ..., "1": ... }`, in the order PHP keeps them (insertion)."""
    return list(value.values()) if isinstance(value, dict) else []


def _int_param(name: str, value: Any) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    shown = value if isinstance(value, str) else "Array"
    raise SearchError(400, f'Error occurred during "{name}" processing. The "{shown}" value\'s type is invalid. '
                           'The "int" type was expected. Verify and try again.')  # fmt: skip


@dataclass
class Criteria:
    """A parsed searchCriteria and its echo (`search_criteria` in the answer)."""

    groups: list[list[Json]] = field(default_factory=list)
    sort_orders: list[Json] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None
    echo: Json = field(default_factory=dict)


def parse_criteria(query: Mapping[str, Any], *, name: str = "searchCriteria") -> Criteria:
    raw = query.get(name)
    if raw is None:
        raise SearchError(400, '"%fieldName" is required. Enter and try again.', {"fieldName": name})
    raw = raw if isinstance(raw, dict) else {}
    criteria = Criteria()
    echo_groups = []
    for group in _indexed(raw.get("filter_groups")):
        filters, echoed = [], []
        for spec in _indexed(group.get("filters") if isinstance(group, dict) else None):
            if not isinstance(spec, dict):
                continue
            filters.append(spec)
            echoed.append({k: spec[k] for k in ("field", "value", "condition_type") if k in spec})
        criteria.groups.append(filters)
        echo_groups.append({"filters": echoed})
    criteria.echo["filter_groups"] = echo_groups
    if "sortOrders" in raw:
        for spec in _indexed(raw.get("sortOrders")):
            if not isinstance(spec, dict):
                continue
            direction = str(spec.get("direction", "ASC"))
            if direction.upper() not in ("ASC", "DESC"):
                raise SearchError(400, "The sort order has to be specified as %1 for ascending order or %2 for "
                                       "descending order.", ["ASC", "DESC"])  # fmt: skip
            criteria.sort_orders.append({"field": spec.get("field"), "direction": direction.upper()})
        criteria.echo["sort_orders"] = [dict(s) for s in criteria.sort_orders]
    if "pageSize" in raw:
        criteria.page_size = _int_param("pageSize", raw["pageSize"])
        criteria.echo["page_size"] = criteria.page_size
    if "currentPage" in raw:
        criteria.current_page = _int_param("currentPage", raw["currentPage"])
        criteria.echo["current_page"] = criteria.current_page
    return criteria


def _date_value(text: str) -> str | None:
    match = _DATE_RE.match(text.strip())
    return f"{match.group(1)} {match.group(2)}" if match else None


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return _date_value(value) or value.casefold()
    return value


def _like(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)


def _matches(row: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    column = str(spec.get("field"))
    actual = row.get(column)
    condition = str(spec.get("condition_type") or "eq").lower()
    value = spec.get("value", "")
    text = value if isinstance(value, str) else ""
    if condition == "null":
        return actual is None
    if condition == "notnull":
        return actual is not None
    if actual is None:
        return False
    if condition in ("in", "nin"):
        found = any(_comparable(actual) == _comparable(v) for v in text.split(","))
        return found if condition == "in" else not found
    if condition in ("like", "nlike"):
        hit = bool(_like(text).match(str(actual)))
        return hit if condition == "like" else not hit
    left, right = _comparable(actual), _comparable(text)
    if type(left) is not type(right):
        left, right = str(left).casefold(), str(right).casefold()
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "neq": lambda a, b: a != b, "gt": lambda a, b: a > b, "lt": lambda a, b: a < b,
        "gteq": lambda a, b: a >= b, "lteq": lambda a, b: a <= b, "from": lambda a, b: a >= b,
        "to": lambda a, b: a <= b,
    }  # fmt: skip
    return bool(compare.get(condition, compare_eq)(left, right))


def compare_eq(left: Any, right: Any) -> bool:
    return bool(left == right)


def search(
    rows: list[Json], criteria: Criteria, columns: frozenset[str], report_id: Callable[[], str]
) -> tuple[list[Json], int]:
    """The page of `rows` (in table order) that `criteria` selects, and the number of all matching rows."""
    for name in [f.get("field") for g in criteria.groups for f in g] + [s["field"] for s in criteria.sort_orders]:
        if name not in columns:
            raise SearchError(
                500, f"Internal Error. Details are available in Magento log file. Report ID: {report_id()}"
            )
    matched = [r for r in rows if all(any(_matches(r, f) for f in group) for group in criteria.groups if group)]
    total = len(matched)
    size = criteria.page_size or 0
    page = criteria.current_page or 1
    offset = (page - 1) * size if size > 0 else 0
    limited = size > 0 and offset + size < total
    if limited and criteria.sort_orders:
        matched.reverse()  # the priority queue returns equal keys in reverse table order
    for spec in reversed(criteria.sort_orders):
        column = spec["field"]
        present = [r for r in matched if r.get(column) is not None]
        absent = [r for r in matched if r.get(column) is None]
        present.sort(key=lambda r: _comparable(r[column]), reverse=spec["direction"] == "DESC")
        matched = absent + present if spec["direction"] == "ASC" else present + absent
    if size <= 0:
        return (matched if page <= 1 else []), total
    return matched[offset : offset + size], total


def parse_fields(text: str) -> dict[str, Any]:
    """`items[entity_id,billing_address[country_id]],total_count` as a tree (a leaf is an empty dict)."""
    tree: dict[str, Any] = {}
    stack = [tree]
    name = ""
    for char in text:
        if char == "[":
            child: dict[str, Any] = {}
            stack[-1][name.strip()] = child
            stack.append(child)
            name = ""
        elif char in ",]":
            if name.strip():
                stack[-1].setdefault(name.strip(), {})
            name = ""
            if char == "]" and len(stack) > 1:
                stack.pop()
        else:
            name += char
    if name.strip():
        stack[-1].setdefault(name.strip(), {})
    return tree


def filter_fields(data: Any, tree: Mapping[str, Any]) -> Any:
    """Keep only the fields of `tree` (in the data's own key order); an empty list becomes null."""
    if not tree:
        return data
    if isinstance(data, list):
        if not data:
            return None
        return [filter_fields(item, tree) for item in data]
    if isinstance(data, dict):
        return {k: filter_fields(v, tree[k]) for k, v in data.items() if k in tree}
    return data
