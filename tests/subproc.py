"""Run `wcrecall` as a real process (for crash and overlap tests): SIGKILL must hit a real process, not a thread."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from smtp_server import SmtpServer

KILLED = -signal.SIGKILL
_MSGID = re.compile(r"<wcrecall\.(\d+)\.(\d+)\.")


@dataclass
class Proc:
    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == KILLED


def env_for(config: Path, now: datetime, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WCRECALL_")}
    env.update({"WCRECALL_CONFIG": str(config), "WCRECALL_NOW": now.isoformat(), "NO_COLOR": "1", **extra})
    return env


def start(args: list[str], *, config: Path, now: datetime, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wcrecall", *args],
        env=env_for(config, now, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], *, kill_after: float | None = None, timeout: float = 60) -> Proc:
    """Wait for `proc`; with `kill_after`, SIGKILL it that many seconds after the call if it still runs."""
    if kill_after is not None:
        deadline = time.monotonic() + kill_after
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=timeout)
    return Proc(proc.returncode, out, err)


def deliveries(smtp: SmtpServer) -> Counter[tuple[int, int]]:
    """(order id, step) -> how many times the SMTP server accepted that reminder (from its Message-ID)."""
    counts: Counter[tuple[int, int]] = Counter()
    for received in smtp.messages:
        match = _MSGID.match(str(received.message["Message-ID"]))
        assert match, received.message["Message-ID"]
        counts[(int(match.group(1)), int(match.group(2)))] += 1
    return counts
