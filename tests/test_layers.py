"""The layout: loagen's modules import one way (no cycle, counting imports inside functions and
under TYPE_CHECKING), and each layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "loagen"

# Top to bottom; a module may import its own layer's lower modules and any layer below.
LAYERS = (
    ("front ends", ("__main__", "cli", "studio")),
    ("operations", ("ops",)),
    ("pipeline", ("pipeline", "project", "manifest")),
    ("output", ("output",)),
    ("rendering", ("rendering",)),
    ("policy", ("policy",)),
    ("document", ("document",)),
    ("case", ("case",)),
    ("bottom", ("reference", "reading", "recent", "errors", "stops", "compile_cache", "__init__")),
)


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every loagen module `name` imports, wherever the import statement is."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                stem = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").startswith("loagen"):
                stem = node.module.removeprefix("loagen").lstrip(".")
            else:
                continue
            for alias in node.names:
                full = f"{stem}.{alias.name}" if stem else alias.name
                target = full if full in known else stem
                if target in known and target != name:
                    out.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("loagen."):
                    target = alias.name.removeprefix("loagen.")
                    if target in known and target != name:
                        out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def _layer(module: str) -> int:
    top = module.split(".")[0]
    for rank, (_, members) in enumerate(LAYERS):
        if top in members:
            return rank
    raise AssertionError(f"module {module} is in no layer: add it to LAYERS")


def test_layers_import_only_downwards() -> None:
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            if _layer(target) < _layer(module):
                wrong.append(f"{module} imports {target}, a layer above it")
    assert not wrong, "\n".join(sorted(wrong))


def test_operations_do_not_import_each_other() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.startswith("ops.")
        for target in targets
        if target.startswith("ops.")
    ]
    assert not wrong, "operations sit side by side: " + "; ".join(wrong)


def test_only_rendering_touches_docx() -> None:
    wrong = []
    for module, path in modules().items():
        if module.startswith("rendering"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for n in names:
                if n.split(".")[0] in ("docx", "docxtpl", "python_redlines"):
                    wrong.append(f"{module} imports {n}")
    assert not wrong, "; ".join(wrong)
