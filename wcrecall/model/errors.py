"""Project exceptions. Each says what went wrong and how to fix it; the CLI prints them once."""

from __future__ import annotations

from collections.abc import Iterable


def hide(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret in `secrets` replaced by `<hidden>` (for messages and tracebacks of unforeseen
    errors, which may quote anything)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<hidden>")
    return text


class WcrecallError(Exception):
    """Base of every error wcrecall reports to the user. The message says how to fix it."""

    exit_code = 1


class ConfigError(WcrecallError):
    """The configuration is missing, malformed or has an unknown or missing key (exit 2)."""

    exit_code = 2


class StoreError(WcrecallError):
    """The store answered in a way wcrecall cannot use (bad body, 4xx, retries exhausted)."""

    exit_code = 1


class StoreAuthError(StoreError):
    """The store refused the API key (401/403): wrong key or secret, missing permission, or http without OAuth (exit 2).

    `problem` and `fix` are the message's two parts, for doctor's problem and fix lines (the message is one sentence
    in the owner's language, never split); without them the message is the problem."""

    exit_code = 2

    def __init__(self, message: str, *, problem: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.problem = problem or message
        self.fix = fix


class StoreReadOnly(StoreAuthError):
    """The key may read but not write (401 "does not have write permissions"): no note could follow an email (exit 2)."""


class StoreDeadline(StoreError):
    """The run reached `store.max_tick_time`: it stops talking to the store, and the next run carries on."""


class StoreNotFound(StoreError):
    """The store answered 404 for an order or route."""


class WooCommercePackageError(WcrecallError):
    """The installed `woocommerce` package is not the version wcrecall adapts (store/wcadapter.py): reinstall it (exit 2)."""

    exit_code = 2


class MailError(WcrecallError):
    """Sending a message failed."""


class MailTemporaryError(MailError):
    """The mail server deferred the message (4xx) or the connection dropped: try again next tick."""


class MailRecipientRefused(MailError):
    """The mail server permanently refused this recipient's address (5.1.1 no such user...): do not mail it again.

    `reply` is the server's reply (code and text, the address masked), or "" when no server was asked."""

    def __init__(self, message: str, *, reply: str = "") -> None:
        super().__init__(message)
        self.reply = reply


class MailSenderRefused(MailError):
    """The mail server refused the message for a reason of the sender, the account, its policy or the content (quota,
    unverified or paused sender, relaying denied, spam filter): not the buyer's fault. The buyer and the step stay as
    they were; the step is sent again next tick."""


class MailUncertain(MailError):
    """The connection failed after the message was handed over: the server may have accepted it. Never resend (at most once)."""


class MailAuthError(MailError):
    """The mail server refused the login or the connection settings are wrong (exit 2)."""

    exit_code = 2


class MailSenderSetupError(MailAuthError):
    """The mail server refused several messages in one run for the sender's or the account's sake: the setup is wrong
    (unverified sender, sending paused, quota, relaying not allowed). The run stops (exit 2); no buyer is blamed."""


class TemplateError(WcrecallError):
    """An email template does not compile or render; reported before anything is sent (exit 2)."""

    exit_code = 2


class StateError(WcrecallError):
    """The state file cannot be read or written."""

    exit_code = 2


class LockHeld(WcrecallError):
    """Another wcrecall run holds the lock; this run did nothing (exit 75, EX_TEMPFAIL)."""

    exit_code = 75


class BadOrder(WcrecallError):
    """An order's data cannot be used (e.g. a missing or malformed date); the order is skipped with this reason."""
