"""Static facts about expressions that fixes rely on: which builtin types an
expression can have, judged only from literals, builtin calls and the code's
own annotations.

``infer`` returns a frozenset of type tags, or ``None`` when nothing can be
proven. Every tag names a hashable type (a ``tuple`` tag means a tuple whose
items are proven hashable), so "proven" and "hashable" go together. A name
is trusted only when every binding of it in its scope is proven: an
annotation with such a type, or a plain assignment (``name = value``) whose
value is proven in the scope that binds it (a literal, a builtin call, a
string method on a proven string, another proven name); a builtin (``str``,
``len``) or ``typing`` name is trusted only when the file never rebinds it.
An annotation may name a module-level alias that the file binds once, by a
plain assignment (``Align = Literal["left", "right"]``)."""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import libcst as cst

from perf_lint import traversal
from perf_lint.scopes import COMPREHENSIONS, Binding, OwnScopeVisitor, all_params, target_names

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.context import FileContext
    from perf_lint.facts import Bindings

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


class TypeInference:
    """Type inference for one file: the scope chain of the node being
    visited (``context.scopes``) and the file's bindings (``context.facts``)
    decide what a name or call can hold. One per file, shared by the rules
    (``of``)."""

    def __init__(self, context: FileContext) -> None:
        self.scopes = context.scopes
        self.facts = context.facts
        #: The scope chain a binding's value is read in, while it is read
        #: (``None``: the chain of the node being visited).
        self._chain: Optional[Sequence[cst.CSTNode]] = None
        #: The (scope, name) pairs being resolved: a binding that refers to
        #: itself (``n = n + 1``) proves nothing.
        self._resolving: Set[Tuple[int, str]] = set()
        self._values: Dict[int, Tuple[cst.CSTNode, Dict[str, List[cst.BaseExpression]]]] = {}

    @property
    def file(self) -> Bindings:
        return self.facts.bindings

    @classmethod
    def of(cls, context: FileContext) -> TypeInference:
        found = context.cache.get(cls)
        if found is None:
            found = context.cache[cls] = cls(context)
        return found  # type: ignore[no-any-return]

    def is_builtin(self, name: str) -> bool:
        """``name`` refers to the builtin: nothing in the file rebinds it."""
        return self.file.is_builtin(name)

    def typing_name(self, node: cst.BaseExpression) -> Optional[str]:
        """``Optional`` for ``typing.Optional``/``t.Optional``/``Optional``
        imported from ``typing``; ``None`` otherwise."""
        file = self.file
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
    def _stack(self) -> Sequence[cst.CSTNode]:
        return self.scopes.chain() if self._chain is None else self._chain

    def plain_values(self, scope: cst.CSTNode) -> Dict[str, List[cst.BaseExpression]]:
        """The value of each plain assignment to a name (``name = value``,
        ``a = b = value``) made directly in ``scope``."""
        found = self._values.get(id(scope))
        if found is None:
            collector = _PlainAssignments()
            if isinstance(scope, cst.Module):
                for statement in scope.body:
                    traversal.visit(statement, collector)
            else:
                traversal.visit(scope.body, collector)  # type: ignore[attr-defined]
            found = self._values[id(scope)] = (scope, collector.values)
        return found[1]

    def binding_values(self, name: str) -> Optional[Tuple[cst.CSTNode, List[cst.BaseExpression]]]:
        """The scope that binds ``name`` where the node being visited reads
        it (a function or the module) and the value of each of its bindings
        there, when every binding is an assignment with a value (plain or
        annotated); ``None`` otherwise (a parameter, a loop variable, an
        import, a class-level name, a comprehension or lambda variable, a
        name declared ``global``/``nonlocal`` anywhere in the file...)."""
        if name in self.file.declared:
            return None
        for scope in reversed(self._stack()):
            if type(scope) in COMPREHENSIONS:
                if name in _comprehension_targets(scope):
                    return None
            elif isinstance(scope, cst.Lambda):
                if name in _lambda_params(scope):
                    return None
            else:
                bindings = self.scopes.bindings(scope)
                if isinstance(scope, cst.ClassDef):
                    if name in bindings or "*" in bindings:
                        return None
                    continue
                if name in bindings:
                    values = self._values_of(scope, name, bindings[name])
                    return None if values is None else (scope, values)
                if "*" in bindings:
                    return None
        return None

    def bound_unhashable(self, node: cst.BaseExpression) -> bool:
        """``node`` is an unhashable display or comprehension (or a tuple of
        one), a ``.copy()`` of one, a call of the builtin ``list``, ``dict``
        or ``set``, or a variable that some plain assignment of the scope
        binding it, where the node being visited reads it, binds to one of
        those (other bindings may bind it to anything: one such binding is
        enough for a hash of it to raise ``TypeError`` on some path)."""
        if self._unhashable_value(node):
            return True
        if not isinstance(node, cst.Name) or node.value in self.file.declared:
            return False
        for scope in reversed(self._stack()):
            if type(scope) in COMPREHENSIONS:
                if node.value in _comprehension_targets(scope):
                    return False
            elif isinstance(scope, cst.Lambda):
                if node.value in _lambda_params(scope):
                    return False
            else:
                bindings = self.scopes.bindings(scope)
                if isinstance(scope, cst.ClassDef):
                    if node.value in bindings:
                        return False
                    continue
                if node.value in bindings:
                    values = list(self.plain_values(scope).get(node.value, ()))
                    values.extend(
                        binding[1]
                        for binding in bindings[node.value]
                        if binding is not None and binding[1] is not None
                    )
                    return any(self._unhashable_value(value) for value in values)
        return False

    def _unhashable_value(self, node: cst.BaseExpression) -> bool:
        if is_unhashable_display(node):
            return True
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        if isinstance(func, cst.Name):
            return func.value in ("list", "dict", "set") and self.is_builtin(func.value)
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "copy"
            and not node.args
            and is_unhashable_display(func.value)
        )

    def _values_of(
        self, scope: cst.CSTNode, name: str, bindings: Sequence[Binding]
    ) -> Optional[List[cst.BaseExpression]]:
        """The values of ``bindings`` (of ``name`` in ``scope``), when each
        has one: a plain assignment, or an annotation with a value."""
        plain = self.plain_values(scope).get(name, [])
        if sum(binding is None for binding in bindings) != len(plain):
            return None  # a binding other than an assignment
        values = list(plain)
        for binding in bindings:
            if binding is not None:
                if binding[1] is None:
                    return None
                values.append(binding[1])
        return values

    def _value_types(self, scope: cst.CSTNode, name: str, value: cst.BaseExpression) -> Types:
        """The types of a binding's ``value``, read in the scope that binds it."""
        key = (id(scope), name)
        stack = self._stack()
        index = next((i for i, s in enumerate(stack) if s is scope), None)
        if key in self._resolving or index is None:
            return None
        saved = self._chain
        self._chain = stack[: index + 1]
        self._resolving.add(key)
        try:
            return self.infer(value)
        finally:
            self._chain = saved
            self._resolving.discard(key)

    def name_types(self, name: str) -> Types:
        if name in self.file.declared:
            return None
        innermost = True
        class_types: Optional[Types] = None
        for scope in reversed(self._stack()):
            if type(scope) in COMPREHENSIONS:
                if name in _comprehension_targets(scope):
                    return None
            elif isinstance(scope, cst.Lambda):
                if name in _lambda_params(scope):
                    return None
            elif isinstance(scope, cst.ClassDef):
                bindings = self.scopes.bindings(scope)
                if name in bindings or "*" in bindings:
                    if not innermost:
                        # Lambda defaults and a comprehension's first iterable
                        # run in the class scope: which binding is meant is
                        # not tracked, so nothing is proven.
                        return None
                    # A class body reads the enclosing binding until its own
                    # runs: both must be proven.
                    class_types = self._from_bindings(scope, name, bindings.get(name, [None]))
                    if class_types is None:
                        return None
            else:
                bindings = self.scopes.bindings(scope)
                if name in bindings:
                    found = self._from_bindings(scope, name, bindings[name])
                    return found if class_types is None else _union(found, class_types)
                if "*" in bindings:
                    return None
            innermost = False
        return class_types

    def _from_bindings(self, scope: cst.CSTNode, name: str, bindings: Sequence[Binding]) -> Types:
        """The types of ``name``'s ``bindings`` in ``scope``: each must be an
        annotation with proven types, or a plain assignment of a value
        proven in ``scope``."""
        found: Set[str] = set()
        plain = self.plain_values(scope).get(name, [])
        if sum(binding is None for binding in bindings) != len(plain):
            return None  # a binding other than an assignment
        for value in plain:
            types = self._value_types(scope, name, value)
            if types is None:
                return None
            found |= types
        for binding in bindings:
            if binding is None:
                continue
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
            return self._alias_types(node.value)
        if isinstance(node, cst.Attribute):
            return frozenset({"str"}) if self.typing_name(node) == "Text" else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return _union(self.annotation_types(node.left), self.annotation_types(node.right))
        if isinstance(node, cst.Subscript):
            return self._generic_types(node)
        return None

    def _alias_types(self, name: str) -> Types:
        """The types a module-level type alias allows: a name the file binds
        once, by a plain assignment at module level (``Align =
        Literal["left", "right"]``)."""
        if self.file.counts.get(name) != 1 or name in self.file.declared:
            return None
        module = self._stack()[0]
        values = self.plain_values(module).get(name, [])
        key = (id(module), "type alias " + name)
        if len(values) != 1 or key in self._resolving:
            return None
        self._resolving.add(key)
        try:
            return self.annotation_types(values[0])
        finally:
            self._resolving.discard(key)

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


class _PlainAssignments(OwnScopeVisitor):
    """The values of plain assignments to names in one scope's body (nested
    functions, classes and lambdas are other scopes)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: Dict[str, List[cst.BaseExpression]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.values.setdefault(target.target.value, []).append(node.value)


def _comprehension_targets(node: cst.CSTNode) -> Set[str]:
    names: Set[str] = set()
    comp: Optional[cst.CompFor] = getattr(node, "for_in", None)
    while comp is not None:
        names.update(target_names(comp.target))
        comp = comp.inner_for_in
    return names


def _lambda_params(node: cst.Lambda) -> Iterable[str]:
    params = node.params
    for param in all_params(params):
        yield param.name.value
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star.name.value
