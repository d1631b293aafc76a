"""What wcrecall remembers about one recall: plain data, serialised to the state file.

A recall keeps only what the decisions and `status` need: ids, a keyed hash and a masked form of the buyer's email,
country, total. No names, addresses, phone numbers or items (those are read from the store when an email is built).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from types import UnionType
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")

# Step states. `claimed` is durable before the message goes to the mail server; a claim found at start-up belongs to a
# run that died mid-send and becomes `uncertain`: the message may have been delivered, so it is never sent again.
CLAIMED, SENT, UNCERTAIN, SKIPPED = "claimed", "sent", "uncertain", "skipped"

# Outcomes. `open` recalls may still send; every other outcome is final.
OPEN = "open"
RECOVERED = "recovered"  # the order itself was paid
RECOVERED_NEW_ORDER = "recovered_new_order"  # the buyer paid a newer order instead
CLOSED = "closed"  # cancelled, refunded or trashed in the store
ENDED_UNPAID = "ended_unpaid"  # every step done or skipped, never paid
NOT_CONTACTED = "not_contacted"  # wcrecall decided not to email (reason in end_reason)
SUPERSEDED = "superseded"  # a newer order of the same buyer and cart carries the recall
BASELINE = "baseline"  # adopted by `run --baseline` without mailing
HELD_OUT = "held_out"  # chosen for the randomized holdout (recall.holdout): no reminder, the comparison group
RECOVERED_OUTCOMES = frozenset({RECOVERED, RECOVERED_NEW_ORDER})
# Every way a recall ends (`finish` takes no other outcome).
ENDINGS = frozenset({*RECOVERED_OUTCOMES, CLOSED, ENDED_UNPAID, NOT_CONTACTED, SUPERSEDED, BASELINE, HELD_OUT})


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def from_iso(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass
class Step:
    n: int
    state: str
    at: str  # ISO time of the claim / send / skip
    msgid: str = ""
    noted: bool = False
    why: str = ""  # for skipped steps


@dataclass
class Recall:
    id: int  # the order id; the key of the recall
    number: str
    kind: str  # "failed" or "pending": the status the order had when the recall opened
    status: str  # the order's status as last seen
    email_hash: str
    email_masked: str
    customer_id: int
    country: str
    currency: str
    total: str
    created: str  # the order's creation time (ISO, UTC): the anchor of the schedule
    opened: str
    group: str = ""  # keyed hash of email + cart_hash: retries of one cart are one recall
    reason: str = ""  # failure class, "" until classified
    reason_rule: str = ""
    steps: list[Step] = field(default_factory=list)
    planned: int = 0
    next_due: str | None = None
    outcome: str = OPEN
    end_reason: str = ""
    ended: str | None = None
    paid_at: str | None = None
    paid_order: int | None = None
    end_noted: bool = True  # False while an end note still has to be posted
    superseded_by: int | None = None
    lang: str = ""  # the language of the emails (regional.choose_language)
    zone: str = ""  # the buyer's IANA time zone, for quiet hours
    ip_hash: str = ""  # keyed hash of the checkout IP, to see card-testing bursts
    max_steps: int = 0  # a country rule's cap; 0: none
    hold_minutes: int = 0  # hold-stock time that will cancel this pending order; 0: none
    modified: str = ""  # the order's last change as last seen (ISO, UTC): hold stock counts from it
    warning: str = ""  # something the owner should know (shown in status and -v)

    @property
    def is_open(self) -> bool:
        return self.outcome == OPEN

    @property
    def sent_steps(self) -> list[Step]:
        return [s for s in self.steps if s.state in (SENT, UNCERTAIN)]

    def step(self, n: int) -> Step | None:
        return next((s for s in self.steps if s.n == n), None)

    def last_contact(self) -> datetime | None:
        times = [from_iso(s.at) for s in self.steps if s.state in (SENT, UNCERTAIN, CLAIMED)]
        return max((t for t in times if t), default=None)

    def to_dict(self, *, defaults: bool = True) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, which deep-copies field by field; every field but `steps` is a plain value.
        Without `defaults` the fields (of the recall and its steps) that hold their default are left out: the state's
        snapshot, a quarter smaller and quicker to read; `from_dict`, and so any version of it, fills them in."""
        data = dict(vars(self))
        data["steps"] = [dict(vars(step)) for step in self.steps]
        if not defaults:
            _drop_defaults(Recall, data)
            for step in data["steps"]:
                _drop_defaults(Step, step)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recall:
        """The recall as the state file holds it; `ValueError` when a field has the wrong type or a date does not
        parse (the state loader then treats the file as lost rather than crash later, tick after tick)."""
        data = dict(data)
        steps = data.get("steps", [])
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise ValueError("steps: expected a list of objects")
        data["steps"] = [_checked(Step, s) for s in steps]
        return _checked(cls, data)


def finish(
    recall: Recall,
    outcome: str,
    reason: str,
    now: datetime,
    *,
    paid_at: datetime | None = None,
    paid_order: int | None = None,
    note: bool = False,
) -> None:
    """End `recall`: the one place a recall leaves `open`. `now` is when it ended; `note` says an end note is still to
    be written to the order (the tick posts it, then sets `end_noted`). Nothing is due after an end."""
    if outcome not in ENDINGS:
        raise ValueError(f"order {recall.id}: a recall cannot end as {outcome!r}")
    recall.outcome, recall.end_reason, recall.ended = outcome, reason, now.isoformat()
    recall.next_due = None
    recall.paid_at, recall.paid_order = iso(paid_at), paid_order
    recall.end_noted = not note


# Fields holding ISO times: each must parse to an aware datetime (empty or null where the type allows it).
_TIMES = frozenset({"at", "created", "opened", "next_due", "ended", "paid_at"})


def _allowed(hint: Any) -> tuple[type, ...]:
    """The runtime types a field's annotation admits: `str | None` -> (str, NoneType), `list[Step]` -> (list,)."""
    if isinstance(hint, UnionType):
        return tuple(t for arg in get_args(hint) for t in _allowed(arg))
    origin = get_origin(hint)
    if origin is not None:
        return (origin,)
    return (hint,) if isinstance(hint, type) else (object,)


# Per class: field name -> (the types its annotation admits, whether it holds an ISO time).
_FIELD_TYPES: dict[type, dict[str, tuple[tuple[type, ...], bool]]] = {}


def _field_types(cls: type) -> dict[str, tuple[tuple[type, ...], bool]]:
    if cls not in _FIELD_TYPES:
        hints = get_type_hints(cls)
        _FIELD_TYPES[cls] = {f.name: (_allowed(hints[f.name]), f.name in _TIMES) for f in fields(cls)}
    return _FIELD_TYPES[cls]


_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _drop_defaults(cls: type, data: dict[str, Any]) -> None:
    """Leave out of `data` the fields of `cls` that hold their plain default, of its very type (0 is not False)."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = tuple((f.name, f.default) for f in fields(cls) if f.default is not MISSING)
    for name, default in _DEFAULTS[cls]:
        value = data.get(name, MISSING)
        if type(value) is type(default) and value == default:
            del data[name]


class _Shape:
    """A record layout found valid: its keys in order with their exact types. Records of one file share a few layouts,
    so once a layout passed the type checks a record of it needs only its time checks and is built without running
    `__init__` (unknown keys dropped, the dataclass's plain defaults filled in for the keys it lacks)."""

    __slots__ = ("exact", "template", "times", "unknown")

    def __init__(self, cls: type, keys: tuple[str, ...], kinds: tuple[type, ...]) -> None:
        types = _field_types(cls)
        # The time fields that hold a string in this layout (None and "" need no parsing).
        self.times = tuple(k for k, kind in zip(keys, kinds, strict=True) if k in types and types[k][1] and kind is str)
        specs = fields(cls)
        self.exact = keys == tuple(f.name for f in specs)  # the record's dict is laid out as `__init__` would
        # Every field in the dataclass's order with its default, for the keys the record lacks; its unknown keys.
        self.template = {f.name: f.default for f in specs}
        self.unknown = tuple(k for k in keys if k not in types)


def _shape_of(cls: type, keys: tuple[str, ...], kinds: tuple[type, ...]) -> _Shape | None:
    """The layout of a record just built, to remember; None when a field it lacks has no plain default (a fresh
    object each time): such records are always built by `__init__`."""
    present = set(keys)
    if any(f.name not in present and f.default is MISSING for f in fields(cls)):
        return None
    return _Shape(cls, keys, kinds)


_SHAPES: dict[type, dict[tuple[Any, ...], _Shape]] = {}
_MAX_SHAPES = 512  # per class; records of layouts beyond these are checked field by field


def _checked(cls: type[T], data: dict[str, Any]) -> T:
    """`cls(**data)` for the known keys, after checking each value against the field's annotation. Run for every
    recall and step of the state file on load: a record whose layout (keys and exact types) was found valid before
    has only its times checked (each must parse and carry a zone) and is built without `__init__`; any other goes
    through `_checked_slow`, which checks every value, and its layout is remembered once the record is built."""
    # The keys, then their types: one tuple, quick to make and to hash.
    layout: tuple[Any, ...] = (*data, *map(type, data.values()))
    shapes = _SHAPES.get(cls) or _SHAPES.setdefault(cls, {})
    shape = shapes.get(layout)
    if shape is None:
        built = _checked_slow(cls, data)
        half = len(layout) // 2
        if len(shapes) < _MAX_SHAPES and (found := _shape_of(cls, layout[:half], layout[half:])) is not None:
            shapes[layout] = found
        return built
    for name in shape.times:
        value = data[name]
        if value and datetime.fromisoformat(value).tzinfo is None:
            raise ValueError(f"{name}: {value!r} has no time zone")
    record: T = object.__new__(cls)
    if shape.exact:
        record.__dict__.update(data)
    else:
        values = shape.template.copy()
        values.update(data)
        for name in shape.unknown:
            del values[name]
        record.__dict__ = values
    return record


def _checked_slow(cls: type[T], data: dict[str, Any]) -> T:
    """Every value checked against its field's annotation, then `cls(**data)` for the known keys."""
    types = _field_types(cls)
    values: dict[str, Any] = {}
    for name, value in data.items():
        known = types.get(name)
        if known is None:
            continue
        allowed, is_time = known
        kind = type(value)
        if kind not in allowed and (not isinstance(value, allowed) or kind is bool and bool not in allowed):
            raise ValueError(f"{name}: expected {' or '.join(t.__name__ for t in allowed)}, got {kind.__name__}")
        if is_time and kind is str and value and datetime.fromisoformat(value).tzinfo is None:
            raise ValueError(f"{name}: {value!r} has no time zone")
        values[name] = value
    return cls(**values)
