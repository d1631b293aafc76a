"""`make bench`: what one wcrecall tick costs the store and the host, next to a naive poller doing the same job.

The sandbox store (wcrecall.sandbox) runs in the bench's own process with injected latency; every tick, wcrecall's
and the naive poller's alike, runs in a fresh child process (bench.child), so the child's CPU time and peak RSS
(read with `os.wait4`) are that side's alone and not the 100,000-order sandbox's. Requests, bytes and TCP
connections are counted by the sandbox and cross-checked against each client's own count.

    python -m bench                 # full scale, writes bench-results.json
    python -m bench --scale tiny    # seconds; what tests/test_bench_smoke.py runs
"""
