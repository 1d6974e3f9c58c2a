"""What the loop rules (PRF401-PRF405) share: matching a loop whose only
effect is to fill a container, building the comprehension that replaces it,
and the one safety analysis every loop fix relies on, so that the rules agree.

A comprehension is not a loop written differently: it has its own scope.
Its loop variables are never bound in the enclosing scope, its body cannot
see a class body's names, and the name it is assigned to is bound once, at
the end, instead of before the loop. ``Safety`` records whether any of that
can be observed; ``site_safety`` computes it from the code around the loop.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import libcst as cst

from perf_lint import frames, syntax, traversal
from perf_lint.context import FileContext
from perf_lint.rule import Fix, Rule
from perf_lint.scopes import OwnScopeVisitor, Scope, ScopeNames, VariableVisitor, target_names
from perf_lint.targets import OLDEST_TARGET, TARGET_VERSIONS

Level = Union[cst.For, cst.If]

#: Names a comprehension body cannot use as the loop body did (before
#: Python 3.12, zero-argument ``super()`` fails inside a comprehension).
_FRAME_BOUND = frozenset({"super", "__class__"})
# Pre-filter patterns of the loop rules. A letter that can end a number
# literal may come right before a keyword (``[1jfor x in y]`` is ``1j for``).
FOR = r"(?<![g-ik-zG-IK-Z_])for(?!\w)"
FOR_OR_WHILE = r"(?<![g-ik-zG-IK-Z_])(?:for|while)(?!\w)"
#: ``d[k] = v``: a closing bracket, then (past blanks, continuations, closing
#: parentheses and comments) ``=`` that is not ``==``.
SETITEM = r"\](?:[\s\\)]|#[^\n]*\n)*=(?!=)"

#: ruff's default "dummy variable" pattern: ``_``, ``__``, ``_unused``.
DUMMY = re.compile(r"^(_+|(_+[a-zA-Z0-9_]*[a-zA-Z0-9]+?))$")


# -- the shape of a filling loop, on the ast (the pre-filter) ----------------------

#: The ``ast`` nodes a loop rule reports at.
LOOP_NODES = (ast.For, ast.AsyncFor)


def _innermost(node: ast.AST) -> Optional[ast.AST]:
    """The statement at the bottom of ``for``/``if`` levels holding one
    statement each and no ``else`` (``match_filling``'s descent)."""
    while isinstance(node, (ast.For, ast.AsyncFor, ast.If)):
        if node.orelse or len(node.body) != 1:
            return None
        node = node.body[0]
    return node


def _method_called(node: ast.AST) -> Optional[str]:
    inner = _innermost(node)
    if type(inner) is ast.Expr:
        call = inner.value  # type: ignore[attr-defined]
        if type(call) is ast.Call and type(call.func) is ast.Attribute:
            return call.func.attr  # type: ignore[no-any-return]
    return None


def appends(node: ast.AST, source: str) -> bool:
    """The shape of PRF401 and PRF402: the innermost body calls ``append``."""
    return _method_called(node) == "append"


def adds(node: ast.AST, source: str) -> bool:
    """The shape of PRF404: the innermost body calls ``add``."""
    return _method_called(node) == "add"


def stores_items(node: ast.AST, source: str) -> bool:
    """The shape of PRF403: the innermost body is ``x[k] = v``."""
    inner = _innermost(node)
    if type(inner) is not ast.Assign:
        return False
    targets = inner.targets  # type: ignore[attr-defined]
    return len(targets) == 1 and type(targets[0]) is ast.Subscript


# -- the shape of a filling loop ---------------------------------------------------


class Filling(NamedTuple):
    """A ``for`` loop whose innermost body only adds to one container.

    ``levels`` are the loop and the nested ``for``/``if`` statements down to
    the innermost statement ``leaf``; ``method`` is ``append``, ``add`` or
    ``setitem``; ``element`` is what is added (``key`` too for ``setitem``)."""

    loop: cst.For
    levels: Tuple[Level, ...]
    leaf: cst.BaseSmallStatement
    method: str
    receiver: cst.BaseExpression
    element: cst.BaseExpression
    key: Optional[cst.BaseExpression] = None
    #: The original nodes the key is made of (``d[a, b]`` has no tuple node).
    key_parts: Tuple[cst.CSTNode, ...] = ()

    @property
    def receiver_name(self) -> Optional[str]:
        return self.receiver.value if isinstance(self.receiver, cst.Name) else None


def _only_statement(body: cst.BaseSuite) -> Optional[cst.CSTNode]:
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body[0] if len(body.body) == 1 else None
    if isinstance(body, cst.IndentedBlock) and len(body.body) == 1:
        statement = body.body[0]
        if isinstance(statement, cst.SimpleStatementLine):
            return statement.body[0] if len(statement.body) == 1 else None
        return statement
    return None


def match_filling(loop: cst.For) -> Optional[Filling]:
    """The loop's shape, when its innermost body only fills a container."""
    levels: List[Level] = []
    node: cst.CSTNode = loop
    while isinstance(node, (cst.For, cst.If)):
        if node.orelse is not None:
            return None
        levels.append(node)
        inner = _only_statement(node.body)
        if inner is None:
            return None
        node = inner
    if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
        call = node.value
        if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in (
            "append",
            "add",
        ):
            return None
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return None
        return Filling(
            loop, tuple(levels), node, call.func.attr.value, call.func.value, call.args[0].value
        )
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
        if not isinstance(target, cst.Subscript):
            return None
        parts = []
        for element in target.slice:
            index = element.slice
            if not isinstance(index, cst.Index) or index.star is not None:
                return None
            parts.append(index.value)
        key: cst.BaseExpression = parts[0]
        if len(parts) > 1 or isinstance(target.slice[0].comma, cst.Comma):
            commas = [cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))] * (len(parts) - 1)
            key = cst.Tuple(
                elements=[
                    cst.Element(value=part, comma=comma)
                    for part, comma in zip(parts, [*commas, cst.Comma()])
                ]
                if len(parts) == 1
                else [
                    cst.Element(value=part, comma=comma)
                    for part, comma in zip(parts, [*commas, cst.MaybeSentinel.DEFAULT])
                ]
            )
        return Filling(
            loop, tuple(levels), node, "setitem", target.value, node.value, key, tuple(parts)
        )
    return None


def init_value(statement: cst.CSTNode, name: str) -> Optional[cst.BaseExpression]:
    """The value of ``statement`` when it is ``name = value`` or
    ``name: annotation = value``, alone on its line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None
    if isinstance(target, cst.Name) and target.value == name:
        return value
    return None


def is_empty(value: cst.BaseExpression, kind: str, builtin: bool) -> bool:
    """``value`` is ``[]``/``list()``, ``{}``/``dict()`` or ``set()`` (``kind``);
    ``builtin`` tells whether the file leaves the constructor's name alone."""
    displays = {"list": cst.List, "dict": cst.Dict}
    display = displays.get(kind)
    if display is not None and isinstance(value, display) and not value.elements:
        return True
    return (
        builtin
        and isinstance(value, cst.Call)
        and not value.args
        and isinstance(value.func, cst.Name)
        and value.func.value == kind
    )


# -- where a loop is -----------------------------------------------------------------


class Site(NamedTuple):
    """Where a ``for`` statement is: its scope, and the statements of its
    block (``block``), of which it is the one at ``index``."""

    scope: Scope
    block: Sequence[cst.CSTNode]
    index: int

    @property
    def previous(self) -> Optional[cst.CSTNode]:
        """The statement just before the loop in its block (``None`` when
        it is the first)."""
        return self.block[self.index - 1] if self.index else None


_CLAUSES = (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase, cst.If)


def _suites(node: cst.CSTNode) -> Iterator[cst.IndentedBlock]:
    """The indented blocks of a compound statement (``elif``, ``else``,
    handlers and cases included)."""
    for child in traversal.children(node):
        if isinstance(child, cst.IndentedBlock):
            yield child
        elif isinstance(child, _CLAUSES):
            yield from _suites(child)


def _collect_sites(body: Sequence[cst.CSTNode], scope: Scope, sites: Dict[cst.For, Site]) -> None:
    """Visit statements only (never expressions): cheap next to a full walk."""
    for index, statement in enumerate(body):
        if isinstance(statement, cst.For):
            sites[statement] = Site(scope, body, index)
        if isinstance(statement, cst.SimpleStatementLine):
            continue
        inner = statement if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) else scope
        for block in _suites(statement):
            _collect_sites(block.body, inner, sites)  # type: ignore[arg-type]


class _Exits(OwnScopeVisitor):
    """Finds a ``break`` or ``continue`` that leaves the statement visited
    (one inside a nested loop, function or class ends there)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Break(self, node: cst.Break) -> None:
        self.found = True

    def visit_Continue(self, node: cst.Continue) -> None:
        self.found = True

    def _loop(self, node: Union[cst.For, cst.While]) -> bool:
        # A loop's own body ends its breaks; its ``else`` clause does not.
        if node.orelse is not None:
            traversal.visit(node.orelse, self)
        return False

    def visit_For(self, node: cst.For) -> bool:
        return self._loop(node)

    def visit_While(self, node: cst.While) -> bool:
        return self._loop(node)


def _leaves_the_block(statement: cst.CSTNode) -> bool:
    """``statement`` holds a ``break`` or ``continue`` of an enclosing loop."""
    finder = _Exits()
    traversal.visit(statement, finder)
    return finder.found


class LoopFacts:
    """The facts of one file the loop rules share (computed once)."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.sites: Dict[cst.For, Site] = {}
        _collect_sites(context.module.body, context.module, self.sites)
        #: Each loop's shape (``match_filling``), read once for every rule.
        self.fillings: Dict[cst.For, Optional[Filling]] = {}
        #: Nested ``for`` levels of a filling loop: part of that loop's
        #: comprehension, never reported on their own.
        self.inner: Set[cst.CSTNode] = set()
        self._statements: Dict[cst.CSTNode, Tuple[FrozenSet[str], bool]] = {}
        for loop in self.sites:
            filling = self.fillings[loop] = match_filling(loop)
            if filling is not None:
                self.inner.update(filling.levels[1:])

    def filling(self, loop: cst.For) -> Optional[Filling]:
        """``match_filling(loop)``, read once per file."""
        if loop not in self.fillings:
            self.fillings[loop] = match_filling(loop)
        return self.fillings[loop]

    def fresh_init(self, site: Site, name: str) -> Optional[cst.CSTNode]:
        """The statement ``name = ...`` (alone on its line) that the fixes of
        the loop at ``site`` start from: the one just before the loop, or an
        earlier one of the same block when the statements in between cannot
        see what ``name`` holds: none of them names it (in nested functions
        and comprehensions too), and none has a ``break`` or ``continue``
        that could skip the loop and run code that reads ``name`` before its
        next binding. ``None`` when there is no such statement."""
        for position in range(site.index - 1, -1, -1):
            statement = site.block[position]
            if init_value(statement, name) is not None:
                return statement
            names, leaves = self._statement_facts(statement)
            if name in names or leaves:
                return None
        return None

    def _statement_facts(self, statement: cst.CSTNode) -> Tuple[FrozenSet[str], bool]:
        """The names a statement uses and whether it breaks or continues an
        enclosing loop (read once per statement)."""
        found = self._statements.get(statement)
        if found is None:
            finder = _Names()
            traversal.visit(statement, finder)
            found = self._statements[statement] = (
                frozenset(finder.names),
                _leaves_the_block(statement),
            )
        return found

    @classmethod
    def of(cls, context: FileContext) -> LoopFacts:
        key = ("loop-facts",)
        if key not in context.cache:
            context.cache[key] = cls(context)
        return context.cache[key]  # type: ignore[no-any-return]

    def names(self, scope: Scope) -> ScopeNames:
        return self.context.scopes.names(scope)

    def builtin(self, name: str) -> bool:
        return self.context.facts.is_builtin(name)


# -- safety -----------------------------------------------------------------------------


class MarkedBodies(Rule):
    """A rule that marks suites (``mark``: a loop's body, a ``try``'s
    body...) and asks, for the node being visited, how many marked suites
    are around it in its own scope (``inside()``): a frame of ``RESTART``
    kinds (``perf_lint.frames``: a function, class or lambda, whose body
    runs apart from the code around it) starts a count of its own."""

    #: The frame kinds whose nodes start a count of their own.
    RESTART: FrozenSet[str] = frozenset({frames.FUNCTION, frames.CLASS})

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.marked: Set[cst.CSTNode] = set()
        restart = self.RESTART
        self._restarts: Callable[[frames.Frame], bool] = lambda frame: frame.kind in restart

    def mark(self, body: cst.BaseSuite) -> None:
        self.marked.add(body)

    def inside(self) -> int:
        return self.context.scopes.marked(self.marked, self._restarts)


class Safety(NamedTuple):
    """Whether a comprehension can replace the loop: ``fixable`` (a fix can
    be offered at all) and ``safe`` (it never changes behaviour)."""

    fixable: bool
    safe: bool


NO_FIX = Safety(False, False)


def _plain_target(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(_plain_target(element.value) for element in node.elements)
    if isinstance(node, cst.StarredElement):
        return isinstance(node.value, cst.Name)
    return False


def comprehension_parts(filling: Filling) -> List[cst.CSTNode]:
    """The parts of the loop that run inside the comprehension's scope:
    every iterable but the first, the conditions and the element."""
    parts: List[cst.CSTNode] = []
    for level in filling.levels:
        if isinstance(level, cst.For):
            if level is not filling.loop:
                parts.append(level.iter)
        else:
            parts.append(level.test)
    if filling.key is not None:
        parts.append(filling.key)
    parts.append(filling.element)
    return parts


class _Finder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.kinds: Set[type] = set()
        self.names: Set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.kinds.add(type(node))
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        return True


def _contents(nodes: Sequence[cst.CSTNode]) -> _Finder:
    finder = _Finder()
    for node in nodes:
        traversal.visit(node, finder)
    return finder


def _reads_unbound_target(filling: Filling) -> bool:
    """A loop variable read where the comprehension has not bound it yet:
    in the loop's own iterable, or a nested level's iterable or condition
    before the level that binds it."""
    bound: Set[str] = set()
    every: Set[str] = set()
    for level in filling.levels:
        if isinstance(level, cst.For):
            every.update(target_names(level.target))
    for level in filling.levels:
        if isinstance(level, cst.For):
            if _contents([level.iter]).names & (every - bound):
                return True
            bound.update(target_names(level.target))
        elif _contents([level.test]).names & (every - bound):
            return True
    return False


def loop_safety(facts: LoopFacts, filling: Filling, site: Site, accumulator: str) -> Safety:
    """Whether the loop can become a comprehension assigned to (or extending)
    ``accumulator``, and whether that is safe. See PRF401's "Fix safety"."""
    loop = filling.loop
    if isinstance(site.scope, cst.ClassDef):
        return NO_FIX
    targets: List[str] = []
    for level in filling.levels:
        if isinstance(level, cst.For):
            if not _plain_target(level.target):
                return NO_FIX
            targets.extend(target_names(level.target))
    inside = _contents(comprehension_parts(filling))
    if (inside.kinds | _contents([loop.iter]).kinds) & {cst.Yield, cst.NamedExpr}:
        return NO_FIX
    if isinstance(site.scope, cst.Module):
        return Safety(True, False)
    names = facts.names(site.scope)
    if any(names.read_outside(t, loop) for t in targets):
        # The loop variable is read (or deleted) after the loop, a handler
        # included: a comprehension does not bind it there (NameError,
        # UnboundLocalError or another value). No fix at all.
        return NO_FIX
    safe = not (
        cst.Await in inside.kinds
        or inside.names & _FRAME_BOUND
        or names.introspective
        or names.guarded(loop)
        or accumulator in names.declared
        or any(use.role == "nested" for use in names.uses.get(accumulator, ()))
        or any(t in names.declared for t in targets)
        or any(names.read_elsewhere(t, loop) for t in targets)
        or _reads_unbound_target(filling)
    )
    return Safety(True, safe)


def references_inside(filling: Filling, name: str) -> bool:
    """``name`` is used in the loop other than as the receiver that the
    loop fills."""
    finder = _Counter(name)
    traversal.visit(filling.loop, finder)
    return finder.count > 1


class _Names(VariableVisitor):
    """The variable names in a node (as ``_Counter`` counts them: not
    attribute names, nor keyword argument names)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _Counter(VariableVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.count = 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1


# -- building the replacement -------------------------------------------------------------

_CLAUSE_PARENS = (cst.IfExp, cst.Lambda, cst.Yield, cst.NamedExpr, cst.Tuple)
_ELEMENT_PARENS = (cst.Lambda, cst.Yield, cst.NamedExpr, cst.Tuple)


def parenthesized(node: cst.BaseExpression, element: bool = False) -> cst.BaseExpression:
    """``node`` with parentheses where a comprehension needs them: around a
    bare tuple, a lambda, a conditional expression in a ``for``/``if``
    clause."""
    kinds = _ELEMENT_PARENS if element else _CLAUSE_PARENS
    if isinstance(node, kinds) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def comp_for(filling: Filling) -> cst.CompFor:
    """The ``for ... if ...`` clauses of the comprehension."""
    inner: Optional[cst.CompFor] = None
    conditions: List[cst.CompIf] = []
    for level in reversed(filling.levels):
        if isinstance(level, cst.If):
            conditions.insert(0, cst.CompIf(test=parenthesized(level.test)))
            continue
        inner = cst.CompFor(
            target=level.target,
            iter=parenthesized(level.iter),
            ifs=conditions,
            inner_for_in=inner,
            asynchronous=cst.Asynchronous() if level.asynchronous is not None else None,
        )
        conditions = []
    assert inner is not None
    return inner


class _Comments(cst.CSTVisitor):
    def __init__(self, skip: Sequence[cst.CSTNode]) -> None:
        super().__init__()
        self.skip = set(map(id, skip))
        self.found: List[cst.Comment] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.skip:
            return False
        if isinstance(node, cst.Comment):
            self.found.append(node)
        return True


def moved_comments(node: cst.CSTNode, kept: Sequence[cst.CSTNode]) -> List[cst.EmptyLine]:
    """The comments of ``node`` outside the ``kept`` parts, as lines of their
    own (a fix moves them above the new statement)."""
    finder = _Comments(kept)
    traversal.visit(node, finder)
    return [
        cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=comment)
        for comment in finder.found
    ]


def kept_parts(filling: Filling) -> List[cst.CSTNode]:
    """The parts of the loop that the comprehension reuses as they are."""
    parts: List[cst.CSTNode] = [filling.element, *filling.key_parts]
    for level in filling.levels:
        if isinstance(level, cst.For):
            parts += [level.target, level.iter]
        else:
            parts.append(level.test)
    return parts


def header_comment(loop: cst.For) -> Optional[cst.Comment]:
    """The comment that ends the loop's first line (``for x in xs:  # c``),
    which a fix keeps at the end of the statement that replaces the loop."""
    body = loop.body
    if isinstance(body, cst.IndentedBlock):
        return body.header.comment
    if isinstance(body, cst.SimpleStatementSuite):
        return body.trailing_whitespace.comment
    return None


def loop_comments(filling: Filling, trailing: Optional[cst.Comment] = None) -> List[cst.EmptyLine]:
    """The loop's own leading lines and, below them, every comment the
    comprehension does not carry (but ``trailing``, kept at the end of the
    new statement)."""
    loop = filling.loop
    kept = kept_parts(filling) + ([trailing] if trailing is not None else [])
    body_comments = moved_comments(loop.with_changes(leading_lines=()), kept)
    return [*loop.leading_lines, *body_comments]


def parses(statement: cst.CSTNode) -> bool:
    """The new statement is valid Python on its own (a last guard; Python's
    parser answers in a fraction of libcst's time, and the fix loop checks
    what libcst makes of the fixed file)."""
    return syntax.parse(cst.Module(body=[]).code_for_node(statement)) is not None


def inert(node: cst.BaseExpression, targets: Set[str]) -> bool:
    """Evaluating ``node`` can neither raise nor have an effect: a constant,
    a loop variable (always bound in the body), a tuple of those."""
    if isinstance(node, cst.Name):
        return node.value in targets or node.value in ("None", "True", "False")
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return inert(node.left, targets) and inert(node.right, targets)  # type: ignore[arg-type]
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(element, cst.Element) and inert(element.value, targets)
            for element in node.elements
        )
    return False


def loop_targets(filling: Filling) -> Set[str]:
    names: Set[str] = set()
    for level in filling.levels:
        if isinstance(level, cst.For):
            names.update(target_names(level.target))
    return names


@dataclasses.dataclass(frozen=True)
class ComprehensionOptions:
    """Options of the rules whose fix writes a comprehension."""

    target_version: str = dataclasses.field(
        default=OLDEST_TARGET,
        metadata={
            "help": "the oldest Python the code runs on (ruff's key and values); the "
            "comprehension fix is offered from py312 on, where a comprehension is "
            "inlined (PEP 709). Default: the lower bound of `[project] requires-python`, "
            f"else {OLDEST_TARGET}",
            "choices": TARGET_VERSIONS,
        },
    )
    line_length: int = dataclasses.field(
        default=88,
        metadata={
            "min": 1,
            "help": "the longest line a comprehension fix writes on one line; a longer one "
            "is broken as black breaks it, one clause per line. Default: `line-length` "
            "of `[tool.ruff]`, else of `[tool.black]` in the same pyproject.toml, else 88",
        },
    )


#: The first ``target-version`` that inlines comprehensions (PEP 709): before
#: it a comprehension is a function call, and the loop it replaces is faster
#: up to about ten items (``bench/fix_speed.py``).
INLINED_COMPREHENSIONS = "py312"


#: ``Invalid.options`` of the examples whose comprehension fix is offered.
PY312 = (("target-version", INLINED_COMPREHENSIONS),)


def inlines_comprehensions(target_version: str) -> bool:
    """Every Python from ``target_version`` on inlines comprehensions."""
    return TARGET_VERSIONS.index(target_version) >= TARGET_VERSIONS.index(INLINED_COMPREHENSIONS)


class FreshContainerLoop(Rule):
    """Base of PRF401, PRF403 and PRF404 (not registered itself): an empty
    container created just before a loop that only fills it. A subclass
    with no fix (``Fix.NONE``, PRF403) only reports."""

    KIND: ClassVar[str]
    METHOD: ClassVar[str]
    FIX = Fix.SAFE_WHEN_PROVEN
    OPTIONS = ComprehensionOptions

    def visit_For(self, node: cst.For) -> None:
        facts = LoopFacts.of(self.context)
        site = facts.sites.get(node)
        filling = facts.filling(node)
        if site is None or filling is None or node in facts.inner:
            return
        name = filling.receiver_name
        if filling.method != self.METHOD or name is None:
            return
        init = facts.fresh_init(site, name)
        value = init_value(init, name) if init is not None else None
        if value is None or not is_empty(value, self.KIND, facts.builtin(self.KIND)):
            return
        if references_inside(filling, name):
            return
        safety = loop_safety(facts, filling, site, name)
        safe = safety.safe
        if filling.key is not None and safe:
            # `d[k] = v` evaluates v first, `{k: v ...}` k first.
            targets = loop_targets(filling)
            safe = inert(filling.key, targets) or inert(filling.element, targets)
        fixable = (
            self.FIX is not Fix.NONE
            and safety.fixable
            and inlines_comprehensions(self.options.target_version)
        )
        replacement = self._statement(filling, init) if fixable else None
        if replacement is not None and not parses(replacement):
            replacement = None
        self.report(
            node,
            replacement=replacement,
            safe=safe,
            removals=(init,),
            name=name,
        )

    def _comprehension(self, filling: Filling) -> cst.BaseExpression:
        for_in = comp_for(filling)
        element = parenthesized(filling.element, element=True)
        if self.KIND == "list":
            return cst.ListComp(elt=element, for_in=for_in)
        if self.KIND == "set":
            return cst.SetComp(elt=element, for_in=for_in)
        assert filling.key is not None
        key = parenthesized(filling.key, element=True)
        return cst.DictComp(key=key, value=element, for_in=for_in)

    def _statement(self, filling: Filling, init: cst.CSTNode) -> cst.SimpleStatementLine:
        assert isinstance(init, cst.SimpleStatementLine)
        small = init.body[0]
        value = small.value  # type: ignore[attr-defined]
        # The loop line's trailing comment (another tool's suppression
        # comment, a note on the loop) stays trailing, on the new
        # statement, unless that line has a comment of its own.
        trailing = header_comment(filling.loop)
        if init.trailing_whitespace.comment is not None:
            trailing = None
        leading = [
            *init.leading_lines,
            *moved_comments(value, ()),
            *loop_comments(filling, trailing),
        ]
        comprehension = self._comprehension(filling)
        changes: Dict[str, Any] = {
            "body": [small.with_changes(value=comprehension)],
            "leading_lines": leading,
        }
        if trailing is not None:
            changes["trailing_whitespace"] = init.trailing_whitespace.with_changes(
                whitespace=cst.SimpleWhitespace("  "), comment=trailing
            )
        statement = init.with_changes(**changes)
        if self._too_long(statement):
            wrapped = wrapped_comprehension(comprehension)
            if wrapped is not None:
                changes["body"] = [small.with_changes(value=wrapped)]
                statement = init.with_changes(**changes)
        return statement

    def _too_long(self, statement: cst.SimpleStatementLine) -> bool:
        """A line of ``statement`` (its comments above it aside) is longer
        than ``line-length`` where it stands."""
        module = self.context.module
        indent = len(self.context.scopes.indentation(module))
        code = module.code_for_node(statement.with_changes(leading_lines=()))
        return any(indent + len(line) > self.options.line_length for line in code.splitlines())


def _broken(last_line: str) -> cst.ParenthesizedWhitespace:
    """A line break, then the statement's indentation and ``last_line``."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[],
        indent=True,
        last_line=cst.SimpleWhitespace(last_line),
    )


def wrapped_comprehension(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """``node`` (a comprehension the fix wrote on one line) broken as black
    breaks a long one: the element, each ``for`` and each ``if`` on a line
    of its own, four spaces in from the statement, the closing bracket
    back at the statement's indentation. ``None`` for a comprehension whose
    parts already span lines (a comment or line break the fix kept), which
    is left as it is."""
    inner = "    "
    comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
    clauses: List[cst.CompFor] = []
    while comp is not None:
        if any(
            not isinstance(ws, cst.SimpleWhitespace)
            for ws in (comp.whitespace_before, comp.whitespace_after_for)
        ):
            return None
        clauses.append(comp)
        comp = comp.inner_for_in
    rebuilt: Optional[cst.CompFor] = None
    for clause in reversed(clauses):
        ifs = [part.with_changes(whitespace_before=_broken(inner)) for part in clause.ifs]
        rebuilt = clause.with_changes(
            whitespace_before=_broken(inner), ifs=ifs, inner_for_in=rebuilt
        )
    opening = _broken(inner)
    closing = _broken("")
    if isinstance(node, cst.ListComp):
        return node.with_changes(
            for_in=rebuilt,
            lbracket=cst.LeftSquareBracket(whitespace_after=opening),
            rbracket=cst.RightSquareBracket(whitespace_before=closing),
        )
    if isinstance(node, (cst.SetComp, cst.DictComp)):
        return node.with_changes(
            for_in=rebuilt,
            lbrace=cst.LeftCurlyBrace(whitespace_after=opening),
            rbrace=cst.RightCurlyBrace(whitespace_before=closing),
        )
    return None


def _list_annotation(node: Optional[cst.BaseExpression]) -> bool:
    if isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Attribute):
        node = node.attr
    return isinstance(node, cst.Name) and node.value in ("list", "List")


def _list_value(node: Optional[cst.BaseExpression]) -> bool:
    if isinstance(node, (cst.List, cst.ListComp)):
        return True
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value in ("list", "sorted")
    )


def bound_to_list(facts: LoopFacts, scope: Scope, name: str) -> bool:
    """Some binding of ``name`` in ``scope`` is a list: a list display,
    comprehension, ``list()`` or ``sorted()`` call, or a ``list``/``List``
    annotation (of a parameter too)."""
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation
            if param.name.value == name and annotation is not None:
                return _list_annotation(annotation.annotation)
    names = facts.names(scope)
    for use in names.uses.get(name, ()):
        if use.role != "store":
            continue
        parent = names.parents.get(use.node)
        if isinstance(parent, cst.AssignTarget):
            statement = names.parents.get(parent)
            if isinstance(statement, cst.Assign) and _list_value(statement.value):
                return True
        elif isinstance(parent, cst.AnnAssign) and (
            _list_annotation(parent.annotation.annotation) or _list_value(parent.value)
        ):
            return True
    return False


def comments_outside(node: cst.CSTNode, kept: Sequence[cst.CSTNode]) -> bool:
    """``node`` has a comment outside the ``kept`` parts."""
    finder = _Comments(kept)
    traversal.visit(node, finder)
    return bool(finder.found)


def uses_inside(node: cst.CSTNode, name: str) -> int:
    """How many times ``name`` occurs in ``node``."""
    counter = _Counter(name)
    traversal.visit(node, counter)
    return counter.count
