"""Check PRF201's split plans against an independent reading of each
module's references: no group may reference a name that another group
defines unless the plan says so (the name is shared), and no name may be
defined in two groups.

Usage::

    python scripts/check_split_plans.py TREE [TREE ...] [--show N]

For every ``.py`` file under TREE that Python parses, the split plan is
computed as PRF201 computes it (whatever the module's size) and compared
with the references found here, which do not use PRF201's own name reading:

- inside functions, lambdas and comprehensions, CPython's ``symtable``
  decides which names are globals (``Symbol.is_global``), so every scoping
  rule (parameters, ``global``/``nonlocal``, comprehension variables,
  class-body names that methods cannot see) is the compiler's own;
- in a class body (its code outside methods), a name read counts as a
  reference to the module's name unless an earlier statement of that class
  body binds it (``class State: Worker = Worker`` reads the module's
  ``Worker``): a class body looks its names up at run time, in the class
  namespace first, then in the module;
- the module-level code of the statement itself (decorators, defaults,
  annotations, bases, and the statement's own expressions) reads every
  name it loads.

Prints each violation and a summary; exit code 1 when any is found.
Standard library and perf-lint only.
"""

from __future__ import annotations

import argparse
import ast
import symtable
import sys
import warnings
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def _outer_parts(node: ast.AST) -> List[ast.AST]:
    """The parts of a scope-making node that run in the enclosing scope."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        parts: List[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d)]
        if not isinstance(node, ast.Lambda):
            parts += node.decorator_list
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            parts += [a.annotation for a in every if a is not None and a.annotation]
            if node.returns is not None:
                parts.append(node.returns)
        return parts
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return [node.generators[0].iter]
    return []


def _loads_here(nodes: Sequence[ast.AST]) -> Tuple[Set[str], List[ast.AST]]:
    """Names loaded by ``nodes`` outside nested scopes, and the nested
    scope-making nodes met (whose outer parts are read here too)."""
    loads: Set[str] = set()
    scopes: List[ast.AST] = []
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, _SCOPES):
            scopes.append(node)
            pending.extend(_outer_parts(node))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return loads, scopes


def _binds(statement: ast.stmt) -> Set[str]:
    """Names a class-body statement binds in the class namespace."""
    bound: Set[str] = set()
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    pending: List[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return bound


def _class_body_reads(node: ast.ClassDef) -> Tuple[Set[str], List[ast.AST]]:
    """Names a class body (outside its methods) may read from the module,
    and the scopes nested in it."""
    reads: Set[str] = set()
    scopes: List[ast.AST] = []
    bound: Set[str] = set()
    for statement in node.body:
        loads, inner = _loads_here([statement])
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            loads, inner = _loads_here(_outer_parts(statement))
            inner.append(statement)
        reads |= loads - bound
        scopes += inner
        bound |= _binds(statement)
    return reads, scopes


class References:
    """The module-level names each top-level statement of a module reads."""

    def __init__(self, source: str, path: str, tree: ast.Module) -> None:
        self.tree = tree
        table = symtable.symtable(source, path, "exec")
        #: (kind, line) -> the globals read by the tables of that kind
        #: starting on that line, and for classes the names local to them.
        self._globals: Dict[Tuple[str, int], Set[str]] = {}
        self._locals: Dict[int, Set[str]] = {}
        for child in _tables(table):
            kind, line = child.get_type(), child.get_lineno()
            symbols = child.get_symbols()
            # ``is_local`` too: this Python's symtable takes any table named
            # ``top`` for the module and calls its bound names global.
            names = {
                s.get_name()
                for s in symbols
                if s.is_referenced() and s.is_global() and not s.is_local()
            }
            self._globals.setdefault((kind, line), set()).update(names)
            if kind == "class":
                local = {s.get_name() for s in symbols if s.is_local()}
                self._locals.setdefault(line, set()).update(local)

    def of(self, statement: ast.stmt) -> Set[str]:
        reads, scopes = _loads_here([statement])
        if isinstance(statement, ast.ClassDef):
            reads, scopes = _loads_here(_outer_parts(statement))
            scopes.append(statement)
        while scopes:
            scope = scopes.pop()
            if isinstance(scope, ast.ClassDef):
                reads |= self._globals.get(("class", scope.lineno), set())
                early, _ = _class_body_reads(scope)
                reads |= early & self._locals.get(scope.lineno, set())
            else:
                reads |= self._globals.get(("function", scope.lineno), set())  # type: ignore[attr-defined]
            scopes.extend(_nested(scope))
        return reads


def _nested(scope: ast.AST) -> Iterator[ast.AST]:
    """Scopes nested directly in a scope (their globals are counted through
    their own symbol tables)."""
    body = getattr(scope, "body", [])
    pending: List[ast.AST] = list(body) if isinstance(body, list) else [body]
    if isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        pending = list(ast.iter_child_nodes(scope))
    elif not isinstance(scope, ast.ClassDef):
        pending += _outer_parts(scope)
    while pending:
        node = pending.pop()
        if isinstance(node, _SCOPES):
            yield node
            continue
        pending.extend(ast.iter_child_nodes(node))


def _tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    for child in table.get_children():
        yield child
        yield from _tables(child)


def violations(source: str, path: str = "<module>") -> List[str]:
    """What is wrong with the split plan of ``source`` (empty: nothing)."""
    from perf_lint.rules._size import split_plan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
            references = References(source, path, tree)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
    plan = split_plan(tree)
    group_of: Dict[str, int] = {}
    found: List[str] = []
    for index, group in enumerate(plan.groups):
        for name in group.names:
            if name in group_of and group_of[name] != index:
                found.append(f"{path}: {name} is in two groups")
            group_of[name] = index
    shared = set(plan.shared)
    for name in shared & set(group_of):
        found.append(f"{path}: {name} is both shared and in a group")
    statements: Dict[int, List[ast.stmt]] = {}
    for statement in tree.body:
        if _stays(statement):
            continue
        for name in _defined(statement):
            if name in group_of:
                statements.setdefault(group_of[name], []).append(statement)
    for index, group in enumerate(plan.groups):
        said = set(group.shared)
        reads: Set[str] = set()
        for statement in _unique(statements.get(index, [])):
            reads |= references.of(statement)
        for name in sorted(reads):
            other = group_of.get(name)
            if other is not None and other != index:
                found.append(
                    f"{path}: group {sorted(group.names)[:3]} reads {name!r}, "
                    f"defined in group {sorted(plan.groups[other].names)[:3]}"
                )
            elif name in shared and name not in said:
                found.append(f"{path}: group {sorted(group.names)[:3]} reads shared {name!r}")
    return found


def _stays(statement: ast.stmt) -> bool:
    """A statement the plan leaves in the module: ``if __name__ ==
    "__main__":`` (any ``if`` testing ``__name__``), or one that binds no
    name but dunders."""
    if isinstance(statement, ast.If) and any(
        isinstance(node, ast.Name) and node.id == "__name__" for node in ast.walk(statement.test)
    ):
        return True
    return all(name.startswith("__") and name.endswith("__") for name in _defined(statement))


def _unique(statements: List[ast.stmt]) -> List[ast.stmt]:
    return list({id(s): s for s in statements}.values())


def _defined(statement: ast.stmt) -> Set[str]:
    """The names a top-level statement binds (imports included)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    return _binds(statement)


def check(paths: Sequence[Path]) -> Tuple[int, List[str]]:
    """Files checked and the violations found under ``paths``."""
    checked, found = 0, []
    for root in paths:
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in files:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            checked += 1
            found += violations(source, str(path))
    return checked, found


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=50)
    args = parser.parse_args(argv)
    checked, found = check(args.paths)
    for line in found[: args.show]:
        print(line)
    print(f"{checked} modules checked, {len(found)} violations")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
