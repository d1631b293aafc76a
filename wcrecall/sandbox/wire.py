"""A request and a response as the sandbox's REST routes and pages see them, apart from the HTTP transport."""

from __future__ import annotations

from dataclasses import dataclass, field

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass
class Request:
    """One HTTP request as the REST layer sees it; `headers` keys are lower case."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    short_page: bool = False


@dataclass
class Response:
    """Status, WordPress headers (transport headers are added by the server) and body."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_TYPE
    route: str = ""
