"""The layout stays readable: no import cycle between the files of ``survey_api/``, the write path publishes
without knowing its listeners, and no room grows past 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "survey_api"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The ``survey_api`` modules a file imports, wherever the import stands (at the top or inside a function),
    except under ``if TYPE_CHECKING:`` (never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checking_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in checking_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != _module_name(path):
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    # a package's __init__ is what ``from survey_api import x`` names when x is no module: keep edges to modules
    return {name: _imports(path, modules) for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycle_between_files_of_survey_api() -> None:
    graph = {name: {m for m in deps if m != "survey_api"} for name, deps in _graph().items() if name != "survey_api"}
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("writer", ["survey_api.ratings", "survey_api.dossiers"])
def test_the_write_path_does_not_know_its_listeners(writer: str) -> None:
    graph = _graph()
    reached = {dep for name, deps in graph.items() if name.startswith(writer) for dep in deps}
    assert not {d for d in reached if d.startswith(("survey_api.reports", "survey_api.complaints"))}


def test_no_file_over_500_lines() -> None:
    files = [
        p
        for folder in ("survey_api", "dashboard", "kiosk")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".js")
    ]
    files = [p for p in files if "vendor" not in p.parts and not p.name.startswith("plotly")]
    long = {
        str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
