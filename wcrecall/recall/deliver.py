"""Delivery: the tick's renderer and mail transport, and what the mail server's answer means for a claimed step.

The tick claims a step durably, then `Mailer.send` hands the message over and names the answer (`Delivery`);
`settle` records on the recall what that answer means when the message was not taken:

- deferred (4xx) or failed: the claim is released, the step is tried again next tick;
- uncertain (the connection broke after the data was sent): the step stays, as `uncertain`, and is never resent;
- refused (the server refused the address itself): the step is skipped, the address suppressed, the recall ended;
- stopped (the mail settings are wrong): the claim is released and the tick stops (`Delivery.stop()` raises).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from wcrecall.config.settings import Settings
from wcrecall.mail.transport import Transport, open_transport
from wcrecall.model.errors import (
    MailAuthError,
    MailError,
    MailRecipientRefused,
    MailTemporaryError,
    MailUncertain,
)
from wcrecall.model.records import ENDED_UNPAID, NOT_CONTACTED, SKIPPED, Recall, Step, finish
from wcrecall.model.records import UNCERTAIN as STEP_UNCERTAIN
from wcrecall.render.renderer import Renderer
from wcrecall.state import privacy
from wcrecall.state.db import State, atomic_write

# What became of a message handed to the mail server.
SENT, DEFERRED, UNCERTAIN, REFUSED, FAILED, STOPPED = "sent", "deferred", "uncertain", "refused", "failed", "stopped"
REFUSED_REASON = "the mail server refused the address"  # the end reason of a recall whose address was refused


@dataclass(frozen=True)
class Delivery:
    """The mail server's answer to one message: `outcome` (one of the names above) and the error behind it."""

    outcome: str
    error: MailError | None = None

    @property
    def sent(self) -> bool:
        return self.outcome == SENT

    @property
    def released(self) -> bool:
        """The claim is taken back: nothing reached the buyer, so the step may go out on a later tick."""
        return self.outcome in (DEFERRED, FAILED, STOPPED)

    def stop(self) -> None:
        """Raise the error that stops the tick (the mail settings are wrong), if this answer is one."""
        if self.outcome == STOPPED and self.error is not None:
            raise self.error


def deliver(transport: Transport, message: EmailMessage) -> Delivery:
    """Hand `message` to the mail server; never raises a `MailError`, names it."""
    try:
        transport.send(message)
    except MailTemporaryError as exc:
        return Delivery(DEFERRED, exc)
    except MailUncertain as exc:
        return Delivery(UNCERTAIN, exc)
    except MailRecipientRefused as exc:
        return Delivery(REFUSED, exc)
    except MailAuthError as exc:
        return Delivery(STOPPED, exc)
    except MailError as exc:
        return Delivery(FAILED, exc)
    return Delivery(SENT)


def settle(recall: Recall, step: Step, delivery: Delivery, *, email: str, state: State, now: datetime) -> str:
    """Record on `recall` what an answer other than `sent` means for its claimed `step` (see the module docstring);
    a refused address is suppressed in `state` and the recall ended. Returns the owner's line for the report."""
    n, exc = step.n, delivery.error
    if delivery.outcome == UNCERTAIN:
        step.state, step.why = STEP_UNCERTAIN, str(exc)
        return f"reminder {n} may or may not have been delivered; it is not resent ({exc})"
    if delivery.outcome == REFUSED:
        step.state, step.why = SKIPPED, f"refused by the mail server: {exc}"
        reply = exc.reply if isinstance(exc, MailRecipientRefused) else ""
        privacy.suppress_refused(state, email, reply or str(exc), now=now)
        finish(recall, ENDED_UNPAID if recall.sent_steps else NOT_CONTACTED, REFUSED_REASON, now)
        return f"reminder {n} refused by the mail server; no more reminders ({exc})"
    if delivery.released:
        recall.steps.remove(step)
    if delivery.outcome == DEFERRED:
        return f"reminder {n} deferred by the mail server, retried next tick ({exc})"
    return f"reminder {n} not sent: {exc}"


class Mailer:
    """The tick's renderer and transport, each made at its first use (a tick with nothing to send costs neither):
    the renderer is checked against every step count and language it may be asked for, so a broken template stops
    the tick before any send; the transport is opened once and closed by `close()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        steps: int,
        languages: Callable[[], Iterable[str]],
        record: Path | None,
        renderer: Renderer | None = None,
        transport_factory: Callable[[], Transport] | None = None,
    ) -> None:
        self.settings = settings
        self.steps = steps
        self.languages = languages  # read at the first email: the languages of the open recalls then
        self.record = record  # where the check of unchanged templates is remembered; None: not remembered
        self.built: Renderer | None = renderer
        self._factory = transport_factory or (lambda: open_transport(settings.mail, base_dir=settings.base_dir))
        self._transport: Transport | None = None

    @property
    def renderer(self) -> Renderer:
        if self.built is None:
            # Shared by the states of one folder: each compiled template is checked against its source's checksum.
            compiled = None if self.record is None else self.record.parent / "wcrecall-compiled-templates"
            renderer = Renderer(
                brand=self.settings.brand,
                emails_dir=self.settings.emails_path,
                strings_dir=self.settings.strings_path,
                compiled_dir=compiled,
            )
            languages = sorted({*self.languages(), self.settings.regional.default_language})
            renderer.check_once(steps=self.steps, languages=languages, record=self.record, save=atomic_write)
            self.built = renderer
        return self.built

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = self._factory().__enter__()
        return self._transport

    def send(self, message: EmailMessage) -> Delivery:
        return deliver(self.transport, message)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.__exit__(None, None, None)
            self._transport = None


__all__ = ["Delivery", "Mailer", "deliver", "settle"]
