"""The house rules of the package, checked on its source (docs/architecture.md draws them).

- No import cycle between opsguard's modules.
- A guard package (integrity, privacy, retention, fault) imports only `core`;
  `core` imports nothing of opsguard outside itself; `report` imports only
  `core` and `catalog`; `deliver` imports `report`, `catalog` and `core`
  (and everyone may import the leaves `_version` and `retry`).
- A check's name is spelled only in its own package, the catalog and its
  command module: everything else iterates the catalog.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsguard.catalog import CHECKS, GUARDS

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "opsguard"
GUARD_PACKAGES = ("integrity", "privacy", "retention", "fault")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _module_level_imports(path: Path) -> Iterator[str]:
    """opsguard modules imported when `path` is imported (not in functions or TYPE_CHECKING)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node) if isinstance(node, ast.Try | ast.If) else [node]:
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                if target.startswith("opsguard"):
                    for alias in child.names:
                        full = f"{target}.{alias.name}"
                        yield full if full in _modules() else target
            elif isinstance(child, ast.Import):
                yield from (a.name for a in child.names if a.name.startswith("opsguard"))


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for target in _module_level_imports(path):
            # Importing a.b.c imports the packages a and a.b first.
            parts = target.split(".")
            edges.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
        graph[name] = {t for t in edges if t in modules and t != name}
    return graph


def test_there_is_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                # Importing a package's own submodule from its __init__ is not a cycle.
                if not nxt.startswith(node + ".") and not node.startswith(nxt + "."):
                    cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "opsguard"


# `_version` and `retry` are leaves that import nothing of opsguard: anyone may use them.
LEAVES = {"_version", "retry"}
ALLOWED = {
    **{guard: {"core", *LEAVES} for guard in GUARD_PACKAGES},
    "core": {*LEAVES},
    "report": {"core", "catalog", *LEAVES},
    "deliver": {"core", "catalog", "report", *LEAVES},
    **{leaf: set() for leaf in LEAVES},
}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_lies_below_it(layer: str) -> None:
    offenders = {
        name: sorted(bad)
        for name, edges in _graph().items()
        if _layer(name) == layer
        if (bad := {t for t in edges if _layer(t) not in {layer, *ALLOWED[layer]}})
    }
    assert offenders == {}


def _string_constants(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            yield from [node.value] if isinstance(node.value, str) else []


def test_a_check_is_named_only_in_its_package_the_catalog_and_its_command() -> None:
    owner = {check.name: guard for guard in GUARDS.values() for check in guard.checks} | {
        guard.name: guard for guard in GUARDS.values()
    }
    offenders: dict[str, list[str]] = {}
    for name, path in _modules().items():
        for text in set(_string_constants(path)):
            guard = owner.get(text)
            if guard is None:
                continue
            package = guard.settings.name if guard.settings else guard.name
            allowed = {
                "opsguard.catalog",
                f"opsguard.cli.{guard.command}",
            }
            if name in allowed or name.startswith(f"opsguard.{package}"):
                continue
            offenders.setdefault(name, []).append(text)
    assert offenders == {}
    assert set(CHECKS) <= set(owner)


def test_every_lazy_reference_in_the_catalog_resolves_to_what_it_names() -> None:
    from opsguard.core.summary import Summary

    def function(ref: str) -> Any:
        module, _, name = ref.partition(":")
        found = getattr(importlib.import_module(module), name)
        assert callable(found), ref
        return found

    for spec in CHECKS.values():
        assert issubclass(spec.summary, Summary), spec.name
        # The key figure and the metrics read this check's summary type.
        for ref in (spec.figure_ref, spec.metrics_ref):
            if ref is not None:
                (parameter,) = inspect.signature(function(ref)).parameters.values()
                assert parameter.annotation == spec.summary.__name__, (spec.name, ref)
        (config, options) = inspect.signature(function(spec.runner)).parameters
        assert (config, options) == ("config", "options"), spec.name


def test_listing_checks_loads_no_engine_summary_or_metrics() -> None:
    # `opsguard gate` and `--version` pay only for the settings, never for a check's code.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, opsguard.cli.gate; print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = {
        f"opsguard.{guard}.{part}"
        for guard in GUARD_PACKAGES
        for part in ("check", "summary", "metrics")
    }
    assert heavy & set(loaded) == set()
    assert "opsguard.deliver.autorun" not in loaded
