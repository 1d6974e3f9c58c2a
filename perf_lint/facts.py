"""Facts about a whole file that rules share, read once from the file's
``ast`` (the tree the analysis has already built for its pre-filter) and
handed to rules through ``FileContext.facts``. libcst-free.

- ``Bindings``: every name the file binds anywhere, so that a rule knows
  whether ``str``, ``len`` or ``set`` still means the builtin, and which
  names come from ``typing``.
- ``Loggers``: imports of ``logging`` and the names and attributes bound
  from ``getLogger(...)``.

Where this Python rejects the file (code that libcst reads for a newer
Python), the facts are unknown and say so conservatively: no name is the
builtin and no binding makes a logger (loggers are then recognised by their
names alone)."""

from __future__ import annotations

import ast
import builtins
import dataclasses
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from perf_lint import syntax

#: The modules whose names ``Bindings`` records apart.
TYPING_MODULES = ("typing", "typing_extensions")

#: Each logging method (and function of ``logging``) with its level (``log``
#: takes the level as its first argument).
LOGGING_METHODS: Dict[str, int] = {
    "debug": 10,
    "info": 20,
    "warning": 30,
    "warn": 30,
    "error": 40,
    "exception": 40,
    "critical": 50,
    "fatal": 50,
    "log": 0,
}
#: The level constants of ``logging``.
LOGGING_LEVELS: Dict[str, int] = {
    "NOTSET": 0,
    "DEBUG": 10,
    "INFO": 20,
    "WARNING": 30,
    "WARN": 30,
    "ERROR": 40,
    "CRITICAL": 50,
    "FATAL": 50,
}

_BUILTINS = frozenset(dir(builtins))
_TYPE_PARAMS = tuple(
    getattr(ast, name) for name in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, name)
)
_TARGETED = (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.comprehension)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclasses.dataclass
class Bindings:
    """Every name bound anywhere in a file (``counts``: how many times),
    apart from imports from ``typing``, which are recorded on their own
    (``typing_names``: local name -> imported name; ``typing_modules``: the
    local names of the modules). ``declared``: names in ``global`` or
    ``nonlocal`` statements."""

    counts: Dict[str, int] = dataclasses.field(default_factory=dict)
    typing_names: Dict[str, str] = dataclasses.field(default_factory=dict)
    typing_modules: Set[str] = dataclasses.field(default_factory=set)
    star_import: bool = False
    declared: Set[str] = dataclasses.field(default_factory=set)
    #: Local name -> qualified name of each import (the last one of a name),
    #: and how many imports bind each local name.
    imported: Dict[str, str] = dataclasses.field(default_factory=dict)
    imported_times: Dict[str, int] = dataclasses.field(default_factory=dict)
    #: Attribute name -> what every binding of an attribute of that name
    #: (``obj.x = v``, ``obj.x: T = v``, ``obj.x += v``, unpacking) and of a
    #: class-level name of it binds, in order: ``("display", "")`` for a
    #: dict or set display or comprehension, a string or an f-string;
    #: ``("class", Name)`` for a call of (or an annotation naming, without a
    #: value) a callee whose dotted name ends in ``Name``; ``("other", "")``.
    attributes: Dict[str, List[Tuple[str, str]]] = dataclasses.field(default_factory=dict)
    #: The attribute names ``x`` of every ``<...>.x.pop(0...)`` and
    #: ``<...>.x.insert(0, ...)`` in the file.
    front_receivers: Set[str] = dataclasses.field(default_factory=set)

    def is_builtin(self, name: str) -> bool:
        """``name`` is a builtin's and refers to the builtin: nothing in the
        file rebinds it."""
        return name in _BUILTINS and not (
            self.star_import
            or name in self.counts
            or name in self.typing_names
            or name in self.typing_modules
        )


def bindings(
    tree: Optional[ast.Module],
    lines: Optional[Sequence[str]] = None,
    memo: Optional[Dict[Tuple[str, int, int], Bindings]] = None,
) -> Bindings:
    """The ``Bindings`` of the file whose tree is ``tree`` (``None``: this
    Python rejects the file, and nothing is known). With the text's
    ``lines`` and a ``memo``, what each top-level statement (each statement
    of a top-level class's body) binds is remembered by its text and
    reused when the same statement is met again (the language server's
    texts differ by an edit)."""
    found = Bindings()
    if tree is None:
        found.star_import = True  # any name may be rebound
        return found
    if memo is None or lines is None:
        _bind_nodes(found, syntax.walk(tree))
        return found
    if len(memo) > _MEMO_SIZE:
        memo.clear()
    for statement in tree.body:
        if type(statement) is ast.ClassDef:
            body = frozenset(id(node) for node in statement.body)
            _bind_nodes(found, syntax.walk_except(statement, body))
            chunks: List[ast.stmt] = statement.body
        else:
            chunks = [statement]
        for chunk in chunks:
            decorators = getattr(chunk, "decorator_list", ())
            first = min([chunk.lineno, *(d.lineno for d in decorators)])
            key = (
                "".join(lines[first - 1 : chunk.end_lineno]),
                chunk.col_offset,
                chunk.end_col_offset or 0,
            )
            part = memo.get(key)
            if part is None:
                part = memo[key] = Bindings()
                _bind_nodes(part, syntax.walk(chunk))
            _merge(found, part)
    return found


#: How many statements ``bindings`` remembers before it starts again.
_MEMO_SIZE = 50_000


def _merge(found: Bindings, part: Bindings) -> None:
    """Add what ``part`` (the next statement) binds to ``found``."""
    counts = found.counts
    for name, count in part.counts.items():
        counts[name] = counts.get(name, 0) + count
    found.typing_names.update(part.typing_names)
    found.typing_modules.update(part.typing_modules)
    found.star_import = found.star_import or part.star_import
    found.declared.update(part.declared)
    found.imported.update(part.imported)
    for name, count in part.imported_times.items():
        found.imported_times[name] = found.imported_times.get(name, 0) + count
    for name, kinds in part.attributes.items():
        found.attributes.setdefault(name, []).extend(kinds)
    found.front_receivers.update(part.front_receivers)


def _bind_nodes(found: Bindings, nodes: Iterator[ast.AST]) -> None:
    """Record what ``nodes`` bind in ``found``."""
    counts = found.counts
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            continue  # the commonest node: nothing to do
        if kind is ast.Call:
            _front_receiver(found, node)  # type: ignore[arg-type]
            continue
        names: List[str] = []
        if kind is ast.Assign or kind is ast.Delete:
            for target in node.targets:  # type: ignore[attr-defined]
                names.extend(syntax.target_names(target))
                if kind is ast.Assign:
                    _attribute_binding(found, target, _value_kind(node.value))  # type: ignore[attr-defined]
        elif kind in _TARGETED:
            names.extend(syntax.target_names(node.target))  # type: ignore[attr-defined]
            if kind is ast.AnnAssign:
                _attribute_binding(found, node.target, _annotated_kind(node))  # type: ignore[arg-type,attr-defined]
            elif kind is ast.AugAssign:
                _attribute_binding(found, node.target, _OTHER)  # type: ignore[attr-defined]
        elif kind is ast.withitem:
            if node.optional_vars is not None:  # type: ignore[attr-defined]
                names.extend(syntax.target_names(node.optional_vars))  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler:
            if node.name is not None:  # type: ignore[attr-defined]
                names.append(node.name)  # type: ignore[attr-defined]
        elif kind in _DEFINITIONS:
            names.append(node.name)  # type: ignore[attr-defined]
            if kind is ast.ClassDef:
                _class_level_names(found, node)  # type: ignore[arg-type]
        elif kind is ast.arguments:
            arguments: ast.arguments = node  # type: ignore[assignment]
            names.extend(arg.arg for arg in (*arguments.posonlyargs, *arguments.args))
            if arguments.vararg is not None:
                names.append(arguments.vararg.arg)
            names.extend(arg.arg for arg in arguments.kwonlyargs)
            if arguments.kwarg is not None:
                names.append(arguments.kwarg.arg)
        elif kind is ast.Global or kind is ast.Nonlocal:
            names.extend(node.names)  # type: ignore[attr-defined]
            found.declared.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.MatchAs or kind is ast.MatchStar:
            if node.name is not None:  # type: ignore[attr-defined]
                names.append(node.name)  # type: ignore[attr-defined]
        elif kind is ast.MatchMapping:
            if node.rest is not None:  # type: ignore[attr-defined]
                names.append(node.rest)  # type: ignore[attr-defined]
        elif kind in _TYPE_PARAMS:
            names.append(node.name)  # type: ignore[attr-defined]
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                local = alias.asname if alias.asname is not None else alias.name
                if alias.asname is None:
                    local = alias.name.split(".")[0]
                _imported(found, local, alias.name if alias.asname is not None else local)
                if alias.name in TYPING_MODULES:
                    found.typing_modules.add(local)
                else:
                    names.append(local)
        elif kind is ast.ImportFrom:
            if any(alias.name == "*" for alias in node.names):  # type: ignore[attr-defined]
                found.star_import = True
                continue
            module = node.module if node.module is not None and not node.level else ""  # type: ignore[attr-defined]
            for alias in node.names:  # type: ignore[attr-defined]
                local = alias.asname if alias.asname is not None else alias.name
                if module:
                    _imported(found, local, f"{module}.{alias.name}")
                if module in TYPING_MODULES:
                    found.typing_names[local] = alias.name
                else:
                    names.append(local)
        for name in names:
            counts[name] = counts.get(name, 0) + 1


@dataclasses.dataclass
class Loggers:
    """What makes a logger in a file: the local names of the ``logging``
    module (``modules``), of ``getLogger`` imported from it, of its logging
    functions and of its level constants (with their values), and the names
    (``names``) and ``self``/``cls`` attributes or class-level names
    (``attributes``) bound from ``getLogger(...)``; and the names
    (``enabled_names``) and ``self``/``cls`` attributes or class-level names
    (``enabled_attributes``) bound from an ``isEnabledFor(...)`` call: a
    cached guard, as in ``self._does_debug = logger.isEnabledFor(DEBUG)``.
    Bindings count for the whole file, not per scope."""

    modules: Set[str] = dataclasses.field(default_factory=set)
    get_logger: Set[str] = dataclasses.field(default_factory=set)
    functions: Set[str] = dataclasses.field(default_factory=set)
    levels: Dict[str, int] = dataclasses.field(default_factory=dict)
    names: Set[str] = dataclasses.field(default_factory=set)
    attributes: Set[str] = dataclasses.field(default_factory=set)
    enabled_names: Set[str] = dataclasses.field(default_factory=set)
    enabled_attributes: Set[str] = dataclasses.field(default_factory=set)


def loggers(tree: Optional[ast.Module]) -> Loggers:
    """The ``Loggers`` of the file whose tree is ``tree`` (``None``: nothing
    is known). Only statements bind loggers, so only statements are walked,
    in source order (an assignment counts only after the import it uses)."""
    found = Loggers()
    if tree is not None:
        _logger_statements(found, tree.body, "module")
    return found


def is_get_logger(found: Loggers, node: Optional[ast.AST]) -> bool:
    """``node`` is a ``getLogger(...)`` call, as far as ``found`` knows."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in found.get_logger
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "getLogger"
        and syntax.dotted(func.value) in found.modules
    )


def is_enabled_for(node: Optional[ast.AST]) -> bool:
    """``node`` is an ``<...>.isEnabledFor(...)`` call."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "isEnabledFor"
    )


def _bind(names: Set[str], attributes: Set[str], target: ast.AST, scope: str) -> None:
    if isinstance(target, ast.Name):
        names.add(target.id)
        if scope == "class":
            attributes.add(target.id)
    elif (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in ("self", "cls")
    ):
        attributes.add(target.attr)


def _bind_value(found: Loggers, target: ast.AST, value: Optional[ast.AST], scope: str) -> None:
    """Record ``target`` when ``value`` makes it a logger or a cached guard."""
    if is_get_logger(found, value):
        _bind(found.names, found.attributes, target, scope)
    elif is_enabled_for(value):
        _bind(found.enabled_names, found.enabled_attributes, target, scope)


def _logger_statements(found: Loggers, statements: List[ast.stmt], scope: str) -> None:
    for node in statements:
        kind = type(node)
        if kind is ast.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                _bind_value(found, target, node.value, scope)  # type: ignore[attr-defined]
            continue
        if kind is ast.AnnAssign:
            _bind_value(found, node.target, node.value, scope)  # type: ignore[attr-defined]
            continue
        if kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                name = alias.name
                # ``import logging.handlers`` binds ``logging`` too.
                if name == "logging" or (name.startswith("logging.") and alias.asname is None):
                    found.modules.add(alias.asname or "logging")
            continue
        if kind is ast.ImportFrom:
            _logging_import(found, node)  # type: ignore[arg-type]
            continue
        inner = scope
        if kind is ast.ClassDef:
            inner = "class"
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            inner = "function"
        body = getattr(node, "body", None)
        if isinstance(body, list):
            _logger_statements(found, body, inner)
        for part in getattr(node, "cases", ()):
            _logger_statements(found, part.body, inner)
        for part in getattr(node, "handlers", ()):
            _logger_statements(found, part.body, inner)
        for field in ("orelse", "finalbody"):
            block = getattr(node, field, None)
            if block:
                _logger_statements(found, block, inner)


def _logging_import(found: Loggers, node: ast.ImportFrom) -> None:
    if node.level or node.module != "logging":
        return
    if any(alias.name == "*" for alias in node.names):
        found.get_logger.add("getLogger")
        found.functions.update(LOGGING_METHODS)
        found.levels.update(LOGGING_LEVELS)
        return
    for alias in node.names:
        local = alias.asname or alias.name
        if alias.name == "getLogger":
            found.get_logger.add(local)
        elif alias.name in LOGGING_METHODS:
            found.functions.add(local)
        elif alias.name in LOGGING_LEVELS:
            found.levels[local] = LOGGING_LEVELS[alias.name]


_OTHER = ("other", "")
_DISPLAYS = (ast.Dict, ast.Set, ast.DictComp, ast.SetComp, ast.JoinedStr)


def _value_kind(node: ast.AST) -> Tuple[str, str]:
    """What a value binds (see ``Bindings.attributes``)."""
    if isinstance(node, _DISPLAYS) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    ):
        return ("display", "")
    if isinstance(node, ast.Call):
        name = syntax.dotted(node.func).rpartition(".")[2]
        return ("class", name) if name else _OTHER
    return _OTHER


def _annotated_kind(node: ast.AnnAssign) -> Tuple[str, str]:
    if node.value is not None:
        return _value_kind(node.value)
    annotation = node.annotation
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    name = syntax.dotted(annotation).rpartition(".")[2]
    return ("class", name) if name else _OTHER


def _attribute_binding(found: Bindings, target: ast.AST, kind: Tuple[str, str]) -> None:
    if isinstance(target, ast.Attribute):
        found.attributes.setdefault(target.attr, []).append(kind)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _attribute_binding(found, element, _OTHER)
    elif isinstance(target, ast.Starred):
        _attribute_binding(found, target.value, _OTHER)


def _class_level_names(found: Bindings, node: ast.ClassDef) -> None:
    """A class-level name binds the attribute of that name of its objects."""
    for statement in node.body:
        if type(statement) is ast.Assign:
            for target in statement.targets:  # type: ignore[attr-defined]
                kind = _value_kind(statement.value) if type(target) is ast.Name else _OTHER  # type: ignore[attr-defined]
                for name in syntax.target_names(target):
                    found.attributes.setdefault(name, []).append(kind)
        elif type(statement) is ast.AnnAssign and type(statement.target) is ast.Name:  # type: ignore[attr-defined]
            kind = _annotated_kind(statement)  # type: ignore[arg-type]
            found.attributes.setdefault(statement.target.id, []).append(kind)  # type: ignore[attr-defined]


def _front_receiver(found: Bindings, node: ast.Call) -> None:
    func = node.func
    if (
        type(func) is ast.Attribute
        and func.attr in ("pop", "insert")
        and type(func.value) is ast.Attribute
    ):
        found.front_receivers.add(func.value.attr)


def _imported(found: Bindings, local: str, qualified: str) -> None:
    found.imported[local] = qualified
    found.imported_times[local] = found.imported_times.get(local, 0) + 1


def imports(found: Bindings) -> Dict[str, str]:
    """Local name -> the qualified name it stands for, for every name that
    an import binds anywhere in the file and that nothing else binds:
    ``import re as r`` gives ``r -> re``, ``from re import match`` gives
    ``match -> re.match``, ``import os.path`` gives ``os -> os``. Relative
    imports, star imports and names bound twice (two imports, or an import
    and an assignment) are left out: what they stand for is not known."""
    return {
        local: qualified
        for local, qualified in found.imported.items()
        if found.imported_times[local] == 1
        and found.counts.get(local, 0)
        + (local in found.typing_names or local in found.typing_modules)
        == 1
    }


class FileFacts:
    """The facts of one file, each read from its ``ast`` on first use."""

    def __init__(
        self,
        tree: Optional[ast.Module],
        lines: Optional[Sequence[str]] = None,
        memo: Optional[Dict[Tuple[str, int, int], Bindings]] = None,
    ) -> None:
        #: The ``ast`` of the whole text (``None``: this Python rejects it).
        self.tree = tree
        #: The text's lines and a memo of what its statements bind (see
        #: ``bindings``), when the caller keeps one.
        self._lines = lines
        self._memo = memo
        self._bindings: Optional[Bindings] = None
        self._loggers: Optional[Loggers] = None
        self._imports: Optional[Dict[str, str]] = None

    @property
    def bindings(self) -> Bindings:
        if self._bindings is None:
            self._bindings = bindings(self.tree, self._lines, self._memo)
        return self._bindings

    @property
    def loggers(self) -> Loggers:
        if self._loggers is None:
            self._loggers = loggers(self.tree)
        return self._loggers

    @property
    def imports(self) -> Dict[str, str]:
        """Local name -> qualified name of every unambiguous import (see
        ``imports``); a name ``typing`` imports counts too."""
        if self._imports is None:
            self._imports = imports(self.bindings)
        return self._imports

    def is_builtin(self, name: str) -> bool:
        return self.bindings.is_builtin(name)

    def signature(self) -> Tuple[object, ...]:
        """Everything a rule can learn from these facts, as one comparable
        value: two texts with the same signature give every definition the
        same answers (the language server reuses a definition's findings
        only then). Of the names bound, only builtins and ``typing`` names
        can be asked about."""
        bound = self.bindings
        asked = _BUILTINS | bound.typing_names.keys() | bound.typing_modules
        found = self.loggers
        attributes = bound.attributes
        return (
            frozenset(
                (name, tuple(attributes[name]))
                for name in bound.front_receivers
                if name in attributes
            ),
            frozenset(name for name in bound.counts if name in asked),
            frozenset(bound.typing_names.items()),
            frozenset(bound.typing_modules),
            bound.star_import,
            frozenset(bound.declared),
            *(
                frozenset(value.items() if isinstance(value, dict) else value)
                for value in (getattr(found, field.name) for field in dataclasses.fields(found))
            ),
            frozenset(self.imports.items()),
        )

    def qualified(self, dotted_name: str) -> Optional[str]:
        """The qualified name a dotted name in the file stands for, through
        its imports (``r.match`` -> ``re.match`` after ``import re as r``;
        ``match`` -> ``re.match`` after ``from re import match``); ``None``
        when its first part is not an unambiguous import."""
        head, dot, rest = dotted_name.partition(".")
        base = self.imports.get(head)
        if base is None:
            return None
        return base + dot + rest
