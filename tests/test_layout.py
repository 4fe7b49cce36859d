"""The house by stages: the folders show the pipeline, imports point down it, never up,
and no module imports itself round a circle (function-local imports included).

The stages, from the bottom: what every stage may use (errors, files, native logs), then
sources -> pose -> signals -> exercises -> analysis -> reporters -> store -> drivers ->
devtools, and on top the command line. docs/ARCHITECTURE.md says the same in words.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import formcheck

PACKAGE = Path(formcheck.__file__).resolve().parent

#: Each stage and the stages below it, bottom first. A module may import its own stage
#: and any stage below it.
STAGES = ("errors", "fileio", "nativelog", "sources", "pose", "signals", "exercises",
          "analysis", "reporters", "store", "drivers", "devtools", "console", "cli",
          "__main__")
BASE = ("errors", "fileio", "nativelog")  # what every stage may use, in any order
#: Plain modules at the top of the package, besides ``__init__`` and ``__main__``.
MAX_TOP_MODULES = 8


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the formcheck modules it imports (anywhere in it)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                base = node.module
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    targets.add(candidate if candidate in modules else base)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        found[name] = {t for t in targets if t in modules and t != name}
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_module_imports_a_stage_above_its_own() -> None:
    rank = {stage: (0 if stage in BASE else i) for i, stage in enumerate(STAGES)}
    upward = []
    for module, targets in _imports().items():
        if _stage(module) == "__init__":
            continue
        for target in targets:
            if _stage(target) == "__init__":
                continue  # the package's face (its version)
            if rank[_stage(target)] > rank[_stage(module)]:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_there_is_no_import_circle() -> None:
    graph = _imports()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # A package's __init__ re-exporting its own modules is not a circle of code.
    circles = [c for c in circles
               if not any(a == b.rsplit(".", 1)[0] or b == a.rsplit(".", 1)[0]
                          for a, b in itertools.pairwise(c))]
    assert circles == []


def test_the_top_of_the_package_holds_few_plain_modules() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(top) <= MAX_TOP_MODULES, top
    assert set(top) <= set(STAGES), f"a new top-level module needs a place in STAGES: {top}"
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert set(folders) <= set(STAGES), f"a new stage folder needs a place in STAGES: {folders}"


def test_only_one_module_imports_mediapipe_and_one_imports_typer() -> None:
    importers: dict[str, set[str]] = {"mediapipe": set(), "typer": set()}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                root = name.split(".")[0]
                if root in importers:
                    importers[root].add(_module_name(path))
    assert importers == {"mediapipe": {"formcheck.pose.estimator"}, "typer": {"formcheck.cli"}}
