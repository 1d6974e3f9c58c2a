"""The scope service of an analysis: where the node being visited is, and
what each scope binds and uses. One ``Scopes`` per file, in
``FileContext.scopes``; the engine's traversal keeps it up to date, so that
rules never track scopes themselves.

- where the visited node is (its scope, function, loops and open suites):
  ``Scopes`` is a ``perf_lint.frames.Frames``, whose docstring says what
  it answers. A function or class scope is entered when its *body* is
  entered: decorators, defaults, annotations and bases run in the
  enclosing scope.
- ``Scopes.bindings(scope)``: what one scope binds directly, with the
  annotation of each annotated binding (type inference reads it; nested
  function bodies are not entered).
- ``Scopes.names(scope)``: every use of every name in one scope, nested
  scopes included, with the parent of each node (the loop rules' data-flow
  questions: is a name read after the loop, is it seen by a closure).

The last two read a scope's libcst nodes on demand and are cached per file.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

import libcst as cst

from perf_lint import traversal
from perf_lint.facts import FileFacts
from perf_lint.frames import Frames, Scope

#: A binding: (annotation, value) for an annotation, or ``None`` for any
#: other kind of binding.
Binding = Optional[Tuple[cst.BaseExpression, Optional[cst.BaseExpression]]]

#: Names whose use lets code see a frame's local variables, so that no local
#: variable may change: ``locals()``, ``vars()``, ``dir()``, ``eval``...
INTROSPECTION = frozenset(
    {"locals", "vars", "dir", "eval", "exec", "globals", "breakpoint", "_getframe", "currentframe"}
)
# Tested by exact class (no libcst class derives from these).
NESTED_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})
_BLOCKS = (cst.Module, cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)


class VariableVisitor(cst.CSTVisitor):
    """A visitor of the variables a node reads: it does not visit an
    attribute's own name (``x`` in ``a.x``) nor a keyword argument's name
    (``k`` in ``f(k=v)``), which are not variables. Subclasses say what
    each ``visit_Name`` does."""

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        traversal.visit(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        traversal.visit(node.value, self)
        return False


class OwnScopeVisitor(cst.CSTVisitor):
    """A visitor that does not enter nested functions, classes and lambdas
    (their code runs apart from the scope being visited); their headers are
    skipped with them."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def target_names(node: cst.CSTNode) -> Iterable[str]:
    """The names an assignment target binds."""
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from target_names(node.value)


def dotted(node: cst.CSTNode) -> str:
    """``a.b.c`` for a chain of attributes on a name; ``""`` otherwise."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted(node.value)
        return inner + "." + node.attr.value if inner else ""
    return ""


def last_part(node: cst.CSTNode) -> str:
    """``b`` for ``a.b`` and for ``b``; ``""`` otherwise."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def qualified_name(node: cst.CSTNode, facts: FileFacts) -> Optional[str]:
    """The qualified name of ``node`` (a name or attribute chain) through
    the file's imports: ``r.compile`` is ``re.compile`` after ``import re
    as r``; ``None`` when it does not start with an unambiguous import.
    (A local variable of the same name as a module-level import would
    shadow it: ``FileFacts.imports`` leaves out every name bound twice.)"""
    name = dotted(node)
    return facts.qualified(name) if name else None


def all_params(params: cst.Parameters) -> List[cst.Param]:
    """The named parameters (positional-only, plain, keyword-only)."""
    return [*params.posonly_params, *params.params, *params.kwonly_params]


class Scopes(Frames):
    """The context of the visited node (``perf_lint.frames``: its scopes,
    loops and open suites) and what each scope binds and uses. The engine
    runs it first on the way into a node and last on the way out, so every
    rule sees the context of the node it visits."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(module)
        self._bindings: Dict[int, Tuple[cst.CSTNode, Dict[str, List[Binding]]]] = {}
        self._names: Dict[int, Tuple[cst.CSTNode, ScopeNames]] = {}

    # -- what scopes hold (cached per scope) -------------------------------------
    def bindings(self, scope: cst.CSTNode) -> Dict[str, List[Binding]]:
        """What ``scope`` (a ``Module``, ``ClassDef`` or ``FunctionDef``)
        binds directly; ``"*"`` stands for a star import."""
        found = self._bindings.get(id(scope))
        if found is None:
            found = self._bindings[id(scope)] = (scope, scope_bindings(scope))
        return found[1]

    def names(self, scope: Scope) -> ScopeNames:
        """Every use of every name in ``scope``."""
        found = self._names.get(id(scope))
        if found is None:
            found = self._names[id(scope)] = (scope, ScopeNames(scope))
        return found[1]


# -- what one scope binds ---------------------------------------------------------


class _ScopeBindings(cst.CSTVisitor):
    """The bindings made directly in one scope (not in nested scopes)."""

    def __init__(self) -> None:
        super().__init__()
        self.bindings: Dict[str, List[Binding]] = {}

    def _add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def _other(self, node: cst.CSTNode) -> None:
        for name in target_names(node):
            self._add(name, None)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._other(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._add(node.target.value, (node.annotation.annotation, node.value))
        else:
            self._other(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._other(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._other(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._other(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._other(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._other(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._add(item.name.value, None)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._add(item.name.value, None)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is None:
                self._add(dotted(alias.name).split(".")[0], None)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self._add("*", None)
            return
        for alias in node.names:
            if alias.asname is None:
                self._add(dotted(alias.name), None)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._add(node.name.value, None)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._add(node.name.value, None)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._add(node.rest.value, None)

    # Nested scopes: their name binds here; decorators, defaults and bases
    # run here too; their bodies do not.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._add(node.name.value, None)
        for decorator in node.decorators:
            traversal.visit(decorator, self)
        for param in all_params(node.params):
            if param.default is not None:
                traversal.visit(param.default, self)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._add(node.name.value, None)
        for part in (*node.decorators, *node.bases, *node.keywords):
            traversal.visit(part, self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        for param in all_params(node.params):
            if param.default is not None:
                traversal.visit(param.default, self)
        return False


def scope_bindings(scope: cst.CSTNode) -> Dict[str, List[Binding]]:
    """Bindings of a ``Module``, ``ClassDef`` or ``FunctionDef`` body."""
    collector = _ScopeBindings()
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in all_params(params):
            binding: Binding = None
            if param.annotation is not None:
                binding = (param.annotation.annotation, param.default)
            collector._add(param.name.value, binding)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                collector._add(star.name.value, None)
        traversal.visit(scope.body, collector)
    elif isinstance(scope, cst.ClassDef):
        traversal.visit(scope.body, collector)
    else:
        for statement in getattr(scope, "body", ()):
            traversal.visit(statement, collector)
    return collector.bindings


# -- every use of every name in one scope --------------------------------------------


@dataclasses.dataclass
class Occurrence:
    """One use of a variable name. ``role`` is ``load`` (also ``del`` and
    augmented assignment), ``store`` or ``nested`` (any use inside a nested
    function, class, lambda or generator expression)."""

    name: str
    node: cst.Name
    role: str


class ScopeNames:
    """Every use of every variable name in one scope's body, with the
    parent of each node, so that the code around a use can be examined."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self.uses: Dict[str, List[Occurrence]] = {}
        self.declared: Set[str] = set()
        self.introspective = False
        if isinstance(scope, cst.Module):
            for statement in scope.body:
                self.parents[statement] = scope
                self._walk(statement, "load", False, frozenset())
        else:
            self.parents[scope.body] = scope
            self._walk(scope.body, "load", False, frozenset())

    def _add(self, node: cst.Name, role: str, nested: bool, bound: FrozenSet[str]) -> None:
        if node.value in bound:
            return
        if node.value in INTROSPECTION:
            self.introspective = True
        occurrence = Occurrence(node.value, node, "nested" if nested else role)
        self.uses.setdefault(node.value, []).append(occurrence)

    def _child(
        self,
        parent: cst.CSTNode,
        child: cst.CSTNode,
        role: str,
        nested: bool,
        bound: FrozenSet[str],
    ) -> None:
        self.parents[child] = parent
        self._walk(child, role, nested, bound)

    def _walk(self, node: cst.CSTNode, role: str, nested: bool, bound: FrozenSet[str]) -> None:
        kind = type(node)  # exact classes: none of these has a subclass
        if kind is cst.Name:
            if role != "skip":
                self._add(node, role, nested, bound)  # type: ignore[arg-type]
            return
        if (kind is cst.Global or kind is cst.Nonlocal) and not nested:
            self.declared.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
            return
        if kind in NESTED_SCOPES:
            nested = True
        if kind in COMPREHENSIONS:
            self._comprehension(node, nested, bound)
            return
        for child in traversal.children(node):
            self._child(node, child, _child_role(node, child, role), nested, bound)

    def _comprehension(self, node: cst.CSTNode, nested: bool, bound: FrozenSet[str]) -> None:
        """A comprehension's first iterable runs in this scope; the rest sees
        the comprehension's own variables, and runs later for a generator."""
        names: Set[str] = set()
        comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        while comp is not None:
            names.update(target_names(comp.target))
            comp = comp.inner_for_in
        first = node.for_in.iter  # type: ignore[attr-defined]
        inner = bound | names
        lazy = nested or isinstance(node, cst.GeneratorExp)
        for child in traversal.children(node):
            if child is node.for_in:  # type: ignore[attr-defined]
                self._comp_for(node, child, first, nested, lazy, bound, inner)
            else:
                self._child(node, child, "load", lazy, inner)

    def _comp_for(
        self,
        parent: cst.CSTNode,
        comp: cst.CompFor,
        first: cst.CSTNode,
        nested: bool,
        lazy: bool,
        outer: FrozenSet[str],
        inner: FrozenSet[str],
    ) -> None:
        self.parents[comp] = parent
        for child in traversal.children(comp):
            if child is first:
                self._child(comp, child, "load", nested, outer)
            elif isinstance(child, cst.CompFor):
                self._comp_for(comp, child, first, nested, lazy, outer, inner)
            else:
                self._child(comp, child, "load", lazy, inner)

    # -- questions --------------------------------------------------------------
    def inside(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        while node is not None:
            if node is ancestor:
                return True
            node = self.parents.get(node)  # type: ignore[assignment]
        return False

    def ancestors(self, node: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs from ``node`` up to the scope."""
        parent = self.parents.get(node)
        while parent is not None:
            yield node, parent
            node, parent = parent, self.parents.get(parent)

    def read_elsewhere(self, name: str, region: cst.CSTNode) -> bool:
        """Whether a use of ``name`` outside ``region`` (a loop) may read the
        value the region bound: any use in a nested scope, or a read that is
        not preceded by a rebinding that the region cannot come between."""
        for use in self.uses.get(name, ()):
            if use.role == "nested":
                return True
            if use.role == "store" or self.inside(use.node, region):
                continue
            if not self._shielded(use.node, name, region):
                return True
        return False

    def read_outside(self, name: str, region: cst.CSTNode) -> bool:
        """``read_elsewhere`` for the uses outside ``region`` only: after the
        loop, in a handler around it, in an enclosing loop's next iteration,
        or in a nested scope defined outside it (a closure inside the region
        sees the region's own binding)."""
        for use in self.uses.get(name, ()):
            if use.role == "store" or self.inside(use.node, region):
                continue
            if use.role == "nested" or not self._shielded(use.node, name, region):
                return True
        return False

    def _shielded(self, node: cst.CSTNode, name: str, region: cst.CSTNode) -> bool:
        for child, parent in self.ancestors(node):
            if parent is region:
                return False
            if (
                isinstance(parent, cst.For)
                and child is parent.body
                and name in set(target_names(parent.target))
                and not self.inside(region, parent)
            ):
                return True
            if isinstance(parent, _BLOCKS):
                body = list(parent.body)
                index = next((i for i, s in enumerate(body) if s is child), 0)
                for before in range(index - 1, -1, -1):
                    if binds(body[before], name):
                        between = body[before + 1 : index + 1]
                        return not any(self.inside(region, s) for s in between)
        return False

    def guarded(self, node: cst.CSTNode) -> bool:
        """Inside a ``try`` or ``with`` of this scope, whose handlers or
        ``__exit__`` see what the scope's variables held when it raised."""
        return any(
            isinstance(parent, (cst.Try, cst.TryStar, cst.With))
            for _, parent in self.ancestors(node)
        )


#: Node class -> the field whose names have their own role, and that role.
#: (Checked by exact class: no libcst class derives from these.)
_CHILD_ROLES: Dict[type, Tuple[str, str]] = {
    cst.AssignTarget: ("target", "store"),
    cst.For: ("target", "store"),
    cst.CompFor: ("target", "store"),
    cst.AnnAssign: ("target", "store"),
    cst.NamedExpr: ("target", "store"),
    cst.AsName: ("name", "store"),
    cst.FunctionDef: ("name", "store"),
    cst.ClassDef: ("name", "store"),
    cst.MatchAs: ("name", "store"),
    cst.MatchStar: ("name", "store"),
    cst.Attribute: ("attr", "skip"),
    cst.Arg: ("keyword", "skip"),
    cst.ImportFrom: ("module", "skip"),
    cst.MatchKeywordElement: ("key", "skip"),
}
#: Node classes whose children keep the role of the node (target lists).
_ROLE_KEEPING = frozenset({cst.Tuple, cst.List, cst.StarredElement, cst.Element})


def _child_role(node: cst.CSTNode, child: cst.CSTNode, role: str) -> str:
    """The role of names in ``child``: targets are stores (through tuples,
    lists and starred elements), the rest loads; attribute names, keyword
    names and module paths are no variables at all (``skip``)."""
    kind = type(node)
    if kind in _ROLE_KEEPING:
        return role
    special = _CHILD_ROLES.get(kind)
    if special is not None and child is getattr(node, special[0]):
        return special[1]
    if kind is cst.ImportAlias and child is node.name:  # type: ignore[attr-defined]
        return "store" if node.asname is None and type(child) is cst.Name else "skip"  # type: ignore[attr-defined]
    if role == "skip":
        return "skip"
    return "load"


def binds(statement: cst.CSTNode, name: str) -> bool:
    """``statement`` always binds ``name`` when it completes."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value == name
    smalls: Iterable[cst.CSTNode]
    if isinstance(statement, cst.SimpleStatementLine):
        smalls = statement.body
    else:
        smalls = [statement]
    for small in smalls:
        if isinstance(small, cst.Assign):
            if any(name in set(target_names(t.target)) for t in small.targets):
                return True
        elif (
            isinstance(small, cst.AnnAssign)
            and small.value is not None
            and name in set(target_names(small.target))
        ):
            return True
    return False
