"""Reading infra/: the Dockerfile's instructions, .dockerignore's patterns, compose's variables, and what the project
itself offers (the environment variables it reads, its management commands, its URLs), so that the tests can say
that every command, file, URL and variable named in infra/ exists in the project."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"


@dataclass
class Instruction:
    stage: int
    name: str
    args: str


def dockerfile(path: Path = INFRA / "Dockerfile") -> list[Instruction]:
    """Instructions in order, continuation lines joined, comments dropped; ``stage`` counts FROMs from 0."""
    out, stage, pending = [], -1, ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        name, _, args = line.partition(" ")
        name = name.upper()
        if name == "FROM":
            stage += 1
        out.append(Instruction(stage, name, args.strip()))
    return out


def env_of(instructions: list[Instruction], stage: int) -> dict[str, str]:
    """The ENV of a stage (``KEY=value`` pairs; $PATH-style references expanded from what came before)."""
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.stage == stage and ins.name == "ENV":
            for pair in shlex.split(ins.args):
                key, _, value = pair.partition("=")
                env[key] = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), os.environ.get(m.group(1), "")), value)
    return env


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: a pattern matches the path or one of its parent folders (``**`` any depth; ``!`` re-includes)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = fnmatch.translate(pattern).replace(".*.*/", "(.*/)?")
        if any(re.match(regex, c) or (pattern.startswith("**/") and fnmatch.fnmatch(c.split("/")[-1],
                                                                                     pattern[3:]))
               for c in candidates):
            verdict = not negate
    return verdict


def interpolate(value, env: dict[str, str]):
    """Compose's variable substitution: ${X}, ${X:-default}, ${X:?error}, and $$ for a literal $."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        given = env.get(name, "")
        if op == ":?" and not given:
            raise KeyError(f"{name}: {arg}")
        return given or (arg if op == ":-" else "")

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, value.replace("$$", "\0")).replace("\0", "$")


_READS = [
    re.compile(r'env\.(?:str|int|bool|list|float|db_url|cache_url)\(\s*"([A-Z][A-Z0-9_]*)"'),
    re.compile(r'os\.environ(?:\.get|\.setdefault)?\(\s*"([A-Z][A-Z0-9_]*)"'),
    re.compile(r'os\.environ\[\s*"([A-Z][A-Z0-9_]*)"\s*\]'),
    re.compile(r'"([A-Z][A-Z0-9_]*)" in os\.environ'),
    re.compile(r'os\.environ\.get\(\s*\'([A-Z][A-Z0-9_]*)\''),
]
# Read by the tools themselves, not by a line of ours: Python's, and the processes' standard ones.
STANDARD = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_CACHE_DIR",
            "HOSTNAME"}


def variables_read() -> set[str]:
    """Every environment variable a line of the project reads (its settings, gunicorn's config, its modules)."""
    found = set(STANDARD)
    folders = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in (".venv", "tests", "bench", ".git", "var")]
    for folder in folders:
        for path in folder.rglob("*.py"):
            text = path.read_text(errors="replace")
            for pattern in _READS:
                found.update(pattern.findall(text))
    return found


def module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def project_commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


def celery_commands() -> set[str]:
    from celery.bin.celery import celery

    return set(celery.commands)


def check_command(argv: list[str]) -> list[str]:
    """What in a container's command does not exist in the project (empty: everything does)."""
    problems = []
    if not argv:
        return ["no command"]
    head, rest = argv[0], argv[1:]
    if head == "gunicorn":
        app = rest[0]
        if not module_exists(app.split(":")[0]):
            problems.append(f"gunicorn app {app} is not a module of the project")
        if "--config" in rest and not (ROOT / rest[rest.index("--config") + 1]).is_file():
            problems.append(f"gunicorn config {rest[rest.index('--config') + 1]} is missing")
    elif head == "celery":
        if rest[:1] != ["-A"] or not module_exists(rest[1]):
            problems.append(f"celery -A {rest[1:2]} is not the project's Celery app")
        elif rest[2] not in celery_commands():
            problems.append(f"celery has no command {rest[2]!r}")
    elif head == "python" and rest[:1] == ["manage.py"]:
        if rest[1] not in project_commands():
            problems.append(f"manage.py has no command {rest[1]!r}")
    elif head == "python" and rest and rest[0].endswith(".py"):
        if not (ROOT / rest[0]).is_file():
            problems.append(f"{rest[0]} is missing")
    else:
        problems.append(f"unknown command {head!r}")
    return problems
