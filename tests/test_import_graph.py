"""The daemon's import graph, read from the source files: no module imports
itself back, whether the import runs at start-up, inside a function, or only
for the type checker; nor does any part of the daemon (a subpackage such as
`app_server.agent`, or a top-level module such as `app_server.app`) import
back a part that imports it. The agent reaches the daemon through its port
(`agent/host.py`) only, and its tools never import the turn loop."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Container, Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "app_server"

Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: Container[str]
) -> Iterable[str]:
    """The modules an import statement names (``from X import y``: ``X.y``
    when that is a module, else ``X``)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        parts = module.split(".")
        base = parts if is_package else parts[:-1]
        base = base[: len(base) - node.level + 1]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    for alias in node.names:
        submodule = f"{target}.{alias.name}"
        yield submodule if submodule in modules else target


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph(*, runtime_only: bool = False) -> Graph:
    """Each module of `app_server` and the modules of `app_server` it imports
    (``runtime_only``: leaving out the ``if TYPE_CHECKING:`` blocks)."""
    paths = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph: Graph = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped: set[int] = set()
        if runtime_only:
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and _is_type_checking(node.test):
                    skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
                is_package = path.name == "__init__.py"
                targets.update(
                    name
                    for name in _imported(module, is_package, node, paths)
                    # (a module's own packages are imported before it anyway)
                    if name in paths and not module.startswith(f"{name}.") and name != module
                )
        graph[module] = targets
    return graph


def part_of(module: str) -> str:
    """The part of the daemon ``module`` belongs to: ``app_server.agent``
    for ``app_server.agent.tools.shell``, ``app_server.app`` for itself."""
    return ".".join(module.split(".")[:2])


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of ``graph`` (its first node repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found is not None:
                return found
    return None


def reachable(graph: Graph, start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return seen


def _edges_between(graph: Graph, cycle: list[str]) -> list[str]:
    """For a cycle of parts: one module import behind each of its steps."""
    lines = []
    for source, target in itertools.pairwise(cycle):
        example = next(
            f"{module} -> {imported}"
            for module, imports in sorted(graph.items())
            if part_of(module) == source
            for imported in sorted(imports)
            if part_of(imported) == target
        )
        lines.append(f"  {source} -> {target}  (e.g. {example})")
    return lines


def test_no_module_imports_itself_back() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_part_of_the_daemon_imports_itself_back() -> None:
    graph = import_graph()
    parts: Graph = {}
    for module, imports in graph.items():
        source = part_of(module)
        targets = parts.setdefault(source, set())
        targets.update(part_of(imported) for imported in imports if part_of(imported) != source)
    cycle = find_cycle(parts)
    assert cycle is None, "\n".join(
        ["import cycle among the parts of the daemon:", *_edges_between(graph, cycle or [])]
    )


@pytest.mark.parametrize(
    "forbidden",
    [
        "app_server.app",
        "app_server.conversations",
        "app_server.handlers",
        "app_server.outgoing",
        "app_server.processor",
    ],
)
def test_the_agent_reaches_the_daemon_through_its_port_only(forbidden: str) -> None:
    graph = import_graph()
    agent = [module for module in graph if part_of(module) == "app_server.agent"]
    offenders = sorted(
        module
        for module in agent
        if any(part_of(other) == forbidden for other in reachable(graph, module))
    )
    assert not offenders, f"{offenders} import {forbidden}"


def test_the_tools_never_import_the_turn_loop() -> None:
    graph = import_graph()
    tools = [module for module in graph if module.startswith("app_server.agent.tools")]
    offenders = sorted(
        module for module in tools if "app_server.agent.turn" in reachable(graph, module)
    )
    assert not offenders, f"{offenders} import app_server.agent.turn"


def test_the_port_is_a_leaf() -> None:
    """At run time `agent/host.py` imports nothing of the daemon (the
    protocol package, and the daemon's types for the checker only)."""
    assert import_graph(runtime_only=True)["app_server.agent.host"] == set()


def test_the_checks_see_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    graph = import_graph()
    assert "app_server.agent.host" in graph["app_server.agent.scope"]
    # A relative import in a function, resolved (agent/tools/shell.py imports
    # its flows at the first call).
    assert "app_server.agent.tools.exec_flow" in graph["app_server.agent.tools.shell"]
