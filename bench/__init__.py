"""`make bench`: what one wcrecall tick costs the store and the host, next to a naive poller doing the same job.

The sandbox store (wcrecall.sandbox) runs in the bench's own process with injected latency; every tick, wcrecall's
and the naive poller's alike, runs in a fresh child process (bench.child), so the child's CPU time and peak RSS
(read with `os.wait4`) are that side's alone and not the 100,000-order sandbox's. Requests, bytes and TCP
connections are counted by the sandbox and cross-checked against each client's own count.

Local overhead, the same for both sides: the tick's wall time less its store wait and its mail hand-off. Store wait
is the time the tick's thread spends blocked in the store's socket (connect, send, recv: from the request leaving to
the last byte of its body), measured on `socket.socket` below every HTTP library, so it does not matter where a side
reads the body (inside `requests.Session.send`, as a plain `requests.get` does, or after it, as a streamed read
does). Everything else, including the client's own work in `requests`, `urllib3` and `http.client`, is local
overhead. Both sides' busy ticks run at the same injected latency.

    python -m bench                 # full scale, writes bench-results.json
    python -m bench --scale tiny    # seconds; what tests/test_bench_smoke.py runs
"""
