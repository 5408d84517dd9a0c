"""The import graph of ``examserver`` and ``question_bank`` has no circles and
points one way only (docs/architecture.md, "Layers").

The graph is read with ``ast`` from the source, function-level imports
included: an import deferred to call time is still a dependency, and a circle
hidden that way is still a responsibility in the wrong module.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("examserver", "question_bank")
PROJECT = ("examserver", "question_bank", "kiosk", "admin", "bench", "tests")
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "translations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in the file (resolved to known modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            candidates = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        else:
            continue
        for candidate in candidates:
            if candidate.split(".")[0] not in PROJECT:
                continue
            # the longest known module that the dotted name starts with
            parts = candidate.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts:
                resolved = ".".join(parts)
                if resolved != name:
                    targets.add(resolved)
            else:
                targets.add(candidate)  # kiosk/admin/etc: kept for the layer check
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _is_ancestor(parent: str, child: str) -> bool:
    return child.startswith(parent + ".")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan).

    A package's ``__init__`` importing its own submodules (and they it) is how
    Python packages are built, so edges between a package and its descendants
    are left out.
    """
    edges = {m: {t for t in ts if t in graph and not _is_ancestor(m, t) and not _is_ancestor(t, m)}
             for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    cycles = _cycles(_graph())
    assert not cycles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_layers_point_down():
    wrong = []
    for module, targets in _graph().items():
        for target in targets:
            top = target.split(".")[0]
            if module.startswith("examserver") and top in ("kiosk", "admin", "bench", "tests"):
                wrong.append(f"{module} imports {target}")
            if module.startswith("question_bank") and top != "question_bank":
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_service_imports_the_cli():
    """Only the command collector imports the feature CLIs; no service imports a CLI."""
    collectors = {"examserver", "examserver.__main__", "examserver.cli"}
    wrong = [f"{m} imports {t}" for m, ts in _graph().items() for t in ts
             if (t == "examserver.cli" or t.endswith(".cli")) and m not in collectors]
    assert not wrong, "\n".join(sorted(wrong))


def test_modules_stay_small_or_say_why():
    """A module over ~300 lines says in its docstring why it is one piece."""
    long = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "one piece" not in doc.lower():
            long.append(f"{name}: {text.count(chr(10))} lines")
    assert not long, "modules over %d lines without a reason ('one piece: ...') in their docstring:\n%s" % (
        MAX_LINES, "\n".join(long))
