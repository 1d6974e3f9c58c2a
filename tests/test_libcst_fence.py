"""The libcst fence: only perf_lint/_compat.py touches libcst's private API
(a libcst release that changes it then makes perf-lint slower, never wrong:
``_compat.check`` sees the change and the public-API fallbacks run)."""

from __future__ import annotations

import ast
from typing import List, Set

import libcst as cst
import libcst.metadata as metadata

from tests.conftest import ROOT

PACKAGE = ROOT / "perf_lint"


def _libcst_private_names() -> Set[str]:
    """Underscored (not dunder) names of the libcst classes perf-lint works
    with, and ``_computed``, the store of a metadata provider's ranges."""
    classes = [
        cst.CSTNode,
        cst.Module,
        cst.Name,
        cst.Call,
        cst.CSTVisitor,
        cst.CSTTransformer,
        metadata.MetadataWrapper,
        metadata.PositionProvider,
        metadata.BaseMetadataProvider,
        metadata.ScopeProvider,
    ]
    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState
    except ImportError:
        pass
    else:
        classes.append(PositionProvidingCodegenState)
    found = {
        name
        for cls in classes
        for name in dir(cls)
        if name.startswith("_") and not name.startswith("__")
    }
    return found | {"_computed", "_update_position"}


def _own_names(trees: List[ast.AST]) -> Set[str]:
    """Names perf-lint defines itself (methods, attributes it assigns)."""
    own: Set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
    return own


def _private_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "libcst" and (
        any(part.startswith("_") for part in parts) or name == "libcst.metadata.position_provider"
    )


def test_only_the_compat_module_reaches_into_libcst() -> None:
    paths = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "_compat.py")
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    private = _libcst_private_names() - _own_names(list(trees.values()))
    assert {"_codegen", "_computed", "_update_position"} <= private
    breaches = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in private:
                breaches.append(f"{where}:{node.lineno}: .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and _private_module(node.module or ""):
                breaches.append(f"{where}:{node.lineno}: from {node.module}")
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if _private_module(alias.name)]
                breaches.extend(f"{where}:{node.lineno}: import {name}" for name in names)
    assert breaches == []


def test_a_check_does_not_import_libcst_matchers() -> None:
    """``libcst.matchers`` would make the rules' shapes declarative, but
    importing it costs more than importing the rest of libcst (230-450 ms
    against about 130 ms on CPython 3.11, with bytecode: ``python -X
    importtime -c "import libcst.matchers"``), a cost every editor save and
    stdin run would pay. The rules match with ``isinstance`` instead."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from perf_lint.config import Config\n"
        "from perf_lint.engine import Engine, FixMode\n"
        "Engine(Config()).check_text('for x in y:\\n    z.pop(0)\\n', 'x.py', fix=FixMode.UNSAFE)\n"
        "assert 'libcst.matchers' not in sys.modules, 'libcst.matchers imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
