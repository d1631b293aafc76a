"""The transports that hand a message to this machine: sendmail, and an outbox folder for trying templates out."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Self

from wcrecall.config.settings import MailSettings
from wcrecall.mail.smtp import hide_address
from wcrecall.mail.wire import envelope, wire_bytes
from wcrecall.model.errors import MailAuthError, MailError, MailRecipientRefused, MailTemporaryError, MailUncertain
from wcrecall.model.order import mask_email

_OUR_ID_RE = re.compile(r"^<wcrecall\.(\d+)\.(\d+)\.[0-9a-f]+@")

# sendmail exit codes (sysexits.h)
EX_NOUSER, EX_NOHOST, EX_UNAVAILABLE, EX_OSERR, EX_IOERR, EX_TEMPFAIL = 67, 68, 69, 71, 74, 75


class SendmailTransport:
    """`sendmail -i -f <from> -- <buyer>` with the message on stdin: common on shared hosting; exit 0 means queued."""

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    def __repr__(self) -> str:
        return f"SendmailTransport(path={self._settings.sendmail_path!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def check(self) -> None:
        path = self._settings.sendmail_path
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise MailAuthError(f"mail.sendmail_path: {path} not found or not executable")

    def send(self, msg: EmailMessage) -> None:
        sender, recipient = envelope(msg)
        path = self._settings.sendmail_path
        who = mask_email(recipient)
        # The recipient is an argument, never read from the headers (no -t): buyer text in To: must not be able to
        # add one. -i: a line with a lone "." does not end the message; -f: the envelope sender, so bounces go to the
        # shop and SPF checks the shop's domain rather than the hosting account's; --: no address is read as an option.
        command = [path, "-i", "-f", sender, "--", recipient]
        try:
            result = subprocess.run(
                command, input=wire_bytes(msg), capture_output=True, timeout=self._settings.timeout, check=False
            )
        except FileNotFoundError:
            raise MailAuthError(f"mail.sendmail_path: {path} not found") from None
        except PermissionError:
            raise MailAuthError(f"mail.sendmail_path: {path} is not executable") from None
        except subprocess.TimeoutExpired:
            raise MailUncertain(
                f"sendmail did not finish within {self._settings.timeout:g}s for {who}; it may have queued the message, "
                "so it is not sent again"
            ) from None
        except OSError as exc:
            raise MailAuthError(f"mail.sendmail_path: {path} cannot be run ({exc.strerror or exc})") from None
        code = result.returncode
        if code == 0:
            return
        detail = next(
            (line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()), ""
        )
        detail = hide_address(detail, recipient)[:300]
        text = f"sendmail exited with {code} for {who}" + (f": {detail}" if detail else "")
        if code in (EX_TEMPFAIL, EX_UNAVAILABLE, EX_OSERR, EX_IOERR):
            raise MailTemporaryError(text)
        if code in (EX_NOUSER, EX_NOHOST):
            raise MailRecipientRefused(text)
        raise MailError(text)


# --- outbox folder -------------------------------------------------------------------------------------------------


class FileTransport:
    """Writes `<stamp>-order<id>-step<n>.eml` and the HTML part beside it as `.html`, for trying templates out.

    A file is never overwritten: sending the same step twice leaves two pairs of files, so a duplicate is visible.
    """

    def __init__(self, settings: MailSettings, *, base_dir: Path | None = None) -> None:
        outbox = Path(settings.outbox).expanduser()
        self.outbox = outbox if outbox.is_absolute() else (base_dir or Path.cwd()) / outbox

    def __repr__(self) -> str:
        return f"FileTransport(outbox={str(self.outbox)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def check(self) -> None:
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.outbox, prefix=".check-"):
                pass
        except OSError as exc:
            raise MailAuthError(f"mail.outbox: {self.outbox} is not writable ({exc.strerror or exc})") from None

    def _stem(self, msg: EmailMessage) -> str:
        try:
            moment = msg["Date"].datetime
        except AttributeError:
            moment = None
        stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        message_id = str(msg.get("Message-ID", ""))
        match = _OUR_ID_RE.match(message_id)
        if match:
            return f"{stamp}-order{match.group(1)}-step{match.group(2)}"
        safe = re.sub(r"[^A-Za-z0-9.-]+", "_", message_id).strip("_.")[:80] or "message"
        return f"{stamp}-{safe}"

    def send(self, msg: EmailMessage) -> None:
        envelope(msg)
        html_part = msg.get_body(preferencelist=("html",))
        html_text = html_part.get_content() if html_part is not None else ""
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            stem = self._stem(msg)
            for n in range(1, 1000):
                name = stem if n == 1 else f"{stem}-{n}"
                eml, page = self.outbox / f"{name}.eml", self.outbox / f"{name}.html"
                if eml.exists() or page.exists():
                    continue
                _write_new(page, html_text.encode("utf-8"))
                if _write_new(eml, wire_bytes(msg)):
                    return
            raise MailError(f"mail.outbox: {self.outbox} has 999 files for {stem}")
        except PermissionError as exc:
            raise MailAuthError(f"mail.outbox: {self.outbox} is not writable ({exc.strerror})") from None
        except OSError as exc:
            raise MailTemporaryError(f"mail.outbox: cannot write to {self.outbox} ({exc.strerror or exc})") from None


def _write_new(path: Path, data: bytes) -> bool:
    """Write atomically and never over an existing file (temp file + hard link); False if `path` already exists."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)
