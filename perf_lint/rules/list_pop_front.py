"""PRF505 list-pop-front."""

from __future__ import annotations

import ast
from typing import Optional, Tuple

import libcst as cst

from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import (
    POP_FRONT,
    LoopRule,
    LoopScan,
    binding_values,
    is_capwords,
    is_zero,
    positional,
    runs_once,
    summary,
    words,
)
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.scopes import dotted, last_part, qualified_name

#: Constructors of containers that are not lists (``deque`` pops from the
#: front in constant time; the others have no ``pop(0)`` of a list).
_NOT_LISTS = words(
    "deque dict set frozenset OrderedDict defaultdict Counter ChainMap Deque Dict DefaultDict Set"
    " Mapping MutableMapping str"
)


#: The methods of ``list`` (a receiver with another method is not a list).
_LIST_METHODS = words("append extend insert remove pop clear index count sort reverse copy")


def _not_a_list_class(name: str) -> bool:
    """A class name that is no list: a known container, or a class by its
    name (``Entry``, ``Listbox``) that is not named like a list (``MyList``)."""
    if name in _NOT_LISTS:
        return True
    return is_capwords(name) and not name.endswith("List") and name not in ("Sequence",)


class ListPopFront(LoopRule):
    """## What it does
    Checks for `x.pop(0)` and `x.insert(0, value)` inside a loop (a `for`,
    `async for` or `while` body, a `while` test, or a comprehension's
    element and conditions, in the same function), where `x` is not
    provably something other than a list.

    `x` is taken to be something else, and nothing is reported, when every
    binding of the name in its function (or, for a global, in the module)
    is a `deque(...)`, `dict(...)`, `set(...)`, `OrderedDict(...)` and the
    like, a dict or set display, a string, or a call of a class whose name
    is not that of a list (`Entry(...)`, `Listbox(...)`, but not
    `MyList(...)`), or a parameter annotated with such a type; for an
    attribute (`self.x`), when every assignment to an attribute of that
    name in the file, and every class-level binding of it, is such a value;
    or when the loop calls a method on `x` that lists do not have
    (`x.delete(...)`). `x.pop(0, default)` (two arguments) is never a
    list's `pop`.

    Not reported either: `sys.path`, `sys.argv` and the other lists of
    `sys`, which must stay lists; a receiver that is another object on
    each iteration (it reads a name the loop binds, such as its variable,
    or an attribute or item the loop assigns: each list is changed once);
    a call followed by `break`, `return` or `raise` (run once per loop);
    loops that only run over a display or a `range` of constants (a
    number of iterations written in the code); calls in a nested function,
    lambda or class.

    ## Why is this bad?
    A list keeps its items contiguous: removing or inserting the first one
    moves every other item, in time linear in the length of the list. A loop
    that consumes a list from the front, such as a breadth-first search with
    `queue.pop(0)`, takes quadratic time. `collections.deque` pops and
    appends at both ends in constant time.

    ## Example
    ```python
    queue = [root]
    while queue:
        node = queue.pop(0)
        queue.extend(node.children)
    ```

    Use instead:
    ```python
    from collections import deque

    queue = deque([root])
    while queue:
        node = queue.popleft()
        queue.extend(node.children)
    ```

    ## Fix safety
    There is no fix: a `deque` does not support slicing, and the list may
    be used elsewhere as a list.
    """

    CODE = "PRF505"
    NAME = "list-pop-front"
    SUMMARY = "`x.pop(0)` / `x.insert(0, v)` in a loop; no fix (`collections.deque`)"
    MESSAGE = (
        "`{call}` on a list is linear in its length; use a `collections.deque` and `{instead}`"
    )
    FIX = Fix.NONE
    PATTERN = (FOR_OR_WHILE, r"pop|insert")
    SHAPE_NODES = LOOPS
    VALID = (
        Valid("from collections import deque\nq = deque()\nwhile q:\n    q.pop(0)\n"),
        Valid("while d:\n    d.pop(0, None)\n"),
        Valid("import sys\nfor p in paths:\n    sys.path.insert(0, p)\n"),
    )
    INVALID = (
        Invalid("queue = [root]\nwhile queue:\n    node = queue.pop(0)\n"),
        Invalid("for x in xs:\n    items.insert(0, x)\n"),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A loop whose repeated part calls ``.pop(0)`` or ``.insert(0, x)``."""
        return bool(summary(node, source) & POP_FRONT)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        args = positional(node)
        if len(args) != len(node.args) or not args or not is_zero(args[0]):
            return
        if method == "pop" and len(args) == 1:
            call, instead = "pop(0)", "popleft()"
        elif method == "insert" and len(args) == 2:
            call, instead = "insert(0, ...)", "appendleft(...)"
        else:
            return
        frame = self.loop()
        if frame is None or self.fixed_count():
            return
        receiver = func.value
        name = qualified_name(receiver, self.context.facts) or dotted(receiver)
        if name.startswith("sys."):
            return
        scan = self.scan(frame)
        if scan.rebinds(receiver):
            return  # another list on each iteration
        if self._not_a_list(receiver, name, scan):
            return
        if runs_once(self.names(), node, frame.node):
            return
        self.report(node, call=call, instead=instead)

    # -- is the receiver provably no list? -------------------------------------
    def _not_a_list(self, receiver: cst.CSTNode, name: str, scan: LoopScan) -> bool:
        if name and any(
            isinstance(call.func, cst.Attribute)
            and dotted(call.func.value) == name
            and call.func.attr.value not in _LIST_METHODS
            for call in scan.calls
        ):
            return True  # the loop calls a method on it that lists do not have
        if isinstance(receiver, cst.Name):
            return self._name_not_a_list(receiver.value)
        if isinstance(receiver, cst.Attribute):
            kinds = self.context.facts.bindings.attributes.get(receiver.attr.value)
            return bool(kinds) and all(_kind_not_a_list(kind) for kind in kinds)
        return False

    def _name_not_a_list(self, name: str) -> bool:
        scope = self.scope()
        bindings = binding_values(self.context.scopes.names(scope), scope, name)
        if bindings is None and not isinstance(scope, cst.Module):
            # A name the function does not bind: the module's.
            module = self.context.module
            if name in self.context.scopes.bindings(scope):
                return False
            bindings = binding_values(self.context.scopes.names(module), module, name)
        if not bindings:
            return False
        for kind, value in bindings:
            if kind == "value":
                if not _cst_not_a_list(value):
                    return False
            elif kind == "parameter":
                if value is None or not _annotation_not_a_list(value):
                    return False
            else:
                return False
        return True


def _cst_not_a_list(node: Optional[cst.CSTNode]) -> bool:
    if isinstance(
        node,
        (
            cst.Dict,
            cst.Set,
            cst.DictComp,
            cst.SetComp,
            cst.SimpleString,
            cst.ConcatenatedString,
            cst.FormattedString,
        ),
    ):
        return True
    if isinstance(node, cst.Call):
        return _not_a_list_class(last_part(node.func))
    return False


def _annotation_not_a_list(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Subscript):
        node = node.value
    return _not_a_list_class(last_part(node))


def _kind_not_a_list(kind: Tuple[str, str]) -> bool:
    """The same as ``_cst_not_a_list`` for what the file binds an
    attribute to (``Bindings.attributes``)."""
    what, name = kind
    if what == "display":
        return True
    return what == "class" and _not_a_list_class(name)
