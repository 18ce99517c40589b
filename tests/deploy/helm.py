"""Renders the Helm chart of infra/helm/touchpoint without helm (not packaged by Debian, and nothing else may be
downloaded here): the part of Go's template language the chart uses, and nothing more. Anything else - an
unknown function, a missing value, an unclosed block - is an error, so a template that strays outside this subset,
or names a value values.yaml does not have, fails the tests instead of rendering wrong.

Supported: text, {{/* comments */}}, trimming ({{- and -}}), define/include, if/else/end, range over a list or a
map (``range $v := x``, ``range $k, $v := x``, keys sorted as Go does), pipelines, parentheses, ``.`` and ``$``, and
the functions include, toYaml, nindent, indent, quote, default, list, printf (%s), not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_ACTION = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+)|(?P<lp>\()|(?P<rp>\))|(?P<pipe>\|)'
                    r"|(?P<assign>:=)|(?P<comma>,)|(?P<word>[$.A-Za-z_][$.\w]*))")


class TemplateError(Exception):
    pass


@dataclass
class Node:
    kind: str  # text, action, if, range, define
    value: object = None
    body: list = field(default_factory=list)
    otherwise: list = field(default_factory=list)


def _lex(source: str) -> list[tuple[str, str]]:
    """(text) and (action) pieces, with Go's trimming applied."""
    pieces, pos = [], 0
    for m in _ACTION.finditer(source):
        text = source[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        if pieces and pieces[-1][0] == "trim-next":
            pieces.pop()
            text = text.lstrip()
        pieces.append(("text", text))
        inner = m.group(2).strip()
        if not (inner.startswith("/*") and inner.endswith("*/")):
            pieces.append(("action", inner))
        pos = m.end()
        if m.group(3):
            pieces.append(("trim-next", ""))
    tail = source[pos:]
    if pieces and pieces[-1][0] == "trim-next":
        pieces.pop()
        tail = tail.lstrip()
    pieces.append(("text", tail))
    return [p for p in pieces if p[0] != "trim-next"]


def _parse(pieces: list[tuple[str, str]], defines: dict) -> list[Node]:
    stack: list[tuple[Node | None, list[Node]]] = [(None, [])]
    for kind, value in pieces:
        nodes = stack[-1][1]
        if kind == "text":
            nodes.append(Node("text", value))
            continue
        word = value.split(None, 1)[0] if value else ""
        rest = value[len(word):].strip()
        if word in ("if", "range", "define"):
            node = Node(word, rest)
            nodes.append(node)
            stack.append((node, node.body))
        elif word == "else":
            owner = stack[-1][0]
            if owner is None or owner.kind != "if":
                raise TemplateError("else outside if")
            stack[-1] = (owner, owner.otherwise)
        elif word == "end":
            owner, _ = stack.pop()
            if owner is None:
                raise TemplateError("end without a block")
            if owner.kind == "define":
                defines[json.loads(owner.value)] = owner.body
                stack[-1][1].remove(owner)
        else:
            nodes.append(Node("action", value))
    if len(stack) != 1:
        raise TemplateError(f"unclosed {stack[-1][0].kind}")
    return stack[0][1]


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise TemplateError(f"cannot read {expr[pos:]!r}")
        out.append(next((k, v) for k, v in m.groupdict().items() if v is not None))
        pos = m.end()
    return out


def _truthy(value) -> bool:
    return bool(value) if value is not None else False


def _to_text(value) -> str:
    if value is None:
        raise TemplateError("a value the template names is missing")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Chart:
    def __init__(self, folder: Path, values: dict | None = None, release: str = "touchpoint"):
        self.folder = folder
        chart = yaml.safe_load((folder / "Chart.yaml").read_text())
        defaults = yaml.safe_load((folder / "values.yaml").read_text())
        self.root = {"Values": _merge(defaults, values or {}),
                     "Release": {"Name": release, "Namespace": "default", "Service": "Helm"},
                     "Chart": {"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]}}
        self.defines: dict[str, list[Node]] = {}
        self.templates: dict[str, list[Node]] = {}
        for path in sorted((folder / "templates").iterdir()):
            nodes = _parse(_lex(path.read_text()), self.defines)
            if path.suffix in (".yaml", ".yml"):
                self.templates[path.name] = nodes

    def render(self) -> dict[str, str]:
        return {name: self._run(nodes, self.root, {"$": self.root}) for name, nodes in self.templates.items()}

    def documents(self) -> list[dict]:
        docs = []
        for name, text in self.render().items():
            try:
                docs.extend(d for d in yaml.safe_load_all(text) if d)
            except yaml.YAMLError as exc:
                raise TemplateError(f"{name} does not render to YAML: {exc}\n{text}") from exc
        return docs

    # --- evaluation ---

    def _run(self, nodes: list[Node], dot, variables: dict) -> str:
        out = []
        for node in nodes:
            if node.kind == "text":
                out.append(node.value)
            elif node.kind == "action":
                out.append(_to_text(self._pipeline(node.value, dot, variables)))
            elif node.kind == "if":
                chosen = node.body if _truthy(self._pipeline(node.value, dot, variables)) else node.otherwise
                out.append(self._run(chosen, dot, variables))
            elif node.kind == "range":
                out.append(self._range(node, dot, variables))
        return "".join(out)

    def _range(self, node: Node, dot, variables: dict) -> str:
        names, expr = [], node.value
        if ":=" in node.value:
            left, expr = node.value.split(":=", 1)
            names = [n.strip() for n in left.split(",")]
        seq = self._pipeline(expr, dot, variables)
        if seq is None:
            raise TemplateError(f"range over a missing value: {expr}")
        items = sorted(seq.items()) if isinstance(seq, dict) else list(enumerate(seq))
        out = []
        for key, value in items:
            scope = dict(variables)
            if len(names) == 1:
                scope[names[0]] = value
            elif len(names) == 2:
                scope[names[0]], scope[names[1]] = key, value
            out.append(self._run(node.body, value, scope))
        return "".join(out)

    def _pipeline(self, expr: str, dot, variables: dict):
        tokens = _tokens(expr)
        value, pos = self._command(tokens, 0, dot, variables, piped=_NOTHING)
        while pos < len(tokens):
            if tokens[pos][0] != "pipe":
                raise TemplateError(f"unexpected {tokens[pos][1]!r} in {expr!r}")
            value, pos = self._command(tokens, pos + 1, dot, variables, piped=value)
        return value

    def _command(self, tokens, pos, dot, variables, *, piped):
        """A function with its arguments (then the piped value), or a single value; stops at | or )."""
        args, start = [], pos
        while pos < len(tokens) and tokens[pos][0] not in ("pipe", "rp"):
            kind, text = tokens[pos]
            if kind == "lp":
                depth, end = 1, pos + 1
                while depth:
                    depth += {"lp": 1, "rp": -1}.get(tokens[end][0], 0)
                    end += 1
                inner = tokens[pos + 1:end - 1]
                value, _ = self._command(inner, 0, dot, variables, piped=_NOTHING)
                args.append(("value", value))
                pos = end
                continue
            args.append((kind, text))
            pos += 1
        if not args:
            raise TemplateError(f"empty command at token {start}")
        head_kind, head = args[0]
        if head_kind == "word" and head in _FUNCTIONS:
            values = [self._value(a, dot, variables) for a in args[1:]]
            if piped is not _NOTHING:
                values.append(piped)
            return _FUNCTIONS[head](self, *values), pos
        if len(args) != 1 or piped is not _NOTHING:
            raise TemplateError(f"unknown function {head!r}")
        return self._value(args[0], dot, variables), pos

    def _value(self, arg, dot, variables):
        kind, text = arg
        if kind == "value":
            return text
        if kind == "str":
            return json.loads(text)
        if kind == "num":
            return int(text)
        if text in ("true", "false"):
            return text == "true"
        if text == ".":
            return dot
        if text.startswith("$"):
            name, _, path = text.partition(".")
            if name not in variables:
                raise TemplateError(f"undefined variable {name}")
            return _walk(variables[name], path)
        if text.startswith("."):
            return _walk(dot, text[1:])
        raise TemplateError(f"unknown function or value {text!r}")

    def include(self, name: str, dot) -> str:
        if name not in self.defines:
            raise TemplateError(f"no template defined as {name!r}")
        return self._run(self.defines[name], dot, {"$": self.root})


_NOTHING = object()


def _walk(value, path: str):
    for part in filter(None, path.split(".")):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def _indent(n: int, text: str) -> str:
    return "\n".join((" " * n + line) if line else line for line in _to_text(text).split("\n"))


def _printf(fmt: str, *args) -> str:
    if fmt.count("%s") != len(args) or "%" in fmt.replace("%s", ""):
        raise TemplateError(f"printf supports %s only: {fmt!r}")
    return fmt % tuple(_to_text(a) for a in args)


_FUNCTIONS = {
    "include": lambda chart, name, dot: chart.include(name, dot),
    "toYaml": lambda chart, value: yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n"),
    "nindent": lambda chart, n, text: "\n" + _indent(n, text),
    "indent": lambda chart, n, text: _indent(n, text),
    "quote": lambda chart, value: json.dumps(_to_text(value)),
    "default": lambda chart, fallback, value=None: value if _truthy(value) else fallback,
    "list": lambda chart, *items: list(items),
    "printf": lambda chart, fmt, *args: _printf(fmt, *args),
    "not": lambda chart, value: not _truthy(value),
}
