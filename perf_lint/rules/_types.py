"""Static facts about expressions that fixes rely on: which builtin types an
expression can have, judged only from literals, builtin calls and the code's
own annotations.

``infer`` returns a frozenset of type tags, or ``None`` when nothing can be
proven. Every tag names a hashable type (a ``tuple`` tag means a tuple whose
items are proven hashable), so "proven" and "hashable" go together. A name
is trusted only when every binding of it in its scope is an annotation with
such a type; a builtin (``str``, ``len``) or ``typing`` name is trusted only
when the file never rebinds it."""

from __future__ import annotations

import ast
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)

import libcst as cst

from perf_lint import traversal
from perf_lint.rules import _shapes

Types = Optional[FrozenSet[str]]

NUMBERS = frozenset({"int", "float", "complex", "bool"})
_CONSTRUCTORS = {
    "str": "str",
    "repr": "str",
    "ascii": "str",
    "chr": "str",
    "format": "str",
    "hex": "str",
    "oct": "str",
    "bin": "str",
    "int": "int",
    "len": "int",
    "ord": "int",
    "hash": "int",
    "id": "int",
    "float": "float",
    "complex": "complex",
    "bool": "bool",
    "callable": "bool",
    "isinstance": "bool",
    "issubclass": "bool",
    "hasattr": "bool",
    "bytes": "bytes",
}
_STR_METHODS = {
    **dict.fromkeys(
        [
            "capitalize",
            "casefold",
            "center",
            "expandtabs",
            "format",
            "format_map",
            "join",
            "ljust",
            "lower",
            "lstrip",
            "removeprefix",
            "removesuffix",
            "replace",
            "rjust",
            "rstrip",
            "strip",
            "swapcase",
            "title",
            "translate",
            "upper",
            "zfill",
        ],
        "self",
    ),
    **dict.fromkeys(["count", "find", "index", "rfind", "rindex"], "int"),
    **dict.fromkeys(
        [
            "endswith",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "isidentifier",
            "islower",
            "isnumeric",
            "isprintable",
            "isspace",
            "istitle",
            "isupper",
            "startswith",
        ],
        "bool",
    ),
}
_BUILTIN_ANNOTATIONS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "complex": "complex",
    "bool": "bool",
    "frozenset": "frozenset",
}
_TYPING_MODULES = ("typing", "typing_extensions")
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_UNHASHABLE_DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp)


def is_unhashable_display(node: cst.BaseExpression) -> bool:
    """A list, dict or set display or comprehension, or a tuple holding one."""
    if isinstance(node, _UNHASHABLE_DISPLAYS):
        return True
    if isinstance(node, cst.Tuple):
        return any(is_unhashable_display(element.value) for element in node.elements)
    return False


def is_hashable_constant(node: cst.BaseExpression) -> bool:
    """A literal that always evaluates to the same hashable value."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_hashable_constant(node.left) and is_hashable_constant(node.right)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(
            node.expression, (cst.Integer, cst.Float, cst.Imaginary)
        )
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(element, cst.Element) and is_hashable_constant(element.value)
            for element in node.elements
        )
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


# -- what the whole file binds ------------------------------------------------


class _FileBindings(cst.CSTVisitor):
    """Every name bound anywhere in a file (``counts``), apart from imports
    from ``typing``, which are recorded on their own."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Dict[str, int] = {}
        self.typing_names: Dict[str, str] = {}
        self.typing_modules: Set[str] = set()
        self.star_import = False
        self.declared: Set[str] = set()

    def _bind(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def _bind_target(self, node: cst.CSTNode) -> None:
        for name in target_names(node):
            self._bind(name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind_target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._bind(node.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name.value)
            self.declared.add(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._bind(item.name.value)
            self.declared.add(item.name.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._bind(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._bind(node.rest.value)

    def visit_TypeParam(self, node: cst.TypeParam) -> None:
        param = node.param
        name = getattr(param, "name", None)
        if isinstance(name, cst.Name):
            self._bind(name.value)

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = _dotted(alias.name)
            local = _dotted(alias.asname.name) if alias.asname is not None else dotted
            if dotted in _TYPING_MODULES:
                self.typing_modules.add(local)
            else:
                self._bind(local.split(".")[0])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            self.star_import = True
            return False
        module = _dotted(node.module) if node.module is not None and not node.relative else ""
        for alias in node.names:
            imported = _dotted(alias.name)
            local = _dotted(alias.asname.name) if alias.asname is not None else imported
            if module in _TYPING_MODULES:
                self.typing_names[local] = imported
            else:
                self._bind(local)
        return False


def _ast_target_names(node: ast.AST) -> Iterator[str]:
    """``target_names`` of an ``ast`` target."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _ast_target_names(element)
    elif isinstance(node, ast.Starred):
        yield from _ast_target_names(node.value)


#: Nodes whose ``target`` binds names.
_AST_TARGETED = (
    ast.AnnAssign,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.NamedExpr,
    ast.comprehension,
)
_AST_TYPE_PARAMS = tuple(
    getattr(ast, name) for name in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, name)
)


def file_bindings_from_ast(tree: ast.Module) -> _FileBindings:
    """What ``_FileBindings`` collects, read from the file's ``ast`` (which
    the pre-filter has already built) instead of a second libcst traversal:
    the same names, counted the same way (a test compares the two)."""
    found = _FileBindings()
    bind = found._bind
    for node in _shapes.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            continue  # the commonest node: nothing to do
        if kind is ast.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                for name in _ast_target_names(target):
                    bind(name)
        elif (
            kind in (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)
            or kind is ast.comprehension
        ):
            for name in _ast_target_names(node.target):  # type: ignore[attr-defined]
                bind(name)
        elif kind is ast.withitem:
            if node.optional_vars is not None:  # type: ignore[attr-defined]
                for name in _ast_target_names(node.optional_vars):  # type: ignore[attr-defined]
                    bind(name)
        elif kind is ast.ExceptHandler:
            if node.name is not None:  # type: ignore[attr-defined]
                bind(node.name)  # type: ignore[attr-defined]
        elif kind is ast.Delete:
            for target in node.targets:  # type: ignore[attr-defined]
                for name in _ast_target_names(target):
                    bind(name)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bind(node.name)  # type: ignore[attr-defined]
        elif kind is ast.arguments:
            arguments: ast.arguments = node  # type: ignore[assignment]
            for arg in (*arguments.posonlyargs, *arguments.args):
                bind(arg.arg)
            if arguments.vararg is not None:
                bind(arguments.vararg.arg)
            for arg in arguments.kwonlyargs:
                bind(arg.arg)
            if arguments.kwarg is not None:
                bind(arguments.kwarg.arg)
        elif kind is ast.Global or kind is ast.Nonlocal:
            for name in node.names:  # type: ignore[attr-defined]
                bind(name)
                found.declared.add(name)
        elif kind is ast.MatchAs or kind is ast.MatchStar:
            if node.name is not None:  # type: ignore[attr-defined]
                bind(node.name)  # type: ignore[attr-defined]
        elif kind is ast.MatchMapping:
            if node.rest is not None:  # type: ignore[attr-defined]
                bind(node.rest)  # type: ignore[attr-defined]
        elif kind in _AST_TYPE_PARAMS:
            bind(node.name)  # type: ignore[attr-defined]
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                local = alias.asname if alias.asname is not None else alias.name
                if alias.name in _TYPING_MODULES:
                    found.typing_modules.add(local)
                else:
                    bind(local.split(".")[0])
        elif kind is ast.ImportFrom:
            if any(alias.name == "*" for alias in node.names):  # type: ignore[attr-defined]
                found.star_import = True
                continue
            module = node.module if node.module is not None and not node.level else ""  # type: ignore[attr-defined]
            for alias in node.names:  # type: ignore[attr-defined]
                local = alias.asname if alias.asname is not None else alias.name
                if module in _TYPING_MODULES:
                    found.typing_names[local] = alias.name
                else:
                    bind(local)
    return found


FactsT = TypeVar("FactsT", bound=cst.CSTVisitor)


def file_facts(
    cache: Dict[Any, Any],
    name: str,
    source: str,
    module: cst.Module,
    from_ast: Callable[[ast.Module], FactsT],
    collector: Callable[[], FactsT],
) -> FactsT:
    """A fact about the whole file, computed once per file (kept in
    ``cache`` under ``name``): read from the ``ast`` of ``source``, which the
    pre-filter has built, or where this Python rejects the text (code libcst
    reads for a newer Python), collected by a libcst traversal."""
    key = (name,)
    if key not in cache:
        tree = _shapes.parse(source)
        if tree is not None:
            cache[key] = from_ast(tree)
        else:
            found = collector()
            traversal.visit(module, found)
            cache[key] = found
    return cache[key]  # type: ignore[no-any-return]


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


# -- what one scope binds -----------------------------------------------------

#: A binding: (annotation, value) for an annotation, or ``None`` for any
#: other kind of binding.
Binding = Optional[Tuple[cst.BaseExpression, Optional[cst.BaseExpression]]]


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
                self._add(_dotted(alias.name).split(".")[0], None)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self._add("*", None)
            return
        for alias in node.names:
            if alias.asname is None:
                self._add(_dotted(alias.name), None)

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
        for param in _all_params(node.params):
            if param.default is not None:
                traversal.visit(param.default, self)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._add(node.name.value, None)
        for part in (*node.decorators, *node.bases, *node.keywords):
            traversal.visit(part, self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        for param in _all_params(node.params):
            if param.default is not None:
                traversal.visit(param.default, self)
        return False


def _all_params(params: cst.Parameters) -> List[cst.Param]:
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    return found


def scope_bindings(scope: cst.CSTNode) -> Dict[str, List[Binding]]:
    """Bindings of a ``Module``, ``ClassDef`` or ``FunctionDef`` body."""
    collector = _ScopeBindings()
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in _all_params(params):
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


# -- the scope chain a rule tracks ------------------------------------------------


class ScopeTracker:
    """The chain of scopes around the node being visited.

    A function or class scope is entered when its *body* is entered, since
    decorators, defaults, annotations and bases run in the enclosing scope.
    Rules call ``visit_scope_header`` from ``visit_FunctionDef``/``visit_ClassDef``,
    ``enter_block``/``leave_block`` from the block visitors, and
    ``enter``/``leave`` for lambdas and comprehensions."""

    def __init__(self, module: cst.Module, cache: Dict[object, object], source: str) -> None:
        self.stack: List[cst.CSTNode] = [module]
        self.module = module
        self._cache = cache
        #: The module's text, whose ``ast`` gives the file's bindings.
        self.source = source
        self._bodies: Dict[cst.CSTNode, cst.CSTNode] = {}

    def visit_scope_header(self, node: Union[cst.FunctionDef, cst.ClassDef]) -> None:
        self._bodies[node.body] = node

    def enter_block(self, block: cst.CSTNode) -> None:
        scope = self._bodies.get(block)
        if scope is not None:
            self.stack.append(scope)

    def leave_block(self, block: cst.CSTNode) -> None:
        scope = self._bodies.pop(block, None)
        if scope is not None and self.stack[-1] is scope:
            self.stack.pop()

    def enter(self, node: cst.CSTNode) -> None:
        self.stack.append(node)

    def leave(self, node: cst.CSTNode) -> None:
        if self.stack[-1] is node:
            self.stack.pop()

    # shared, lazily computed facts ------------------------------------------
    def _file(self) -> _FileBindings:
        return file_facts(
            self._cache,
            "file-bindings",
            self.source,
            self.module,
            file_bindings_from_ast,
            _FileBindings,
        )

    def _bindings(self, scope: cst.CSTNode) -> Dict[str, List[Binding]]:
        key = ("scope-bindings", id(scope))
        if key not in self._cache:
            self._cache[key] = (scope, scope_bindings(scope))
        return self._cache[key][1]  # type: ignore[index]

    def is_builtin(self, name: str) -> bool:
        """``name`` refers to the builtin: nothing in the file rebinds it."""
        file = self._file()
        return not (
            file.star_import
            or name in file.counts
            or name in file.typing_names
            or name in file.typing_modules
        )

    def typing_name(self, node: cst.BaseExpression) -> Optional[str]:
        """``Optional`` for ``typing.Optional``/``t.Optional``/``Optional``
        imported from ``typing``; ``None`` otherwise."""
        file = self._file()
        if isinstance(node, cst.Name):
            imported = file.typing_names.get(node.value)
            if imported is not None and file.counts.get(node.value, 0) == 0:
                return imported
            return None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            module = node.value.value
            if module in file.typing_modules and file.counts.get(module, 0) == 0:
                return node.attr.value
        return None

    # inference --------------------------------------------------------------
    def name_types(self, name: str) -> Types:
        if name in self._file().declared:
            return None
        innermost = True
        class_types: Optional[Types] = None
        for scope in reversed(self.stack):
            if isinstance(scope, _COMPREHENSIONS):
                if name in _comprehension_targets(scope):
                    return None
            elif isinstance(scope, cst.Lambda):
                if name in _lambda_params(scope):
                    return None
            elif isinstance(scope, cst.ClassDef):
                bindings = self._bindings(scope)
                if name in bindings or "*" in bindings:
                    if not innermost:
                        # Lambda defaults and a comprehension's first iterable
                        # run in the class scope: which binding is meant is
                        # not tracked, so nothing is proven.
                        return None
                    # A class body reads the enclosing binding until its own
                    # runs: both must be proven.
                    class_types = self._from_bindings(bindings.get(name, [None]))
                    if class_types is None:
                        return None
            else:
                bindings = self._bindings(scope)
                if name in bindings:
                    found = self._from_bindings(bindings[name])
                    return found if class_types is None else _union(found, class_types)
                if "*" in bindings:
                    return None
            innermost = False
        return class_types

    def _from_bindings(self, bindings: Sequence[Binding]) -> Types:
        found: Set[str] = set()
        for binding in bindings:
            if binding is None:
                return None
            annotation, value = binding
            if value is not None and is_unhashable_display(value):
                return None
            types = self.annotation_types(annotation)
            if types is None:
                return None
            found |= types
        return frozenset(found)

    def annotation_types(self, node: cst.BaseExpression) -> Types:
        """The types an annotation allows, when all of them are hashable."""
        if isinstance(node, cst.SimpleString):
            if "b" in node.prefix.lower() or '"""' in node.quote or "'''" in node.quote:
                return None
            try:
                return self.annotation_types(cst.parse_expression(node.evaluated_value))
            except Exception:
                return None
        if isinstance(node, cst.Name):
            if node.value == "None":
                return frozenset({"None"})
            if node.value in _BUILTIN_ANNOTATIONS and self.is_builtin(node.value):
                return frozenset({_BUILTIN_ANNOTATIONS[node.value]})
            if self.typing_name(node) == "Text":
                return frozenset({"str"})
            return None
        if isinstance(node, cst.Attribute):
            return frozenset({"str"}) if self.typing_name(node) == "Text" else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return _union(self.annotation_types(node.left), self.annotation_types(node.right))
        if isinstance(node, cst.Subscript):
            return self._generic_types(node)
        return None

    def _generic_types(self, node: cst.Subscript) -> Types:
        origin = self.typing_name(node.value)
        if (
            origin is None
            and isinstance(node.value, cst.Name)
            and self.is_builtin(node.value.value)
        ):
            origin = {"tuple": "Tuple", "frozenset": "FrozenSet"}.get(node.value.value)
        args = [element.slice for element in node.slice]
        if not all(isinstance(arg, cst.Index) for arg in args):
            return None
        values = [arg.value for arg in args]  # type: ignore[union-attr]
        if origin in ("Optional", "Union"):
            found: Types = frozenset({"None"}) if origin == "Optional" else frozenset()
            for value in values:
                found = _union(found, self.annotation_types(value))
            return found if found else None
        if origin in ("Final", "ClassVar", "Annotated") and values:
            return self.annotation_types(values[0])
        if origin == "Literal":
            found = frozenset()
            for value in values:
                found = _union(found, literal_types(value))
            return found if found else None
        if origin in ("Tuple", "FrozenSet"):
            for value in values:
                if isinstance(value, cst.Ellipsis):
                    continue
                if self.annotation_types(value) is None:
                    return None
            return frozenset({"tuple" if origin == "Tuple" else "frozenset"})
        return None

    def infer(self, node: cst.BaseExpression) -> Types:
        """The types ``node`` can evaluate to, or ``None`` if unproven."""
        literal = literal_types(node)
        if literal is not None:
            return literal
        if isinstance(node, cst.Name):
            return self.name_types(node.value)
        if isinstance(node, cst.FormattedString):
            return frozenset({"str"})
        if isinstance(node, cst.ConcatenatedString):
            return _string_kind(node)
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Not):
                return frozenset({"bool"})
            inner = self.infer(node.expression)
            if inner is not None and inner <= NUMBERS:
                return frozenset({"int"}) if inner == frozenset({"bool"}) else inner
            return None
        if isinstance(node, cst.Tuple):
            for element in node.elements:
                if not isinstance(element, cst.Element) or self.infer(element.value) is None:
                    return None
            return frozenset({"tuple"})
        if isinstance(node, cst.Comparison):
            if all(
                isinstance(t.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot))
                for t in node.comparisons
            ):
                return frozenset({"bool"})
            operands = [node.left, *(t.comparator for t in node.comparisons)]
            if all(_scalar(self.infer(operand)) for operand in operands):
                return frozenset({"bool"})
            return None
        if isinstance(node, cst.BooleanOperation):
            return _union(self.infer(node.left), self.infer(node.right))
        if isinstance(node, cst.IfExp):
            return _union(self.infer(node.body), self.infer(node.orelse))
        if isinstance(node, cst.Call):
            return self._call_types(node)
        if isinstance(node, cst.Subscript):
            value = self.infer(node.value)
            if value == frozenset({"str"}):
                return value
            if value == frozenset({"bytes"}):
                return frozenset({"int", "bytes"})
            return None
        if isinstance(node, cst.BinaryOperation):
            return self._binary_types(node)
        return None

    def _call_types(self, node: cst.Call) -> Types:
        func = node.func
        if isinstance(func, cst.Name):
            result = _CONSTRUCTORS.get(func.value)
            if result is not None and self.is_builtin(func.value):
                return frozenset({result})
            return None
        if isinstance(func, cst.Attribute):
            receiver = self.infer(func.value)
            kind = _STR_METHODS.get(func.attr.value)
            if kind is not None and receiver in (frozenset({"str"}), frozenset({"bytes"})):
                return receiver if kind == "self" else frozenset({kind})
        return None

    def _binary_types(self, node: cst.BinaryOperation) -> Types:
        left, right = self.infer(node.left), self.infer(node.right)
        if left is None or right is None:
            return None
        op = node.operator
        if left == frozenset({"str"}) and (
            isinstance(op, cst.Modulo) or (isinstance(op, cst.Add) and right == left)
        ):
            return left
        if left <= NUMBERS and right <= NUMBERS and not isinstance(op, cst.MatrixMultiply):
            return frozenset({"int", "float", "complex"})
        return None


def _scalar(types: Types) -> bool:
    return types is not None and types <= NUMBERS | {"str", "bytes", "None"}


def _union(left: Types, right: Types) -> Types:
    if left is None or right is None:
        return None
    return left | right


def _string_kind(
    node: Union[cst.SimpleString, cst.ConcatenatedString, cst.BaseExpression],
) -> Types:
    if isinstance(node, cst.SimpleString):
        return frozenset({"bytes" if "b" in node.prefix.lower() else "str"})
    if isinstance(node, cst.ConcatenatedString):
        return _string_kind(node.left)
    if isinstance(node, cst.FormattedString):
        return frozenset({"str"})
    return None


def literal_types(node: cst.BaseExpression) -> Types:
    """Types of a hashable constant (``None`` for anything else)."""
    if not is_hashable_constant(node):
        return None
    if isinstance(node, cst.Integer):
        return frozenset({"int"})
    if isinstance(node, cst.Float):
        return frozenset({"float"})
    if isinstance(node, cst.Imaginary):
        return frozenset({"complex"})
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return _string_kind(node)
    if isinstance(node, cst.Name):
        return frozenset({"None"}) if node.value == "None" else frozenset({"bool"})
    if isinstance(node, cst.UnaryOperation):
        return literal_types(node.expression)
    if isinstance(node, cst.Tuple):
        return frozenset({"tuple"})
    return frozenset({"hashable"})


def _comprehension_targets(node: cst.CSTNode) -> Set[str]:
    names: Set[str] = set()
    comp: Optional[cst.CompFor] = getattr(node, "for_in", None)
    while comp is not None:
        names.update(target_names(comp.target))
        comp = comp.inner_for_in
    return names


def _lambda_params(node: cst.Lambda) -> Iterable[str]:
    params = node.params
    for param in _all_params(params):
        yield param.name.value
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star.name.value
