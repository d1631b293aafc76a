"""The child process of the bench: runs one side's tick (or the render loop) and reports what it measured.

`python -m bench.child` reads one JSON command per line on stdin and answers one JSON line on stdout. The parent
starts a fresh child per measured tick, so the child's peak RSS and CPU time (`os.wait4`) belong to that tick
alone, as they would to a cron run.

Store wait, the same for both sides: the time the tick's thread spends blocked on the store's socket (connecting,
sending the request, receiving the answer up to the last byte of its body), measured at the socket itself, below
`requests`, `http.client` and `urllib3`. Where a side reads the body (inside `Session.send` as a plain
`requests.get` does, or after it returns as a streamed read does) and how many connections it opens make no
difference to what counts: every byte's wait is wait, and all the client's own work on it (parsing headers,
decoding chunks, JSON, signing) is local overhead. Wall time minus that wait (and the mail hand-off) is the tick's
local overhead: the CPU work of the client.
"""

from __future__ import annotations

import _socket
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_WAIT = [0.0]
_clock = time.perf_counter
# The socket calls that block on the store: every request of both sides (connection, request bytes, answer bytes)
# goes through these methods of `socket.socket`, whichever library above them makes the call.
_BLOCKING = ("connect", "sendall", "send", "recv", "recv_into")


def _waited(name: str) -> Callable[..., Any]:
    call = getattr(_socket.socket, name)

    def waited(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        started = _clock()
        try:
            return call(self, *args, **kwargs)
        finally:
            _WAIT[0] += _clock() - started

    waited.__name__ = name
    return waited


def measured_socket_methods() -> dict[str, Callable[..., Any]]:
    """`socket.socket`'s blocking methods, each adding the time it blocks to the store wait; `main` installs them."""
    return {name: _waited(name) for name in _BLOCKING}


def peak_rss_mb() -> float | None:
    """This process's peak RSS since exec (VmHWM). `ru_maxrss` would include the pages shared with the parent
    between fork and exec, i.e. the bench's 100,000-order sandbox."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class NullTransport:
    """The mail server's side is out of scope, like the store's PHP: a send serialises the message, as an SMTP
    handoff would, and keeps nothing. Both sides of the bench hand off this way."""

    def __init__(self) -> None:
        self.sent = 0
        self.seconds = 0.0

    def __enter__(self) -> NullTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def check(self) -> None:
        return None

    def send(self, msg: Any) -> None:
        started = time.perf_counter()
        msg.as_bytes()
        self.sent += 1
        self.seconds += time.perf_counter() - started


def _timed(times: dict[str, float], key: str, func: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            times[key] += time.perf_counter() - started

    return wrapper


def wcrecall_tick(cmd: dict[str, Any]) -> dict[str, Any]:
    """One `wcrecall run`, as cli.run does it (the CLI module is imported so its start-up cost counts)."""
    from collections import defaultdict

    import wcrecall.cli.app  # noqa: F401  # what cron pays for on every run
    from wcrecall.config.settings import load_settings
    from wcrecall.model.errors import WcrecallError
    from wcrecall.recall.tick import Tick
    from wcrecall.render.renderer import Renderer
    from wcrecall.store.client import Store

    times: dict[str, float] = defaultdict(float)

    class MeasuredTick(Tick):
        """The product's tick, timed by part: state load and save, renderer set-up, rendering, and the durable
        writes made while sending each step (claim, sent, noted)."""

        step_journal: list[float] = []

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.state.load = _timed(times, "state_load_s", self.state.load)  # type: ignore[method-assign]
            self.state.save = _timed(times, "state_save_s", self.state.save)  # type: ignore[method-assign]

        @property
        def renderer(self) -> Renderer:
            fresh = self.mail.built is None
            started = time.perf_counter()
            renderer = Tick.renderer.fget(self)  # type: ignore[attr-defined]
            if fresh:
                times["renderer_setup_s"] += time.perf_counter() - started
                renderer.render = _timed(times, "render_s", renderer.render)  # type: ignore[method-assign]
            return renderer

        def send_step(self, recall: Any, n: int) -> None:
            before, sent = self.state.journal_seconds, self.report.sent
            super().send_step(recall, n)
            if self.report.sent > sent:
                self.step_journal.append(self.state.journal_seconds - before)

    now = datetime.fromisoformat(cmd["now"])
    settings = load_settings(cmd["config"], env={})
    store = Store(settings.store)
    _WAIT[0] = 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    transport = NullTransport()
    tick = MeasuredTick(settings, now=now, store=store, transport_factory=lambda: transport)
    top: list[list[Any]] = []
    fatal: str | None = None
    try:
        if cmd.get("profile"):
            report, top = profiled(tick.run, int(cmd["profile"]))
        else:
            report = tick.run()
    except WcrecallError as exc:  # the tick stopped: it raises, and its report keeps what it did until then
        report, fatal = tick.report, str(exc)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    state_bytes = sum(p.stat().st_size for p in (settings.state_path, tick.state.journal_path) if p.exists())
    return {
        "requests": store.traffic.requests,
        "bytes_received": store.traffic.bytes_received,
        "retries": store.traffic.retries,
        "sent": report.sent,
        "opened": report.opened,
        "ended": report.ended,
        "problems": report.problems[:20],
        "fatal": fatal,
        "wall_s": wall,
        "tick_cpu_s": cpu,
        "store_wait_s": _WAIT[0],
        "mail_s": transport.seconds,
        "breakdown": dict(times),
        "journal_writes": tick.state.journal_writes,
        "journal_seconds": tick.state.journal_seconds,
        "step_journal_seconds": sum(tick.step_journal),
        "step_journal_max_s": max(tick.step_journal, default=0.0),
        "state_bytes": state_bytes,
        "recalls": len(tick.state.recalls),
        "profile": top,
    }


def naive_tick(cmd: dict[str, Any]) -> dict[str, Any]:
    from bench.naive import NaivePoller

    now = datetime.fromisoformat(cmd["now"])
    transport = NullTransport()
    poller = NaivePoller(
        cmd["url"], cmd["key"], cmd["secret"], outbox=Path(cmd["outbox"]), lookback=timedelta(seconds=cmd["lookback_s"]),
        deliver=transport.send,
    )  # fmt: skip
    _WAIT[0] = 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    report = poller.tick(now)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "requests": report.requests,
        "bytes_received": report.bytes_received,
        "sent": report.sent,
        "problems": report.problems[:20],
        "fatal": None,
        "mail_s": transport.seconds,
        "wall_s": wall,
        "tick_cpu_s": cpu,
        "store_wait_s": _WAIT[0],
    }


def render(cmd: dict[str, Any]) -> dict[str, Any]:
    """Render `n` reminders from the given order JSONs (no sending): wcrecall's MJML renderer or the naive text."""
    orders = cmd["orders"]
    n = int(cmd["n"])
    if cmd["side"] == "naive":
        from bench.naive import build_email

        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(n):
            build_email(orders[i % len(orders)], 1 + i % 3, "Example Shop <shop@example.com>").as_bytes()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        return {"emails": n, "wall_s": wall, "tick_cpu_s": cpu, "setup_s": 0.0}
    from wcrecall.config.settings import load_settings
    from wcrecall.model.order import parse_order
    from wcrecall.plan.paylink import host_of, pay_link
    from wcrecall.render.renderer import Renderer

    settings = load_settings(cmd["config"], env={})
    parsed = [parse_order(o) for o in orders]
    setup0 = time.perf_counter()
    renderer = Renderer(brand=settings.brand, emails_dir=settings.emails_path)
    renderer.check(steps=3)
    setup = time.perf_counter() - setup0
    reasons = ("insufficient_funds", "authentication", None, "unknown")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(n):
        order = parsed[i % len(parsed)]
        step = 1 + i % 3
        renderer.render(
            order=order,
            step=step,
            total_steps=3,
            kind="failed" if order.status == "failed" else "pending",
            pay_url=pay_link(order.payment_url, step, hosts={host_of(settings.store.url)}),
            reason=reasons[i % len(reasons)],
        )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"emails": n, "wall_s": wall, "tick_cpu_s": cpu, "setup_s": setup}


# Waits on the store's socket: its time is the store's, not the host's.
_SOCKET_WAITS = ("recv_into", "sendall", "recv", "connect", "poll", "select")


def profiled(run: Callable[[], T], top: int) -> tuple[T, list[list[Any]]]:
    """`run()` under cProfile, and the `top` functions that took the most time of their own (socket waits left
    out), as `[calls, own seconds, cumulative seconds, function]` rows."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(run)
    if os.environ.get("BENCH_PSTATS"):  # the whole profile, for `python -m pstats` (where the top rows came from)
        profile.dump_stats(os.environ["BENCH_PSTATS"])
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.items():
        if filename == "~" and any(f"'{wait}'" in name for wait in _SOCKET_WAITS):
            continue
        if "_waited.<locals>" in name:  # the bench's own timing of those waits (the wait itself inside)
            continue
        where = name if filename == "~" else f"{_short_path(filename)}:{line}({name})"
        rows.append([calls, own, cumulative, where])
    rows.sort(key=lambda row: -row[1])
    return result, rows[:top]


def _short_path(filename: str) -> str:
    """A source file as `package/module.py` (site-packages and the checkout's own folders left out)."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "wcrecall", "bench"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + 1 :] if anchor == "site-packages" else parts[index:])
    return Path(filename).name


OPS = {"wcrecall_tick": wcrecall_tick, "naive_tick": naive_tick, "render": render}


def main() -> None:
    for name, method in measured_socket_methods().items():
        setattr(socket.socket, name, method)
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # nothing but the answers goes to the parent's pipe
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer = OPS[cmd["op"]](cmd)
        except Exception as exc:  # noqa: BLE001  # reported to the parent, which fails the scenario loudly
            import traceback

            answer = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        answer["peak_rss_mb"] = peak_rss_mb()
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
