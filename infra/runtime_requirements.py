"""The pins of requirements.lock that the image needs: the closure of pyproject.toml's [project].dependencies (with
their extras and markers, for this interpreter), read from the metadata of an environment where the whole lock is
installed. requirements.lock pins the dev tools too (pytest, moto, Playwright, locust...): the image leaves them out.

    python infra/runtime_requirements.py requirements.lock pyproject.toml > runtime.txt

Written by hand because pip has no "install these extras of the lock only" and the lock is one flat file (make lock)
that the suite and the image must share, so that both run the same versions.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata

from packaging.requirements import Requirement


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(roots: list[str]) -> set[str]:
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = (normalized(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(key[0])
        for spec in metadata.distribution(req.name).requires or []:
            dep = Requirement(spec)
            if dep.marker is None:
                todo.append(dep)
                continue
            # A dependency of an extra asked for (celery[redis]), or of no extra whose marker holds here.
            wanted = [""] + sorted(req.extras)
            if any(dep.marker.evaluate({"extra": extra}) for extra in wanted):
                dep.marker = None
                todo.append(dep)
    return names


def runtime_pins(lock_text: str, roots: list[str]) -> list[str]:
    needed = closure(roots)
    pins = []
    for line in lock_text.splitlines():
        name = line.split("==", 1)[0].strip()
        if name and not name.startswith("#") and normalized(name) in needed:
            pins.append(line.strip())
    missing = needed - {normalized(p.split("==", 1)[0]) for p in pins}
    if missing:
        raise SystemExit(f"requirements.lock pins none of {sorted(missing)}: run make lock")
    return pins


def main(lock_path: str, pyproject_path: str) -> None:
    with open(pyproject_path, "rb") as fh:
        roots = tomllib.load(fh)["project"]["dependencies"]
    with open(lock_path) as fh:
        print("\n".join(runtime_pins(fh.read(), roots)))


if __name__ == "__main__":
    main(*sys.argv[1:3])
