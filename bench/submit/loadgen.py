"""Closed-loop load generator: N client processes, each sending requests back to back over http.client.

One process per client (not threads) so that the generator's own Python does not serialise on one GIL.
Each client builds all its request bodies before the clock starts: the generator shares the server's CPUs,
and building a 40-result body per request would bill the submission for work the ping does not do.
Prints one JSON line: requests/s over the measured window, latency percentiles (ms), errors.

    python loadgen.py --port 8123 --mode ping|submit --clients 16 --seconds 15 --warmup 3 --plan plan.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import random
import time
import uuid


def check_body(site: str, values: dict, rng: random.Random) -> bytes:
    # Mostly passing, sometimes not: roughly what a real morning looks like.
    results = [{"criterion": key, "value": rng.choices(options, weights=(80, 15, 5))[0], "note": ""}
               for key, options in values.items()]
    return json.dumps({
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "performed_at": dt.datetime.now(dt.UTC).isoformat(),
        "client_id": str(uuid.uuid4()),
        "results": results,
    }).encode()


def client(index: int, args, plan, ready: mp.Queue, times, out: mp.Queue):
    rng = random.Random(index)
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    latencies: list[float] = []
    starts: list[float] = []  # perf_counter at each measured request's start, with --trace
    errors: list[str] = []
    sent = total = 0
    exhausted = False
    if plan:
        manager = plan["clients"][index % len(plan["clients"])]
        # The reference takes each client's sites from the other end: one check per site and day.
        sites = list(reversed(manager["sites"]) if args.mode == "reference" else manager["sites"])
        prefix = "/bench/reference" if args.mode == "reference" else "/api/v1"
        requests = iter([("POST", f"{prefix}/sites/{site}/checks/", check_body(site, plan["values"], rng),
                          {"Content-Type": "application/json", "Authorization": f"Token {manager['token']}",
                           "Idempotency-Key": str(uuid.uuid4())}, 201) for site in sites])
    ready.put(index)
    while not times[0]:  # the start time, set once every client is ready
        time.sleep(0.001)
    start_at, measure_from, stop_at = times[:]
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        now = time.time()
        if now >= stop_at:
            break
        if args.mode == "ping":
            method, path, body, headers, ok = "GET", "/bench/ping/", None, {}, 200
        else:
            planned = next(requests, None)
            if planned is None:  # every site of this client has its check for today: stop, and say so
                exhausted = True
                break
            method, path, body, headers, ok = planned
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except Exception as exc:  # counted, never hidden
            conn.close()
            status, payload = None, repr(exc).encode()
        elapsed = time.perf_counter() - t0
        total += 1
        if now >= measure_from:
            sent += 1
            latencies.append(elapsed)
            if args.trace:
                starts.append(t0)
            if status != ok:
                errors.append(f"{status}: {payload[:200]!r}")
    if args.trace:  # one line per measured request: client, start (s, this machine's monotonic clock), latency (ms)
        with open(f"{args.trace}.{index}", "w") as fh:
            fh.writelines(f"{index} {t:.6f} {1000 * x:.3f}\n" for t, x in zip(starts, latencies, strict=True))
    out.put((sent, latencies, errors, total, exhausted))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["ping", "submit", "reference"], required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--plan")
    parser.add_argument("--trace", help="write each measured request's start and latency to TRACE.<client>")
    args = parser.parse_args()
    plan = json.load(open(args.plan)) if args.mode != "ping" else None
    out: mp.Queue = mp.Queue()
    ready: mp.Queue = mp.Queue()
    times = mp.Array("d", 3)
    procs = [mp.Process(target=client, args=(i, args, plan, ready, times, out)) for i in range(args.clients)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    start_at = time.time() + 0.5
    times[1], times[2] = start_at + args.warmup, start_at + args.warmup + args.seconds
    times[0] = start_at
    parts = [out.get() for _ in procs]
    for p in procs:
        p.join()
    sent = sum(p[0] for p in parts)
    latencies = sorted(x for p in parts for x in p[1])
    errors = [e for p in parts for e in p[2]]

    def pct(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) if latencies else 0.0

    print(json.dumps({"mode": args.mode, "clients": args.clients, "seconds": args.seconds, "requests": sent,
                      "requests_total": sum(p[3] for p in parts),
                      "rps": round(sent / args.seconds, 1), "p50_ms": pct(0.50), "p90_ms": pct(0.90),
                      "p99_ms": pct(0.99), "max_ms": pct(1.0), "errors": len(errors),
                      "error_sample": errors[:3], "clients_out_of_sites": sum(p[4] for p in parts)}))


if __name__ == "__main__":
    main()
