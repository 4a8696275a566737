"""The package's layers: no import cycle anywhere in src/, and the models never reach into the distributed engine."""

import ast
from pathlib import Path

import genzoo

PACKAGE = Path(genzoo.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").is_file() or (PACKAGE.parent / rel / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    """genzoo module -> the genzoo modules its import statements name (``from . import x`` names x if a module)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level else []
                source = ".".join([*base, *([node.module] if node.module else [])])
                submodules = [f"{source}.{alias.name}" for alias in node.names]
                targets = [m for m in submodules if _exists(m)]  # `from . import x`: the module x, not the package
                if len(targets) < len(submodules):  # names defined in the module or package `source` itself
                    targets.append(source)
            else:
                continue
            edges.update(t for t in targets if t.startswith("genzoo") and _exists(t) and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert "genzoo.models.base" in graph and "genzoo.engine.trainer" in graph["genzoo.models.base"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_models_say_what_to_minimise_and_never_drive_the_engine():
    graph = import_graph()
    for name, edges in graph.items():
        if name.startswith("genzoo.models"):
            assert "genzoo.engine.distributed" not in edges, name
    for path in (PACKAGE / "models").glob("*.py"):
        text = path.read_text()
        for forbidden in (".backward(", "optimizer.step(", "zero_grad(", "replicas_", "autocast_"):
            assert forbidden not in text, f"{path.name} calls {forbidden}"
