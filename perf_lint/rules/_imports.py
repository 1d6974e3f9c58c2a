"""The imports a module makes unconditionally, at its own level: what a fix
may refer to anywhere after them (PRF501's constants, PRF506's clock)."""

from __future__ import annotations

from typing import Dict, Iterator, Tuple

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.scopes import dotted


def is_import_line(statement: cst.CSTNode) -> bool:
    """``statement`` is a line of ``import`` and ``from ... import`` only."""
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def imported_names(small: cst.CSTNode) -> Iterator[str]:
    """The names an ``import`` or ``from ... import`` binds."""
    if isinstance(small, cst.Import):
        for alias in small.names:
            if alias.asname is not None:
                yield alias.asname.name.value  # type: ignore[attr-defined]
            else:
                yield dotted(alias.name).split(".")[0]
    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:
            if alias.asname is not None:
                yield alias.asname.name.value  # type: ignore[attr-defined]
            else:
                yield dotted(alias.name)


def top_level_imports(context: FileContext) -> Dict[str, Tuple[str, int]]:
    """Local name -> (qualified name, index of the statement among the
    module's) for every name an import line of the module itself binds
    (not in a ``try``, ``if`` or definition) and the file binds nowhere
    else (``FileFacts.imports``). Read once per file."""
    key = ("top-level-imports",)
    found = context.cache.get(key)
    if found is None:
        found = context.cache[key] = {}
        imports = context.facts.imports
        for index, statement in enumerate(context.module.body):
            if not is_import_line(statement):
                continue
            for small in statement.body:  # type: ignore[attr-defined]
                for local in imported_names(small):
                    qualified = imports.get(local)
                    if qualified is not None:
                        found.setdefault(local, (qualified, index))
    return found  # type: ignore[no-any-return]
