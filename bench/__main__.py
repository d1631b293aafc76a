"""`python -m bench`: run the scenarios, print the table, write bench-results.json; exit 1 if a target fails."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scenarios import FIGURES, MODEL_LATENCY, ROOT, SCALES, SCENARIOS, Result


def _bytes(value: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} B"


def fmt(key: str, side: dict[str, Any]) -> str:
    value = side.get(key)
    if value is None:
        return "-"
    if key in ("requests", "connections", "emails_sent"):
        return f"{value:,}"
    if key in ("bytes_received", "state_bytes"):
        return _bytes(value)
    if key == "wall_s":
        return f"{value:.1f} s" + (" (modelled)" if side.get("wall_modelled") else "")
    if key in ("cpu_s", "local_overhead_s"):
        return f"{value:.2f} s"
    if key == "peak_rss_mb":
        return f"{value:.1f} MB"
    if key in ("write_ms", "write_ms_per_step"):
        return f"{value:.2f} ms"
    if key == "emails_per_s":
        return f"{value:,.0f}/s"
    return str(value)


def table(results: list[Result]) -> str:
    head = ("scenario", "figure", "wcrecall", "naive", "target", "result")
    rows: list[tuple[str, ...]] = []
    for result in results:
        targets = {t["figure"]: t for t in result.targets}
        first = True
        for key, label in FIGURES:
            wc, naive = result.sides["wcrecall"], result.sides["naive"]
            if wc.get(key) is None and naive.get(key) is None:
                continue
            target = targets.get(key)
            rows.append((
                result.name if first else "", label, fmt(key, wc), fmt(key, naive),
                target["target"] if target else "", ("PASS" if target["pass"] else "FAIL") if target else "",
            ))  # fmt: skip
            first = False
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), line]
    previous = ""
    for row in rows:
        if row[0] and previous:
            out.append(line)
        previous = row[0] or previous
        out.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) if i < 4 else c.ljust(w)
                             for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip())  # fmt: skip
    return "\n".join(out)


def checks(results: list[Result]) -> list[str]:
    """The bench's own accounting: each client's count equals the sandbox's; the naive poller connects per request."""
    problems = []
    for result in results:
        for name, side in result.sides.items():
            if "client_requests" not in side:
                continue
            if side["client_requests"] != side["requests"]:
                problems.append(
                    f"{result.name}/{name}: client counted {side['client_requests']} requests, store {side['requests']}"
                )
            if side["client_bytes"] != side["bytes_received"]:
                problems.append(
                    f"{result.name}/{name}: client counted {side['client_bytes']} bytes, store {side['bytes_received']}"
                )
            if name == "naive" and side["connections"] != side["requests"]:
                problems.append(
                    f"{result.name}/naive: {side['connections']} connections for {side['requests']} requests"
                )
            if side.get("problems") and name == "wcrecall":
                problems.append(f"{result.name}/{name}: the tick reported problems, e.g. {side['problems'][0]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full", help="full (the issue's sizes) or tiny")
    parser.add_argument(
        "--only", action="append", choices=sorted(SCENARIOS), help="run only this scenario (repeatable)"
    )
    parser.add_argument("--json", default=str(ROOT / "bench-results.json"), help="where to write the results")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]

    def log(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    results: list[Result] = []
    for name, scenario in SCENARIOS.items():
        if args.only and name not in args.only:
            continue
        log(f"{name}:")
        results += scenario(scale, log)
    elapsed = time.perf_counter() - started
    problems = checks(results)
    passed = all(t["pass"] for r in results for t in r.targets)
    report = {
        "scale": scale.name,
        "latency_s": scale.latency,
        "modelled_latency_s": MODEL_LATENCY,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runtime_s": elapsed,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "passed": passed and not problems,
        "accounting_problems": problems,
        "figures": dict(FIGURES),
        "scenarios": {r.name: r.to_json() for r in results},
    }
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print()
    for result in results:
        print(f"{result.name}: {result.title}")
        for note in result.notes:
            print(f"  note: {note}")
        naive_problems = result.sides.get("naive", {}).get("problems") or []
        if naive_problems:
            first = naive_problems[0].split("?")[0]  # never the signed query string
            print(f"  note: the naive poller reported {len(naive_problems)} problem(s), e.g. {first}")
    for result in results:
        rows = result.extra.get("profile")
        if rows:
            print(
                f"{result.name}: wcrecall's tick under cProfile at 0 ms, top {len(rows)} by own time (socket waits left out):"
            )
            print(f"  {'calls':>8}  {'own s':>7}  {'cum s':>7}  function")
            for calls, own, cumulative, where in rows:
                print(f"  {calls:>8,}  {own:>7.3f}  {cumulative:>7.3f}  {where}")
    print(f"wall times marked (modelled) = measured wall at 0 ms + requests x {MODEL_LATENCY * 1000:.0f} ms")
    for problem in problems:
        print(f"ACCOUNTING: {problem}")
    print(f"{sum(t['pass'] for r in results for t in r.targets)}/{sum(len(r.targets) for r in results)} targets PASS; "
          f"runtime {elapsed:.0f} s; results in {args.json}")  # fmt: skip
    return 0 if passed and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
