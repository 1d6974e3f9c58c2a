"""Size metrics of PRF201–PRF203, the radon way: pure functions returning
immutable records. radon is imported only when a metric needs it."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import functools
import itertools
import re
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Set, Tuple, Union

from perf_lint import syntax

#: Line separators that ``str.splitlines`` honours but Python does not (radon
#: splits on them); replaced by spaces before radon sees the text.
_EXOTIC_SEPARATORS = {ord(c): " " for c in "\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
_LINE_BREAK = re.compile(r"\r\n?|\n")

#: The metrics ``module-size-metric`` accepts.
METRICS = ("lines", "sloc", "lloc")

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def physical_lines(source: str) -> int:
    """The number of lines as Python counts them (``\\n``, ``\\r\\n`` and
    ``\\r`` end a line; a last line without an end counts)."""
    if not source:
        return 0
    breaks = source.count("\n") + source.count("\r") - source.count("\r\n")
    return breaks + (source[-1] not in "\r\n")


def line_bound(source: str) -> int:
    """A cheap upper bound of ``physical_lines(source)``."""
    return source.count("\n") + source.count("\r") + 1


class ModuleSize(NamedTuple):
    """radon's raw metrics of a module, plus its physical lines.

    Invariants (tested as properties on generated programs): radon's own
    ``sloc + multi + single_comments + blank == loc``; ``loc <= lines``
    (radon counts each physical line at most once, and exactly once unless a
    backslash continuation joins a comment or string line to another);
    ``sloc <= loc``. ``lloc``
    (logical lines: ``a = 1; b = 2`` is two, so is ``if x: y``) is not
    bounded by ``lines``, only by ``2 * (lines + semicolons)``."""

    lines: int
    loc: int
    lloc: int
    sloc: int
    comments: int
    multi: int
    blank: int
    single_comments: int

    def measure(self, metric: str) -> int:
        """The size by one of ``METRICS``."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        return int(getattr(self, metric))


@functools.lru_cache(maxsize=4)
def module_size(source: str) -> ModuleSize:
    """radon's raw metrics (``radon.raw.analyze``) of ``source``, which must
    be valid Python. Separators that only ``str.splitlines`` treats as line
    ends (form feed, ``\\x1c``…) are read as spaces first, so that radon's
    lines are Python's lines. Raises ``SyntaxError`` where radon cannot
    tokenize the text line by line: Python accepts identifiers with
    characters outside ``\\w`` (``a·b``) that ``tokenize`` rejects."""
    from radon.raw import analyze

    raw = analyze(source.translate(_EXOTIC_SEPARATORS))
    return ModuleSize(
        lines=physical_lines(source),
        loc=raw.loc,
        lloc=raw.lloc,
        sloc=raw.sloc,
        comments=raw.comments,
        multi=raw.multi,
        blank=raw.blank,
        single_comments=raw.single_comments,
    )


def size_bound(source: str, metric: str) -> int:
    """A cheap upper bound of ``module_size(source).measure(metric)``:
    ``sloc <= loc <= lines``, and radon counts at most two logical lines per
    ``;``-separated part of a line."""
    lines = line_bound(source)
    if metric == "lloc":
        return 2 * (lines + source.count(";"))
    return lines


# -- functions and classes ------------------------------------------------------


class FunctionComplexity(NamedTuple):
    """radon's cyclomatic complexity of one function: 1 plus its decision
    points (``if``/``elif``, loops and their ``else``, each ``except`` and a
    ``try``'s ``else``, each ``and``/``or``, ``assert``, comprehensions and
    their ``if``s, conditional expressions, ``case`` clauses but a wildcard).
    Nested functions and classes are scored on their own and add nothing;
    lambdas and comprehensions count towards the enclosing function."""

    name: str
    line: int
    column: int
    complexity: int
    rank: str


def function_complexity(node: FunctionNode) -> FunctionComplexity:
    """radon's score of ``node`` (always at least 1)."""
    from radon.complexity import cc_rank
    from radon.visitors import ComplexityVisitor

    visitor = ComplexityVisitor()
    visitor.visit(node)
    score = visitor.functions[0].complexity
    return FunctionComplexity(node.name, node.lineno, node.col_offset, score, cc_rank(score))


class ClassSize(NamedTuple):
    """The size of one class: ``lines`` from the ``class`` keyword to the end
    of its last statement (decorators not counted), ``methods`` the
    ``def``/``async def`` statements directly in its body (properties,
    static and class methods included; each ``@x.setter`` is one more)."""

    name: str
    line: int
    lines: int
    methods: int


def class_size(node: ast.ClassDef) -> ClassSize:
    end = node.end_lineno if node.end_lineno is not None else node.lineno
    methods = sum(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) for s in node.body)
    return ClassSize(node.name, node.lineno, end - node.lineno + 1, methods)


def definitions(tree: ast.Module, kinds: Tuple[type, ...]) -> List[ast.AST]:
    """Every node of ``kinds`` in ``tree``, in source order (the order of
    their ``def``/``class`` keywords, which is libcst's visiting order).
    Only statement lists are walked (a ``def`` or ``class`` is a statement,
    so none is missed): much cheaper than ``ast.walk`` on a large module."""
    found: List[ast.AST] = []
    blocks: List[List[ast.stmt]] = [tree.body]
    while blocks:
        for statement in blocks.pop():
            if isinstance(statement, kinds):
                found.append(statement)
            for field in ("body", "orelse", "finalbody"):
                block = getattr(statement, field, None)
                if isinstance(block, list):
                    blocks.append(block)
            for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
                blocks.append(part.body)
    found.sort(key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]
    return found


@functools.lru_cache(maxsize=2)
def line_starts(source: str) -> Tuple[int, ...]:
    """The offset at which each line of ``source`` starts, lines counted as
    Python counts them (CRLF, CR and LF each end one)."""
    return (0, *(match.end() for match in _LINE_BREAK.finditer(source)))


def statement_text(source: str, node: ast.stmt) -> str:
    """The lines of ``node``, its decorators included."""
    starts = line_starts(source)
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    end = node.end_lineno if node.end_lineno is not None else node.lineno
    return source[starts[first - 1] : starts[end] if end < len(starts) else len(source)]


# The keywords before a definition's name, with blanks and continuations.
_GAP = r"(?:[ \t\f]|\\(?:\r\n|\r|\n))+"
_HEADER = re.compile(rf"(?:async{_GAP})?(?:def|class){_GAP}")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def name_span(
    source: str, node: Union[FunctionNode, ast.ClassDef]
) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """Where the name of a ``def`` or ``class`` is, as libcst's
    ``PositionProvider`` gives the range of its ``Name`` (1-based row,
    0-based column in characters). ``ast`` gives the keyword's position
    in UTF-8 bytes; the name follows it."""
    starts = line_starts(source)
    line_start = starts[node.lineno - 1]
    line_end = starts[node.lineno] if node.lineno < len(starts) else len(source)
    line = source[line_start:line_end].encode("utf-8", "surrogatepass")
    offset = line_start + len(line[: node.col_offset].decode("utf-8", "surrogatepass"))
    header = _HEADER.match(source, offset)
    start = header.end() if header is not None else offset
    # The source's spelling, which ``ast`` may have NFKC-normalised.
    name = _IDENTIFIER.match(source, start)
    length = name.end() - start if name is not None else len(node.name)
    row = bisect.bisect_right(starts, start)
    column = start - starts[row - 1]
    return (row, column), (row, column + length)


def decision_bound(source: str, limit: int) -> bool:
    """Whether ``source`` holds at least ``limit`` decision keywords: a
    sound, cheap test that some function may score above ``limit``."""
    if limit <= 0:
        return True
    return sum(1 for _ in itertools.islice(_DECISION.finditer(source), limit)) >= limit


# A decision keyword. Only a letter that cannot end a number literal rules a
# keyword out (``0xfor x`` is ``0xf or x``, ``1jif`` is ``1j if``).
_DECISION = re.compile(
    r"(?<![g-ik-zG-IK-Z_])(?:if|elif|for|while|except|else|and|or|assert|case)(?![A-Za-z0-9_])"
)


# -- split plan -------------------------------------------------------------------


class SplitGroup(NamedTuple):
    """Top-level definitions that reference each other and nothing else in
    the module apart from ``shared`` definitions and ``imports``; ``names``
    largest definition first, ``first_line`` where the first one starts."""

    names: Tuple[str, ...]
    lines: int
    first_line: int
    imports: Tuple[str, ...]
    shared: Tuple[str, ...]


class SplitPlan(NamedTuple):
    """How a module could be split.

    ``groups`` (largest first, by lines) are the connected components of the
    graph whose nodes are the module's top-level definitions (functions,
    classes, assignments and compound statements that bind names) and whose
    edges are references between them (a name read where no enclosing
    function, lambda or comprehension binds it; names in strings, such as
    quoted annotations, are not references): no group references another, so each
    can move to a module of its own. Imports are not nodes: each group lists
    the imported names it uses. A definition referenced by
    ``SHARED_USERS`` or more other definitions is ``shared`` (a common
    helper, constant or base class): it does not join its users into one
    group; it stays, or moves to a common module the groups import.
    ``stays`` counts the statements that bind no movable name (``if
    __name__ == "__main__":``, module-level calls, docstrings, dunder
    assignments such as ``__all__``): they stay in the module.

    Invariant: the lines of the groups and of the shared definitions add up
    to at most the lines of the module, and every movable definition is in
    exactly one group or in ``shared``."""

    groups: Tuple[SplitGroup, ...]
    #: Largest definition first.
    shared: Tuple[str, ...]
    stays: int

    def as_data(self) -> Dict[str, object]:
        return {
            "groups": [
                {
                    "names": list(g.names),
                    "lines": g.lines,
                    "line": g.first_line,
                    "imports": list(g.imports),
                    "shared": list(g.shared),
                }
                for g in self.groups
            ],
            "shared": list(self.shared),
            "stays": self.stays,
        }

    def summary(self, max_groups: int = 3, max_names: int = 3) -> str:
        """One line naming the largest groups."""
        if len(self.groups) < 2:
            return "no independent groups of definitions to split out"
        parts = []
        for group in self.groups[:max_groups]:
            names = list(group.names[:max_names])
            if len(group.names) > max_names:
                names.append(f"+{len(group.names) - max_names}")
            parts.append(f"{{{', '.join(names)}}} ({group.lines} lines)")
        more = len(self.groups) - max_groups
        tail = f", +{more} more groups" if more > 0 else ""
        if self.shared:
            names = list(self.shared[:max_names])
            if len(self.shared) > max_names:
                names.append(f"+{len(self.shared) - max_names}")
            tail += f"; shared: {', '.join(names)}"
        return "split candidates: " + ", ".join(parts) + tail


#: A definition referenced by this many other definitions is shared.
SHARED_USERS = 3


@dataclasses.dataclass
class _Unit:
    index: int
    names: FrozenSet[str]
    uses: Set[str]
    first_line: int
    lines: int
    is_import: bool


def _bound_names(statement: ast.stmt) -> Tuple[Set[str], bool]:
    """Names ``statement`` binds at module level, and whether imports bind
    all of them."""
    bound: Set[str] = set()
    other = False
    pending: List[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            other = True
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    bound.add((alias.asname or alias.name).split(".")[0])
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp)):
            continue
        if isinstance(node, ast.GeneratorExp):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
            other = True
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        pending.extend(syntax.children(node))
    return bound, bool(bound) and not other


def _used_names(statement: ast.stmt) -> Set[str]:
    """The module-level names ``statement`` reads: names it loads that no
    enclosing function, lambda or comprehension binds (a local ``Point``
    in a test method is not the module's ``Point``). A class body sees the
    names its earlier statements bound, and reads any other name from the
    module (``class State: Worker = Worker`` reads the module's
    ``Worker``); its methods do not see its names."""
    direct, deep, _, _, module = _region([statement])
    return direct | deep | module


def _arguments(args: ast.arguments) -> Set[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {arg.arg for arg in every if arg is not None}


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


Names = Set[str]


Region = Tuple[Names, Names, Names, Names, Names]


def _region(nodes: List[ast.AST]) -> Region:
    """One walk of the code of one scope (``nodes``, nested scopes apart):
    the names its own code reads (``direct``), those its nested scopes
    (functions, lambdas, classes, comprehensions past their first iterable)
    read from further out than themselves (``deep``), the names it binds
    (stores, deletions, definitions, imports and ``except`` names), those
    it declares ``global``, and the names nested class bodies read from the
    module itself whatever the scopes around them bind (``module``: a class
    body reads a name it binds itself, before binding it, from the module).
    The caller takes its own bindings off ``direct`` and ``deep`` (a class
    body off ``direct`` only: its nested scopes do not see its names): what
    is left is read from further out. Parts of a definition that run in the
    enclosing scope (decorators, defaults, annotations, bases) are read
    there but bind nothing there."""
    direct: Names = set()
    deep: Names = set()
    bound: Names = set()
    declared: Names = set()
    module: Names = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                direct.add(node.id)  # type: ignore[attr-defined]
            else:
                bound.add(node.id)  # type: ignore[attr-defined]
        elif kind in _FUNCTIONS or kind is ast.Lambda or kind is ast.ClassDef:
            if kind is not ast.Lambda:
                bound.add(node.name)  # type: ignore[attr-defined]
            outer_direct, outer_deep, inner, inner_module = _definition(node)
            direct |= outer_direct
            deep |= outer_deep | inner
            module |= inner_module
        elif kind in _COMPREHENSIONS:
            generators = node.generators  # type: ignore[attr-defined]
            first = generators[0].iter
            targets = _region([generator.target for generator in generators])[2]
            first_direct, first_deep, _, _, first_module = _region([first])
            rest = [child for child in _comprehension_parts(node) if child is not first]
            rest_direct, rest_deep, _, _, rest_module = _region(rest)
            direct |= first_direct
            deep |= first_deep | ((rest_direct | rest_deep) - targets)
            module |= first_module | rest_module
        else:
            if kind is ast.Import or kind is ast.ImportFrom:
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)  # type: ignore[attr-defined]
            elif kind is ast.ExceptHandler:
                if node.name:  # type: ignore[attr-defined]
                    bound.add(node.name)  # type: ignore[attr-defined]
            elif kind is ast.Global:
                declared.update(node.names)  # type: ignore[attr-defined]
            pending.extend(syntax.children(node))
    return direct, deep, bound, declared, module


def _comprehension_parts(node: ast.AST) -> List[ast.AST]:
    """The element(s), targets, conditions and iterables of a comprehension."""
    parts: List[ast.AST] = []
    if type(node) is ast.DictComp:
        parts += [node.key, node.value]  # type: ignore[attr-defined]
    else:
        parts.append(node.elt)  # type: ignore[attr-defined]
    for generator in node.generators:  # type: ignore[attr-defined]
        parts += [generator.target, generator.iter, *generator.ifs]
    return parts


def _definition(node: ast.AST) -> Tuple[Names, Names, Names, Names]:
    """What a function, lambda or class reads from further out: the names
    its parts that run in the enclosing scope read, directly and through
    nested scopes (decorators, defaults, annotations, bases), those its
    body reads that it does not bind, and those class bodies in it read
    from the module itself (``_region``'s ``module``)."""
    if type(node) is ast.ClassDef:
        outer = [*node.decorator_list, *node.bases, *node.keywords]  # type: ignore[attr-defined]
        direct, deep, _, _, module = _region(outer)
        inner, from_module = _class_body(node.body)  # type: ignore[attr-defined]
        return direct, deep, inner, module | from_module
    args = node.args  # type: ignore[attr-defined]
    outer = [*args.defaults, *(d for d in args.kw_defaults if d)]
    if type(node) is ast.Lambda:
        body = [node.body]  # type: ignore[attr-defined]
    else:
        body = node.body  # type: ignore[attr-defined]
        outer.extend(node.decorator_list)  # type: ignore[attr-defined]
        outer.extend(a.annotation for a in _annotated(args) if a.annotation)
        if node.returns is not None:  # type: ignore[attr-defined]
            outer.append(node.returns)  # type: ignore[attr-defined]
    direct, deep, _, _, module = _region(outer)
    inner_direct, inner_deep, own, declared_inside, inner_module = _region(body)
    inner = (inner_direct | inner_deep) - (own - declared_inside) - _arguments(args)
    return direct, deep, inner, module | inner_module


#: Statements whose bindings surely hold once they complete (a compound
#: statement's may not: an ``if`` branch not taken, an empty ``for``).
_SIMPLE_BINDERS = (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom, *_FUNCTIONS, ast.ClassDef)


def _class_body(body: List[ast.stmt]) -> Tuple[Names, Names]:
    """The names a class body reads from further out, and those it reads
    from the module itself. It runs in order and looks a name up in the
    class namespace first: a name read before a statement of the body
    surely bound it is read from further out (``Worker = Worker`` too), and
    from the module itself when the body binds it somewhere (Python reads
    such a name with ``LOAD_NAME``, past the functions around the class) or
    declares it ``global``. Methods and nested classes read from further
    out whatever the class binds; their decorators, defaults, annotations
    and bases run in the class body."""
    declared: Names = set()
    for statement in body:
        if type(statement) is ast.Global:
            declared.update(statement.names)  # type: ignore[attr-defined]
    parts = []
    local: Names = set()
    for statement in body:
        kind = type(statement)
        if kind in _FUNCTIONS or kind is ast.ClassDef:
            direct, deep, inner, module = _definition(statement)
            own = {statement.name}  # type: ignore[attr-defined]
        else:
            direct, deep, own, _, module = _region([statement])
            inner = set()
        parts.append((statement, direct, deep | inner, own, module))
        local |= own
    local -= declared
    further: Names = set()
    from_module: Names = set()
    bound: Names = set()
    for statement, direct, deep, own, module in parts:
        early = direct - bound
        from_module |= (early & (local | declared)) | module
        further |= (early - local - declared) | deep
        kind = type(statement)
        if kind in _SIMPLE_BINDERS and not (kind is ast.AnnAssign and statement.value is None):  # type: ignore[attr-defined]
            bound |= own - declared
    return further, from_module


def _annotated(args: ast.arguments) -> List[ast.arg]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [arg for arg in every if arg is not None]


def _span(statement: ast.stmt) -> Tuple[int, int]:
    decorators = getattr(statement, "decorator_list", None) or []
    first = min([statement.lineno] + [d.lineno for d in decorators])
    last = statement.end_lineno if statement.end_lineno is not None else statement.lineno
    return first, last - first + 1


def _is_main_guard(statement: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (any ``if`` testing ``__name__``)."""
    return isinstance(statement, ast.If) and any(
        isinstance(node, ast.Name) and node.id == "__name__" for node in syntax.walk(statement.test)
    )


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def split_plan(tree: ast.Module) -> SplitPlan:
    """The split plan of a parsed module (see ``SplitPlan``)."""
    units: List[_Unit] = []
    imports: Dict[str, List[int]] = {}
    stays = 0
    for statement in tree.body:
        if _is_main_guard(statement):
            stays += 1
            continue
        names, is_import = _bound_names(statement)
        movable = {name for name in names if not _is_dunder(name)}
        if not movable:
            stays += 1
            continue
        first, lines = _span(statement)
        unit = _Unit(
            len(units), frozenset(movable), _used_names(statement), first, lines, is_import
        )
        units.append(unit)
        if is_import:
            for name in movable:
                imports.setdefault(name, []).append(unit.index)
    units = _merged(units)
    definers: Dict[str, List[int]] = {}
    for unit in units:
        if not unit.is_import:
            for name in unit.names:
                definers.setdefault(name, []).append(unit.index)
    # Who references whom, among definitions.
    users: Dict[int, Set[int]] = {unit.index: set() for unit in units}
    references: Dict[int, Set[int]] = {unit.index: set() for unit in units}
    for unit in units:
        if unit.is_import:
            continue
        for name in unit.uses:
            for target in definers.get(name, ()):
                if target != unit.index:
                    users[target].add(unit.index)
                    references[unit.index].add(target)
    definitions = [unit for unit in units if not unit.is_import]
    shared = {u.index for u in definitions if len(users[u.index]) >= SHARED_USERS}
    components = _components(definitions, references, users, shared)
    groups = []
    for component in components:
        members = sorted((units[i] for i in component), key=lambda u: (-u.lines, u.first_line))
        used = set().union(*(u.uses for u in members))
        groups.append(
            SplitGroup(
                names=_unique(name for u in members for name in sorted(u.names)),
                lines=sum(u.lines for u in members),
                first_line=min(u.first_line for u in members),
                imports=tuple(sorted(name for name in used if name in imports)),
                shared=tuple(
                    sorted(
                        {name for i in component for t in references[i] & shared
                         for name in units[t].names}
                    )
                ),
            )
        )  # fmt: skip
    groups.sort(key=lambda g: (-g.lines, g.first_line))
    shared_names = _unique(
        name for unit in sorted((units[i] for i in shared), key=lambda u: (-u.lines, u.first_line))
        for name in sorted(unit.names)
    )  # fmt: skip
    return SplitPlan(tuple(groups), shared_names, stays)


def _merged(units: List[_Unit]) -> List[_Unit]:
    """The units with every set of definitions that bind a name in common
    (overloads, ``try``/``except`` fallbacks, a redefinition) made one unit:
    a name must never land in two groups, nor in a group and in shared."""
    parent = list(range(len(units)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first: Dict[str, int] = {}
    for unit in units:
        if unit.is_import:
            continue
        for name in unit.names:
            if name in first:
                parent[root(unit.index)] = root(first[name])
            else:
                first[name] = unit.index
    members: Dict[int, List[_Unit]] = {}
    for unit in units:
        members.setdefault(root(unit.index), []).append(unit)
    merged: List[_Unit] = []
    for group in members.values():
        merged.append(
            _Unit(
                index=len(merged),
                names=frozenset().union(*(u.names for u in group)),
                uses=set().union(*(u.uses for u in group)),
                first_line=min(u.first_line for u in group),
                lines=sum(u.lines for u in group),
                is_import=group[0].is_import,
            )
        )
    return merged


def _unique(names: Iterable[str]) -> Tuple[str, ...]:
    """``names`` without repeats (a name bound twice), in order."""
    return tuple(dict.fromkeys(names))


def _components(
    definitions: List[_Unit],
    references: Dict[int, Set[int]],
    users: Dict[int, Set[int]],
    shared: Set[int],
) -> List[List[int]]:
    """Connected components of the definitions (edges in either direction)
    leaving out ``shared`` ones; then a shared definition whose users all
    fall in one component joins it (and is no longer shared), until none
    does. ``shared`` keeps the rest."""
    parent = {unit.index: unit.index for unit in definitions}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(one: int, other: int) -> None:
        parent[root(one)] = root(other)

    for unit in definitions:
        if unit.index not in shared:
            for other in references[unit.index]:
                if other not in shared:
                    join(unit.index, other)
    changed = True
    while changed:
        changed = False
        for node in sorted(shared):
            owners = {root(user) for user in users[node] if user not in shared}
            if len(owners) == 1 and not users[node] & shared:
                shared.discard(node)
                join(node, owners.pop())
                for other in references[node] | users[node]:
                    if other not in shared:
                        join(node, other)
                changed = True
    found: Dict[int, List[int]] = {}
    for unit in definitions:
        if unit.index not in shared:
            found.setdefault(root(unit.index), []).append(unit.index)
    return list(found.values())
