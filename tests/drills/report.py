"""``python -m tests.drills.report <records folder> <output.md>``: the drills' records (tests/drills/conftest.py,
``drill_record``) as the table of docs/drills.md's latest run, written between its markers. ``make drills`` calls
it after the drills have run."""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
from pathlib import Path

BEGIN, END = "<!-- drills:begin -->", "<!-- drills:end -->"
COLUMNS = ("tried", "acknowledged", "stored", "lost", "doubled")


def table(rows: list[dict], *, outcome: str) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    sizes = sorted({r["size"] for r in rows}) or ["-"]
    lines = [f"Run: `make drills` ({', '.join(sizes)} size), {when}, Python {platform.python_version()}, "
             f"load average {load} at the end. Pytest: {outcome}.", "",
             "| drill | fault | " + " | ".join(COLUMNS) + " | what happened |",
             "| --- | --- | " + " | ".join("---:" for _ in COLUMNS) + " | --- |"]
    for r in sorted(rows, key=lambda r: r["drill"]):
        lines.append(f"| {r['drill']} | {r['fault']} | " + " | ".join(str(r[c]) for c in COLUMNS)
                     + f" | {r.get('note', '')} |")
    total = {c: sum(int(r[c]) for r in rows) for c in COLUMNS}
    lines.append("| **all** | | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " | |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folder, output = Path(argv[0]), Path(argv[1])
    outcome = argv[2] if len(argv) > 2 else "see the run's output"
    rows = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    if not rows:  # the run stopped before any drill: keep the last report rather than write an empty one
        print(f"no drill records in {folder}; {output} left as it was", file=sys.stderr)
        return 1
    text = output.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{output} has no {BEGIN} ... {END} section to write the run into")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    output.write_text(f"{head}{BEGIN}\n{table(rows, outcome=outcome)}\n{END}{tail}")
    print(table(rows, outcome=outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
