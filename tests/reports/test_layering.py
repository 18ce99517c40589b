"""Imports in reports/ run one way (views -> services -> dispatch; tasks -> runner -> dispatch), with no
import tucked inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import reports

ROOT = Path(reports.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """(modules of reports/ imported at the top, imports found inside functions)."""
    tree = ast.parse(path.read_text())
    package = _module(path) if path.name == "__init__.py" else _module(path).rsplit(".", 1)[0]
    top, nested = set(), []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = ".".join(base[:len(base) - node.level + 1])
            names = [f"{base}.{node.module}" if node.module else base]
            if not node.module:
                names = [f"{base}.{a.name}" for a in node.names]
            else:
                names += [f"{base}.{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            names = [a.name for a in node.names]
        if node.col_offset:
            nested.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
        top |= {n for n in names if n.split(".")[0] == "reports"}
    return top, nested


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = {_module(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts}
    graph, nested = {}, []
    for name, path in modules.items():
        found, inner = _imports(path)
        graph[name] = {m for m in found if m in modules and m != name}
        nested += inner
    return graph, nested


def test_no_module_of_reports_imports_inside_a_function():
    assert _graph()[1] == []


def test_the_imports_of_reports_form_no_cycle():
    graph, _ = _graph()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != "open", " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_layers_run_one_way():
    graph, _ = _graph()
    assert "reports.tasks" not in graph["reports.services"] | graph["reports.runner"] | graph["reports.dispatch"]
    assert "reports.services" not in graph["reports.runner"] | graph["reports.dispatch"]
    assert "reports.dispatch" in graph["reports.services"] and "reports.dispatch" in graph["reports.runner"]
