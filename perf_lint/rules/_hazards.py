"""What the loop-hazard rules (PRF103, PRF502-PRF505) share: where a loop
repeats work, and what a loop changes from one iteration to the next.

"Inside a loop" is defined once, in ``perf_lint.repeats`` (the ``ast``
side: ``summary`` records which hazards occur in a loop's ``region``, one
walk per loop for all the rules, cached for the consecutive calls of their
predicates on the same node) and answered during the traversal by the
file's context (``perf_lint.frames``): ``LoopRule.loop()`` is its innermost
repeating loop of the visited node, of the kinds the rule reports in.

"Depends on the loop" (``LoopScan``): an expression depends on a loop when
it reads a name the loop binds (its target, or any name assigned in it:
``=``, ``+=``, ``:=``, ``with ... as``, ``except ... as``, nested loop
targets, imports, definitions) or an attribute or variable that the loop
changes (``self.x = ...``, ``x[i] = ...``, ``x.append(...)`` and other
mutating methods).
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from perf_lint import repeats, syntax, traversal
from perf_lint.frames import Frame
from perf_lint.rule import Rule
from perf_lint.scopes import (
    OwnScopeVisitor,
    Scope,
    ScopeNames,
    VariableVisitor,
    all_params,
    dotted,
    last_part,
    target_names,
)


def words(text: str) -> FrozenSet[str]:
    """The words of ``text``, as a set."""
    return frozenset(text.split())


# -- the ast side: the pre-filter --------------------------------------------------

# Hazard bits of ``summary`` (PRF103 has a shape of its own).
OPEN = 2  # PRF502: open(...), .open(), .read_text() ...
QUERY = 4  # PRF503: a database call
AWAIT_CALL = 8  # PRF504: `await f(...)`
POP_FRONT = 16  # PRF505: `.pop(0)`, `.insert(0, x)`

#: ``.open()`` and the ``pathlib`` methods that open a file.
PATH_IO_METHODS = frozenset({"read_text", "write_text", "read_bytes", "write_bytes"})
#: Django manager and queryset methods that run (or build) a query; the
#: batched ones (``bulk_create``, ``in_bulk``...) are left out.
DJANGO_METHODS = words(
    "get filter exclude all first last count exists contains create get_or_create"
    " update_or_create update delete aggregate annotate values values_list earliest latest"
    " order_by distinct select_related prefetch_related only defer iterator raw aget acreate"
    " aget_or_create aupdate_or_create acount aexists acontains afirst alast aaggregate aupdate"
    " adelete aearliest alatest aiterator using"
)
#: The attributes of a model class that are managers.
DJANGO_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
#: Names a queryset is usually held under.
QUERYSET_NAMES = frozenset({"queryset", "qs"})
#: SQLAlchemy ``Session`` methods that run a query (``get`` is told from
#: ``requests.Session.get`` by its arguments: a model class, then a key).
SESSION_METHODS = frozenset({"execute", "scalar", "scalars", "query", "get", "get_one"})
#: Text found in every file in which a name holds a manager or queryset
#: (it is bound to an expression that names one: `.objects`,
#: `._default_manager`, `.item_set`, `get_queryset()`).
_DJANGO_HINT = re.compile(
    # `.objects`, with blanks, continuations or comments after the dot.
    r"\.(?:[\s\\]|#[^\n]*\n)*objects\b|_manager\b|_set\b|queryset\b"
)

_LAST_SUMMARY: Tuple[object, int] = (None, 0)
_LAST_HINT: Tuple[object, bool] = (None, False)


def is_capwords(name: str) -> bool:
    """``User``, ``BlogPost``: a class by convention (not ``URL``, ``API_KEY``)."""
    return name[:1].isupper() and any(char.islower() for char in name)


def _django_hint(source: str) -> bool:
    """Whether ``source`` names a manager or ``get_queryset`` (a queryset
    held under an arbitrary name comes from one of them)."""
    global _LAST_HINT
    cached = _LAST_HINT
    if cached[0] is source:
        return cached[1]
    found = _DJANGO_HINT.search(source) is not None
    _LAST_HINT = (source, found)
    return found


def _hazard(node: ast.AST, source: str, targets: FrozenSet[str]) -> int:
    """The hazard bits of one node of a loop's region (``targets``: the
    names the loop's own target binds)."""
    kind = type(node)
    if kind is ast.Await:
        return AWAIT_CALL if type(node.value) is ast.Call else 0  # type: ignore[attr-defined]
    if kind is not ast.Call:
        return 0
    func = node.func  # type: ignore[attr-defined]
    args = node.args  # type: ignore[attr-defined]
    if type(func) is ast.Name:
        return OPEN if func.id == "open" and _opens(node, targets) else 0  # type: ignore[arg-type]
    if type(func) is not ast.Attribute:
        return 0
    attr = func.attr
    if attr == "open":
        return OPEN
    if attr in PATH_IO_METHODS:
        receiver = func.value
        return 0 if type(receiver) is ast.Name and receiver.id in targets else OPEN
    if attr == "pop" or attr == "insert":
        wanted = 1 if attr == "pop" else 2
        if len(args) == wanted and not node.keywords:  # type: ignore[attr-defined]
            first = args[0]
            if type(first) is ast.Constant and type(first.value) is int and first.value == 0:
                return POP_FRONT
        return 0
    found = 0
    if attr in SESSION_METHODS and (
        attr != "get" or (len(args) >= 2 and is_capwords(syntax.last_part(args[0])))
    ):
        found = QUERY
    elif attr in DJANGO_METHODS:
        receiver = func.value
        last = syntax.last_part(receiver)
        if (
            last in DJANGO_MANAGERS
            or last.endswith("_set")
            or last in QUERYSET_NAMES
            or (type(receiver) is ast.Call and syntax.last_part(receiver.func) == "get_queryset")  # type: ignore[attr-defined]
            or (type(receiver) is ast.Name and _django_hint(source))
        ):
            found = QUERY
    return found


def _opens(call: ast.Call, targets: FrozenSet[str]) -> bool:
    """``open(path, mode)`` may be reported: the path is not the loop
    variable itself, and the mode, if any, is a string literal that neither
    truncates nor creates the file."""
    args = call.args
    if any(type(arg) is ast.Starred for arg in args):
        return True
    path: Optional[ast.AST] = args[0] if args else None
    mode: Optional[ast.AST] = args[1] if len(args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "file":
            path = keyword.value
        elif keyword.arg == "mode":
            mode = keyword.value
    if type(path) is ast.Name and path.id in targets:  # type: ignore[union-attr]
        return False
    if mode is None:
        return True
    text = mode.value if type(mode) is ast.Constant else None  # type: ignore[attr-defined]
    return isinstance(text, str) and "w" not in text and "x" not in text


def _targets(loop: ast.AST) -> FrozenSet[str]:
    kind = type(loop)
    if kind is ast.For or kind is ast.AsyncFor:
        return frozenset(syntax.target_names(loop.target))  # type: ignore[attr-defined]
    if kind is ast.While:
        return frozenset()
    return frozenset(
        name
        for generator in loop.generators  # type: ignore[attr-defined]
        for name in syntax.target_names(generator.target)
    )


def summary(loop: ast.AST, source: str) -> int:
    """The hazard bits found in ``loop``'s region. The rules' predicates run
    one after the other on the same node, so one entry of cache is enough."""
    global _LAST_SUMMARY
    cached = _LAST_SUMMARY
    if cached[0] is loop:
        return cached[1]
    found = 0
    targets = _targets(loop)
    for node in repeats.region(loop):
        found |= _hazard(node, source, targets)
    _LAST_SUMMARY = (loop, found)
    return found


def sync_loop(node: ast.AST) -> bool:
    """A ``for`` statement or a comprehension without ``async for``."""
    kind = type(node)
    if kind is ast.For:
        return True
    if kind in repeats.COMPREHENSIONS:
        return not any(generator.is_async for generator in node.generators)  # type: ignore[attr-defined]
    return False


# -- the libcst side: where the visited node is ------------------------------------------

_COMPS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class LoopRule(Rule):
    """Base of the loop-hazard rules (not registered itself): asks the
    file's context (``perf_lint.frames``) for the loop of the visited node."""

    #: The loop kinds (``Frame.label``) in which the rule reports.
    LOOP_KINDS: ClassVar[FrozenSet[str]] = frozenset(
        {"for", "async for", "while", "comprehension", "async comprehension"}
    )

    def loop(self) -> Optional[Frame]:
        """The innermost loop of the visited node in its function (``None``
        outside loops, or when that loop is not of ``LOOP_KINDS``)."""
        frame = self.context.scopes.loop()
        return frame if frame is not None and frame.label in self.LOOP_KINDS else None

    # -- shared questions -----------------------------------------------------------
    def scope(self) -> Scope:
        """The innermost function, class or module around the visited node."""
        return self.context.scopes.scope()

    def names(self) -> ScopeNames:
        return self.context.scopes.names(self.scope())

    def fixed_count(self) -> bool:
        """Every loop that repeats the visited node (in its function)
        iterates a display or a ``range`` of constants, or a name bound only
        to one: the number of iterations is written in the code."""
        found = False
        for frame in self.context.scopes.loops():
            iterable = loop_iterable(frame)
            if iterable is None or not self._literal(iterable):
                return False
            found = True
        return found

    def _literal(self, node: cst.CSTNode) -> bool:
        if literal_iterable(node):
            return True
        if not isinstance(node, cst.Name):
            return False
        names = self.names()
        bindings = binding_values(names, self.scope(), node.value)
        if not bindings or not all(
            kind == "value" and value is not None and literal_iterable(value)
            for kind, value in bindings  # type: ignore[union-attr]
        ):
            return False
        # ...and never grown (`names.append(...)`, `names += ...`).
        for use in names.uses.get(node.value, ()):
            parent = names.parents.get(use.node)
            if isinstance(parent, cst.AugAssign) or (
                isinstance(parent, cst.Attribute) and parent.attr.value in MUTATORS
            ):
                return False
        return True

    def scan(self, frame: Frame) -> LoopScan:
        """What the loop of ``frame`` changes (computed once per loop)."""
        key = ("hazard-loop-scan", frame.node)
        found = self.context.cache.get(key)
        if found is None:
            found = self.context.cache[key] = LoopScan(frame.node)
        return found  # type: ignore[no-any-return]


# -- what a loop changes -------------------------------------------------------------------

#: Methods that change the object they are called on.
MUTATORS = words(
    "append appendleft extend extendleft insert pop popleft popitem remove clear update add"
    " discard setdefault sort reverse rotate __setitem__ __delitem__"
)


class LoopScan:
    """What one loop changes: ``bound`` (names bound by its target or
    assigned in its repeated part), ``changed`` (dotted names of objects
    and attributes it assigns or mutates), ``carried`` (names assigned in
    the loop whose value a later iteration can read: a read that not every
    way through the body from its start assigns first, such as ``+=``
    or a name assigned in one branch of an ``if`` and read in another),
    ``exits`` (a ``break`` of this loop or a ``return`` in it) and
    ``sleeps`` (a call to a function named ``sleep``)."""

    def __init__(self, loop: cst.CSTNode) -> None:
        self.targets: Set[str] = set()
        self.bound: Set[str] = set()
        self.changed: Set[str] = set()
        #: Dotted names of the attributes and items it assigns.
        self.assigned: Set[str] = set()
        self.carried: Set[str] = set()
        self.exits = False
        self.sleeps = False
        #: Every call in the loop's repeated part, and every awaited one.
        self.calls: List[cst.Call] = []
        self.awaited: List[cst.Call] = []
        if isinstance(loop, cst.For):
            self.targets.update(target_names(loop.target))
            self._walk(loop.body, 0)
        elif isinstance(loop, cst.While):
            self._walk(loop.test, 0)
            self._walk(loop.body, 0)
        else:
            comp: Optional[cst.CompFor] = loop.for_in  # type: ignore[attr-defined]
            while comp is not None:
                self.targets.update(target_names(comp.target))
                comp = comp.inner_for_in
            for part in _comprehension_parts(loop):
                self._walk(part, 0)
        self.bound |= self.targets
        self.carried = _Carried(self.bound - self.targets).of(loop, self.targets)

    # -- recording ---------------------------------------------------------------
    def _store(self, target: cst.CSTNode) -> None:
        """An assignment to ``target`` (a name, tuple, attribute, subscript)."""
        if isinstance(target, cst.Name):
            self.bound.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
        elif isinstance(target, cst.StarredElement):
            self._store(target.value)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            self._change(target)
            name = dotted(target)
            if name:
                self.assigned.add(name)
            self._walk(target, 1)

    def _change(self, target: cst.CSTNode) -> None:
        base = target.value if isinstance(target, cst.Subscript) else target  # type: ignore[attr-defined]
        name = dotted(base)
        if name:
            self.changed.add(name)

    # -- the walk, in evaluation order -----------------------------------------
    def _walk(self, node: cst.CSTNode, depth: int) -> None:
        """``depth``: how many loops nested in the scanned one hold ``node``
        (a ``break`` there leaves the nested loop only)."""
        kind = type(node)
        if kind is cst.Name:
            return
        if kind is cst.Assign:
            self._walk(node.value, depth)  # type: ignore[attr-defined]
            for target in node.targets:  # type: ignore[attr-defined]
                self._store(target.target)
        elif kind is cst.AnnAssign:
            if node.value is not None:  # type: ignore[attr-defined]
                self._walk(node.value, depth)  # type: ignore[attr-defined]
                self._store(node.target)  # type: ignore[attr-defined]
        elif kind is cst.AugAssign:
            target = node.target  # type: ignore[attr-defined]
            self._walk(target, depth)
            self._walk(node.value, depth)  # type: ignore[attr-defined]
            self._store(target)
        elif kind is cst.NamedExpr:
            self._walk(node.value, depth)  # type: ignore[attr-defined]
            self._store(node.target)  # type: ignore[attr-defined]
        elif kind is cst.For:
            self._walk(node.iter, depth)  # type: ignore[attr-defined]
            self._store(node.target)  # type: ignore[attr-defined]
            self._walk(node.body, depth + 1)  # type: ignore[attr-defined]
            if node.orelse is not None:  # type: ignore[attr-defined]
                self._walk(node.orelse, depth)  # type: ignore[attr-defined]
        elif kind is cst.While:
            self._walk(node.test, depth + 1)  # type: ignore[attr-defined]
            self._walk(node.body, depth + 1)  # type: ignore[attr-defined]
            if node.orelse is not None:  # type: ignore[attr-defined]
                self._walk(node.orelse, depth)  # type: ignore[attr-defined]
        elif kind is cst.WithItem:
            self._walk(node.item, depth)  # type: ignore[attr-defined]
            if node.asname is not None:  # type: ignore[attr-defined]
                self._store(node.asname.name)  # type: ignore[attr-defined]
        elif kind is cst.ExceptHandler or kind is cst.ExceptStarHandler:
            if node.type is not None:  # type: ignore[attr-defined]
                self._walk(node.type, depth)  # type: ignore[attr-defined]
            if node.name is not None:  # type: ignore[attr-defined]
                self._store(node.name.name)  # type: ignore[attr-defined]
            self._walk(node.body, depth)  # type: ignore[attr-defined]
        elif kind is cst.Del:
            self._delete(node.target)  # type: ignore[attr-defined]
        elif kind is cst.Break:
            if depth == 0:
                self.exits = True
        elif kind is cst.Return:
            self.exits = True
            if node.value is not None:  # type: ignore[attr-defined]
                self._walk(node.value, depth)  # type: ignore[attr-defined]
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            # Decorators, defaults and bases run here; the body does not.
            for part in _header_parts(node):
                self._walk(part, depth)
            self._store(node.name)  # type: ignore[attr-defined]
        elif kind is cst.Lambda:
            for param in all_params(node.params):  # type: ignore[attr-defined]
                if param.default is not None:
                    self._walk(param.default, depth)
        elif kind is cst.Import or kind is cst.ImportFrom:
            names = node.names  # type: ignore[attr-defined]
            if isinstance(names, cst.ImportStar):
                return
            for alias in names:
                if alias.asname is not None:
                    self._store(alias.asname.name)
                else:
                    self._store(cst.Name(dotted(alias.name).split(".")[0]))
        elif kind is cst.Global or kind is cst.Nonlocal:
            return
        elif kind in _COMPS:
            # The comprehension's own variables are not the loop's; its `:=`
            # targets are.
            inner = _Comprehension()
            traversal.visit(node, inner)
            for name in inner.stores:
                self._store(cst.Name(name))
        elif kind is cst.Attribute or kind is cst.Arg:
            self._walk(node.value, depth)  # type: ignore[attr-defined]
        elif kind is cst.Await:
            if isinstance(node.expression, cst.Call):  # type: ignore[attr-defined]
                self.awaited.append(node.expression)  # type: ignore[attr-defined]
            self._walk(node.expression, depth)  # type: ignore[attr-defined]
        elif kind is cst.Call:
            self._call(node, depth)  # type: ignore[arg-type]
        else:
            for child in traversal.children(node):
                self._walk(child, depth)

    def _delete(self, target: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value)
        else:
            self._store(target)

    def _call(self, node: cst.Call, depth: int) -> None:
        self.calls.append(node)
        func = node.func
        if isinstance(func, cst.Name) and func.value == "sleep":
            self.sleeps = True
        elif isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "sleep":
                self.sleeps = True
            elif method in MUTATORS:
                self._change(func.value)
        for child in traversal.children(node):
            self._walk(child, depth)

    # -- questions ------------------------------------------------------------------
    def depends(self, node: cst.CSTNode) -> bool:
        """``node`` reads something the loop binds or changes."""
        finder = _Reads()
        traversal.visit(node, finder)
        return bool(finder.names & self.bound) or any(self.changes(name) for name in finder.dotted)

    def rebinds(self, node: cst.CSTNode) -> bool:
        """``node`` reads a name the loop binds or an attribute or item it
        assigns (not one it only mutates): it may be another object on
        each iteration."""
        finder = _Reads()
        traversal.visit(node, finder)
        return bool(finder.names & self.bound) or any(
            _overlap(read, name) for read in finder.dotted for name in self.assigned
        )

    def shares(self, call: cst.Call, names: Set[str]) -> bool:
        """Another call in the loop (not one inside ``call``) is given one
        of ``names`` (dotted names), an object it belongs to, or a part of
        it, as an argument, or is a method of it: code in the loop that may
        write or use the file ``call`` opens."""
        if not names:
            return False
        inside = _Collect(cst.Call)
        traversal.visit(call, inside)
        for other in self.calls:
            if other in inside.found:
                continue
            func = other.func
            if isinstance(func, cst.Attribute):
                receiver = dotted(func.value)
                if receiver and any(
                    receiver == name or receiver.startswith(name + ".") for name in names
                ):
                    return True
            for arg in other.args:
                finder = _Reads()
                traversal.visit(arg.value, finder)
                if any(_overlap(read, name) for read in finder.dotted for name in names):
                    return True
        return False

    def changes(self, name: str) -> bool:
        """The loop assigns or mutates ``name`` (a dotted name), an object it
        belongs to (``self`` for ``self.x``) or one of its attributes."""
        for changed in self.changed:
            if changed == name or name.startswith(changed + ".") or changed.startswith(name + "."):
                return True
        head = name.split(".")[0]
        return head in self.bound


class _Carried:
    """Which of the names a loop assigns (``stored``) an iteration can read
    before assigning them: a read that is not preceded, on every way
    through the body from its start, by an assignment of the name. A
    definite-assignment analysis over statements: both branches of an
    ``if``, every handler of a ``try``, assign a name for the code after
    them only when all of them do; a nested loop's body may not run."""

    def __init__(self, stored: Set[str]) -> None:
        self.stored = stored
        self.found: Set[str] = set()

    def of(self, loop: cst.CSTNode, targets: Set[str]) -> Set[str]:
        if not self.stored:
            return set()
        assigned = set(targets)
        if isinstance(loop, cst.For):
            self._block(loop.body, assigned)
        elif isinstance(loop, cst.While):
            self._expression(loop.test, assigned)
            self._block(loop.body, assigned)
        else:
            for part in _comprehension_parts(loop):
                self._expression(part, assigned)
        return self.found

    def _block(self, node: Optional[cst.CSTNode], assigned: Set[str]) -> Set[str]:
        """``assigned`` after the statements of a suite (or ``else``/
        ``finally`` clause, or list of statements)."""
        if isinstance(node, (cst.Else, cst.Finally)):
            node = node.body
        if isinstance(node, cst.SimpleStatementSuite):
            return self._statement(node, assigned)
        if isinstance(node, cst.IndentedBlock):
            for statement in node.body:
                assigned = self._statement(statement, assigned)
        return assigned

    def _statement(self, node: cst.CSTNode, assigned: Set[str]) -> Set[str]:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                assigned = self._small(small, assigned)
            return assigned
        if isinstance(node, cst.If):
            self._expression(node.test, assigned)
            then = self._block(node.body, set(assigned))
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                other = self._statement(orelse, set(assigned))
            else:
                other = self._block(orelse, set(assigned)) if orelse is not None else assigned
            return then & other
        if isinstance(node, cst.For):
            self._expression(node.iter, assigned)
            inner = assigned | set(target_names(node.target))
            self._block(node.body, set(inner))
            self._block(node.orelse, set(assigned))
            return assigned
        if isinstance(node, cst.While):
            self._expression(node.test, assigned)
            self._block(node.body, set(assigned))
            self._block(node.orelse, set(assigned))
            return assigned
        if isinstance(node, cst.With):
            assigned = set(assigned)
            for item in node.items:
                self._expression(item.item, assigned)
                if item.asname is not None:
                    assigned |= set(target_names(item.asname.name))
            return self._block(node.body, assigned)
        if isinstance(node, (cst.Try, cst.TryStar)):
            body = self._block(node.body, set(assigned))
            outcomes = [self._block(node.orelse, set(body))]
            for handler in node.handlers:
                start = set(assigned)
                if handler.type is not None:
                    self._expression(handler.type, start)
                if handler.name is not None:
                    start |= set(target_names(handler.name.name))
                outcomes.append(self._block(handler.body, start))
            after = set.intersection(*outcomes)
            return self._block(node.finalbody, after)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            for part in _header_parts(node):
                self._expression(part, assigned)
            return assigned | {node.name.value}
        # `match` and anything else: reads only.
        self._expression(node, assigned)
        return assigned

    def _small(self, node: cst.CSTNode, assigned: Set[str]) -> Set[str]:
        if isinstance(node, cst.Assign):
            self._expression(node.value, assigned)
            names: Set[str] = set()
            for target in node.targets:
                names |= self._target(target.target, assigned)
            return assigned | names
        if isinstance(node, cst.AnnAssign):
            if node.value is None:
                return assigned
            self._expression(node.value, assigned)
            return assigned | self._target(node.target, assigned)
        if isinstance(node, cst.AugAssign):
            self._expression(node.target, assigned)  # read before written
            self._expression(node.value, assigned)
            return assigned | self._target(node.target, assigned)
        self._expression(node, assigned)
        return assigned

    def _target(self, node: cst.CSTNode, assigned: Set[str]) -> Set[str]:
        """The names a target binds; the expressions inside it are read."""
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            self._expression(node, assigned)
            return set()
        names = set(target_names(node))
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                value = element.value
                if isinstance(value, cst.StarredElement):
                    value = value.value
                if isinstance(value, (cst.Attribute, cst.Subscript)):
                    self._expression(value, assigned)
        return names

    def _expression(self, node: cst.CSTNode, assigned: Set[str]) -> None:
        finder = _Loads()
        traversal.visit(node, finder)
        for name in finder.names:
            if name in self.stored and name not in assigned:
                self.found.add(name)
        # `:=` assigns for what follows (left to right is not tracked).
        assigned |= finder.walrus


class _Loads(VariableVisitor, OwnScopeVisitor):
    """The names an expression (or statement) reads, outside nested scopes
    and comprehensions' own variables; and the names its ``:=`` bind."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self.walrus: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        traversal.visit(node.value, self)
        self.walrus |= set(target_names(node.target))
        return False

    def _comprehension(self, node: cst.CSTNode) -> bool:
        inner = _Comprehension()
        traversal.visit(node, inner)
        self.names |= inner.loads - inner.targets
        self.walrus |= inner.stores
        return False

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return self._comprehension(node)

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return self._comprehension(node)

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return self._comprehension(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return self._comprehension(node)


def _overlap(first: str, second: str) -> bool:
    """One dotted name is the other or a part of it (``a`` and ``a.b``)."""
    return first == second or first.startswith(second + ".") or second.startswith(first + ".")


class _Collect(cst.CSTVisitor):
    """The nodes of one class under a node."""

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind
        self.found: Set[cst.CSTNode] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) is self.kind:
            self.found.add(node)
        return True


def _comprehension_parts(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The parts of a comprehension that run on each iteration."""
    parts: List[cst.CSTNode] = []
    if isinstance(node, cst.DictComp):
        parts += [node.key, node.value]
    else:
        parts.append(node.elt)  # type: ignore[attr-defined]
    comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
    first = True
    while comp is not None:
        if not first:
            parts.append(comp.iter)
        parts.extend(comp.ifs)
        first = False
        comp = comp.inner_for_in
    return parts


def _header_parts(node: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(node, cst.ClassDef):
        return [*node.decorators, *node.bases, *node.keywords]
    assert isinstance(node, cst.FunctionDef)
    return [
        *node.decorators,
        *(param.default for param in all_params(node.params) if param.default is not None),
    ]


class _Comprehension(VariableVisitor):
    """The names a comprehension reads, binds for itself, and binds in the
    scope around it (``:=``)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: Set[str] = set()
        self.targets: Set[str] = set()
        self.stores: Set[str] = set()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.targets.update(target_names(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.stores.update(target_names(node.target))

    def visit_Name(self, node: cst.Name) -> None:
        self.loads.add(node.value)


def reads(node: cst.CSTNode) -> Set[str]:
    """The plain names that ``node`` reads."""
    finder = _Reads()
    traversal.visit(node, finder)
    return finder.names


class _Reads(VariableVisitor):
    """The names and dotted names an expression reads."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self.dotted: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
        self.dotted.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        if name:
            self.dotted.add(name)
        traversal.visit(node.value, self)
        return False


# -- the code around a node --------------------------------------------------------------

_EXITS = (cst.Break, cst.Return, cst.Raise)
_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementSuite, cst.SimpleStatementLine, cst.Module)


def _exits(statements: Sequence[cst.CSTNode]) -> bool:
    """One of ``statements`` (a block's, in order) leaves the loop for good."""
    for statement in statements:
        if isinstance(statement, _EXITS):
            return True
        if isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, _EXITS) for small in statement.body
        ):
            return True
    return False


def runs_once(names: ScopeNames, node: cst.CSTNode, loop: cst.CSTNode) -> bool:
    """Every way on from ``node`` (inside ``loop``'s repeated part) leaves
    the loop: a ``break``, ``return`` or ``raise`` follows it in its block
    or in a block around it, or ends the body of the ``with`` whose item
    it is. Such code runs at most once per run of the loop."""
    for child, parent in names.ancestors(node):
        if parent is loop:
            return False
        if isinstance(parent, (cst.Return, cst.Raise)):
            return True
        if isinstance(parent, cst.WithItem):
            with_statement = names.parents.get(parent)
            if isinstance(with_statement, cst.With) and _exits(
                getattr(with_statement.body, "body", ())
            ):
                return True
        if isinstance(parent, _BLOCKS):
            body = list(parent.body)  # type: ignore[attr-defined]
            index = next((i for i, s in enumerate(body) if s is child), None)
            if index is not None and _exits(body[index + 1 :]):
                return True
    return False


def binding_values(
    names: ScopeNames, scope: Scope, name: str
) -> Optional[List[Tuple[str, Optional[cst.CSTNode]]]]:
    """How ``name`` is bound in ``scope``: a list of (``value``, expression),
    (``with``, the ``with`` item's expression), (``parameter``, annotation
    or ``None``); ``None`` when a binding is of another kind (a loop target,
    an unpacking, ``+=``, ``global``) or the name is not bound there."""
    found: List[Tuple[str, Optional[cst.CSTNode]]] = []
    if name in names.declared:
        return None
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in all_params(params):
            if param.name.value == name:
                annotation = param.annotation.annotation if param.annotation else None
                found.append(("parameter", annotation))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param) and star.name.value == name:
                return None
    for use in names.uses.get(name, ()):
        if use.role == "load":
            continue
        if use.role == "nested":
            continue
        parent = names.parents.get(use.node)
        if isinstance(parent, cst.AssignTarget):
            statement = names.parents.get(parent)
            if not isinstance(statement, cst.Assign):
                return None
            found.append(("value", statement.value))
        elif isinstance(parent, cst.AnnAssign) and parent.target is use.node:
            if parent.value is None:
                continue
            found.append(("value", parent.value))
        elif isinstance(parent, cst.AsName):
            item = names.parents.get(parent)
            if not isinstance(item, cst.WithItem):
                return None
            found.append(("with", item.item))
        else:
            return None
    return found or None


def callee(node: cst.CSTNode) -> str:
    """The last part of the name a call calls (``cursor`` for
    ``conn.cursor()``); ``""`` when it is not a call of a name."""
    return last_part(node.func) if isinstance(node, cst.Call) else ""


def positional(call: cst.Call) -> List[cst.BaseExpression]:
    """The positional arguments of ``call`` up to the first ``*args``."""
    found = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        found.append(arg.value)
    return found


def is_zero(node: cst.CSTNode) -> bool:
    """The integer literal ``0`` (``00``, ``0_0``)."""
    return isinstance(node, cst.Integer) and node.value.replace("_", "").strip("0") == ""


def literal_iterable(node: cst.CSTNode) -> bool:
    """A display (``(a, b)``, ``[...]``, ``{...}``) or ``range`` of
    constants: a number of iterations fixed in the code."""
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return True
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "range"
    ):
        return all(
            isinstance(arg.value, cst.Integer) and arg.keyword is None and not arg.star
            for arg in node.args
        )
    return False


def loop_iterable(frame: Frame) -> Optional[cst.CSTNode]:
    """What the loop of ``frame`` iterates (the first iterable of a
    comprehension); ``None`` for a ``while`` loop."""
    node = frame.node
    if isinstance(node, cst.For):
        return node.iter
    if isinstance(node, _COMPS):
        return node.for_in.iter  # type: ignore[attr-defined]
    return None
