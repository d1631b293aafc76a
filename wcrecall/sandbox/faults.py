"""Fault injection for the sandbox store: what a broken host, proxy or plugin answers instead of the store.

`SandboxStore.inject(kind, times=, path=)` queues a fault; the server takes the first matching one per request.
Short-circuit faults answer without touching the store (`fault_response`); the others let the request run, then
spoil or delay the answer (server.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wcrecall.sandbox import views
from wcrecall.sandbox.rest import wp_headers
from wcrecall.sandbox.wire import Response

FAULTS = frozenset(
    {
        "http_429", "http_500", "http_502", "http_503", "http_504", "timeout", "reset", "php_notice", "html_200",
        "truncated_json", "empty_body", "http_401", "short_page",
    }
)  # fmt: skip
# Faults answered without touching the store; the others let the request run, then spoil or delay the answer.
SHORT_CIRCUIT = frozenset({"http_429", "http_500", "http_502", "http_503", "http_504", "html_200", "http_401"})
PHP_NOTICE = (
    "<br />\n<b>Notice</b>:  Undefined index: billing_phone in <b>/var/www/html/wp-content/plugins/"
    "checkout-fields/includes/class-fields.php</b> on line <b>12</b><br />\n"
)
# wp_die() for a fatal error outside REST (wp-includes/class-wp-fatal-error-handler.php), answered 200 by some hosts.
WP_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n\t<meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8" />\n\t<meta name="viewport" content="width=device-width">\n\t<meta name=\'robots\' '
    "content='max-image-preview:large, noindex, follow' />\n\t<title>WordPress &rsaquo; Error</title>\n</head>\n"
    '<body id="error-page">\n\t<div class="wp-die-message"><p>There has been a critical error on this website.</p>'
    '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">Learn more about troubleshooting '
    "WordPress.</a></p></div></body>\n</html>\n"
)
REASONS = {
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


@dataclass
class Fault:
    """One queued fault: its kind, how many more requests it spoils, which paths (substring or regex; None = any)."""

    kind: str
    remaining: int
    path: str | re.Pattern[str] | None

    def matches(self, path: str) -> bool:
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return bool(self.path.search(path))
        try:
            return self.path in path or bool(re.search(self.path, path))
        except re.error:
            return False


def fault_response(home_url: str, kind: str, method: str) -> Response:
    """The answer of a short-circuit fault."""
    if kind == "http_401":
        # The body of a revoked or unknown key (err_401_oauth_bad_key_http.http), with WordPress's headers.
        body = {"code": "woocommerce_rest_authentication_error", "message": "Consumer key is invalid.",
                "data": {"status": 401}}  # fmt: skip
        return Response(401, views.php_json(body), wp_headers(home_url, [], user=None, method=method, allow=None))
    if kind == "http_500":
        # WP_Fatal_Error_Handler::display_api_error() for a REST request.
        message = (
            '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/'
            'documentation/article/faq-troubleshooting/">Learn more about troubleshooting WordPress.</a></p>'
        )
        body = {"code": "internal_server_error", "message": message, "data": {"status": 500}, "additional_errors": []}
        return Response(500, views.php_json(body), [("Content-Type", "application/json; charset=UTF-8")])
    if kind == "html_200":
        return Response(200, WP_ERROR_PAGE.encode(), [("Content-Type", "text/html; charset=utf-8")])
    status = int(kind.removeprefix("http_"))
    reason = REASONS[status]
    html = f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1>"
    html += "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    headers = [("Server", "nginx"), ("Content-Type", "text/html")]
    if status == 429:
        headers.append(("Retry-After", "1"))
    return Response(status, html.encode(), headers)
