"""Do slow submissions come alone or together?   python trace_bursts.py <TRACE path given to run.sh> [ms]

Reads the files that ``run.sh`` writes with ``TRACE=<path>`` (one per client: client, start, latency) and
prints the percentiles, the p99 of each second, and the bursts: requests at or over ``ms`` (default 60)
whose starts lie within 0.3 s of each other, with how many clients they came from.
"""

from __future__ import annotations

import glob
import sys
from collections import defaultdict


def main(path: str, slow_ms: float = 60.0) -> None:
    rows = sorted((float(t), float(ms), int(c)) for f in glob.glob(f"{glob.escape(path)}.[0-9]*")
                  for c, t, ms in (line.split() for line in open(f)))
    if not rows:
        sys.exit(f"no trace files {path}.<client>")
    t0 = rows[0][0]
    latencies = sorted(ms for _, ms, _ in rows)

    def pct(values, q):
        return values[min(len(values) - 1, int(q * len(values)))]

    print(f"{len(rows)} requests: p50 {pct(latencies, .5):.1f} ms, p99 {pct(latencies, .99):.1f} ms, "
          f"max {latencies[-1]:.1f} ms")
    seconds = defaultdict(list)
    for t, ms, _ in rows:
        seconds[int(t - t0)].append(ms)
    print("second  requests  p50  p99")
    for s in sorted(seconds):
        v = sorted(seconds[s])
        print(f"{s:6d} {len(v):9d} {pct(v, .5):5.1f} {pct(v, .99):5.1f}")
    bursts: list[list[tuple[float, int]]] = []
    for t, ms, c in rows:
        if ms < slow_ms:
            continue
        if bursts and t - bursts[-1][-1][0] <= 0.3:
            bursts[-1].append((t, c))
        else:
            bursts.append([(t, c)])
    slow = sum(len(b) for b in bursts)
    print(f"{slow} requests at or over {slow_ms:g} ms, in {len(bursts)} bursts:")
    for b in bursts:
        print(f"  at {b[0][0] - t0:5.1f} s: {len(b)} requests from {len({c for _, c in b})} clients")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
