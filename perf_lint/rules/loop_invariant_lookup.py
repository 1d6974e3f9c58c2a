"""PRF603: the same attribute chain looked up on every iteration of a loop
in a hot function."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import keyword
import re
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from perf_lint import traversal
from perf_lint.context import FileContext
from perf_lint.frames import iteration
from perf_lint.heat import FunctionHeat
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._heat import Functions, count
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.scopes import dotted, target_names


@dataclasses.dataclass(frozen=True)
class LoopInvariantOptions:
    min_share: int = dataclasses.field(
        default=1,
        metadata={
            "min": 0,
            "help": "least own share (percent of the run) of a function whose loops PRF603 reads",
        },
    )
    min_repeats: int = dataclasses.field(
        default=2,
        metadata={"min": 1, "help": "fewest lookups of one chain in a loop PRF603 reports"},
    )


_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp)
_NESTED += (cst.GeneratorExp,)
_BUILTIN_NAMES = frozenset(dir(builtins))
#: The nodes that bind or delete their ``target``.
_BINDERS = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.Del, cst.For, cst.CompFor)
_BINDERS += (cst.NamedExpr,)
#: Calls in a loop that let code change what an attribute holds behind
#: the rule's back: no chain is hoisted out of such a loop.
_REFLECTION = frozenset({"setattr", "delattr", "vars", "exec", "eval", "globals", "locals"})


class _Lookups(cst.CSTVisitor):
    """The attribute chains a loop's iterations load (outermost chains:
    ``a.b.c``, not ``a.b``), what it stores, and the calls it makes; nested
    functions, classes, lambdas and comprehensions are not entered."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: Dict[str, List[cst.Attribute]] = {}
        #: Names bound in the loop, and attribute names stored or deleted.
        self.bound: Set[str] = set()
        self.stored_attributes: Set[str] = set()
        #: The dotted chain of each call's function ("" when not a chain),
        #: and the names passed to calls as arguments.
        self.calls: List[str] = []
        self.passed: Set[str] = set()
        self.reflective = False
        self._targets: Set[cst.CSTNode] = set()
        #: The functions of the calls (a method chain is hoisted by its receiver).
        self.called: Set[cst.CSTNode] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED):
            return False
        if isinstance(node, _BINDERS):
            self._target(node.target)  # type: ignore[attr-defined]
        elif isinstance(node, cst.AsName):
            self._target(node.name)
        elif isinstance(node, (cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom)):
            self.reflective = True
        elif isinstance(node, cst.Call):
            self.called.add(node.func)
            name = dotted(node.func)
            self.calls.append(name)
            if name in _REFLECTION:
                self.reflective = True
            for argument in node.args:
                if isinstance(argument.value, cst.Name):
                    self.passed.add(argument.value.value)
        elif isinstance(node, cst.Attribute) and node not in self._targets:
            chain = dotted(node)
            if chain:  # `a.b.c` counts as a load of `a.b.c` and of `a.b`
                self.loads.setdefault(chain, []).append(node)
        return True

    def _target(self, target: cst.CSTNode) -> None:
        self.bound.update(target_names(target))
        found = [target]
        while found:
            item = found.pop()
            if isinstance(item, cst.Attribute):  # its value is only loaded
                self.stored_attributes.add(item.attr.value)
                self._targets.add(item)
            elif isinstance(item, (cst.Tuple, cst.List)):
                found.extend(e.value for e in item.elements)
            elif isinstance(item, cst.StarredElement):
                found.append(item.value)
            elif isinstance(item, cst.Subscript):
                pass  # an item store: the chain of its value is only loaded


def _reaches(chain: str, lookups: _Lookups) -> bool:
    """Whether a call in the loop can reach the object ``chain`` starts
    from: a method of its first name other than through ``chain`` itself,
    or that name passed as an argument."""
    root = chain.split(".")[0]
    return root in lookups.passed or any(
        called.startswith(root + ".") and not (called == chain or called.startswith(chain + "."))
        for called in lookups.calls
    )


def _attribute_stores(context: FileContext) -> Dict[str, Set[str]]:
    """Attribute name -> the names of the functions of the file that assign
    or delete an attribute of that name (``""``: outside functions)."""
    found = context.cache.get("loop-invariant.stores")
    if found is not None:
        return found  # type: ignore[no-any-return]
    stores: Dict[str, Set[str]] = {}

    def walk(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = child.name
            elif isinstance(child, ast.Attribute) and isinstance(child.ctx, (ast.Store, ast.Del)):
                stores.setdefault(child.attr, set()).add(function)
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in ("setattr", "delattr")  # any attribute, by name
            ):
                stores.setdefault("*", set()).add(function)
            walk(child, inner)

    if context.tree is not None:
        walk(context.tree, "")
    if "*" in stores:  # setattr/delattr somewhere: every name may be stored there
        everywhere = stores.pop("*")
        for names in stores.values():
            names.update(everywhere)
        stores = _Everything(stores, everywhere)
    context.cache["loop-invariant.stores"] = stores
    return stores


class _Everything(dict):  # type: ignore[type-arg]
    """Stores where ``setattr``/``delattr`` reach every attribute name."""

    def __init__(self, known: Dict[str, Set[str]], everywhere: Set[str]) -> None:
        super().__init__(known)
        self.everywhere = everywhere

    def get(self, key: str, default: object = None) -> Set[str]:  # type: ignore[override]
        return super().get(key, set()) | self.everywhere


class _Replace(cst.CSTTransformer):
    """Replaces the loads of the hoisted chains by their local names."""

    def __init__(self, names: Dict[cst.Attribute, str]) -> None:
        super().__init__()
        self.names = names

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not isinstance(node, _NESTED)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:
        name = self.names.get(original_node)  # type: ignore[arg-type]
        if name is not None:
            return cst.Name(name)
        return updated_node


class LoopInvariantLookup(Rule):
    """## What it does
    With a profile of a real run, checks the outermost `for` and `while`
    loops of functions whose own time is at least `min-share` percent of
    the run (default 1; the function's own share, as the profile's line
    numbers are not read yet) for an attribute chain (`self._model`,
    `self.state.counts`, `tokens.T.Keyword`) looked up at least
    `min-repeats` times (default 2) in the code that runs on each
    iteration (the body of a `for`, the test and body of a `while`, inner
    loops included; not nested functions, lambdas or comprehensions),
    where nothing in the loop
    rebinds it: no assignment, `del`, `for` target, `with ... as`,
    walrus or import of its first name, no assignment or `del` of an
    attribute of any of its names on any object (`x.counts = ...` keeps
    `self.state.counts` from being reported), no `global`/`nonlocal`,
    and no `setattr`, `delattr`, `vars`, `exec`, `eval`, `globals` or
    `locals`. Only chains (two names or more) are read: a module global
    alone costs about as much as a local in CPython 3.11 and later. A
    method called through a chain (`self.items.append(x)`) counts as a
    lookup of its receiver (`self.items`), which is what the fix hoists:
    a bound method in a local (`append = self.items.append`) loses the
    specialised method call of CPython 3.11 and is slower (0.66x to 1.03x
    measured). Without a profile the rule is silent.

    ## Why is this bad?
    Each `self.x` is a dictionary lookup (or a descriptor call) on every
    iteration; each `a.b.c` is two. A local variable is read from the
    frame by index. In a loop that runs millions of times, the lookups add
    up: hoisting the attribute lookups of one program's hottest inner loop
    into locals made the whole program 8.4% faster. The message says how
    many lookups each iteration makes and how often the profile saw the
    function called (JSON `data`: chains, lookups, calls; the function's
    shares of the run are in the ranking after the message). cProfile does
    not count loop iterations: a hot function may run a loop of one or two
    iterations per call, where the hoisting costs about what it saves
    (0.93x to 1.06x measured on CPython 3.11 for one iteration; 1.05x to
    1.35x from ten iterations on, `bench/fix_speed.py`).

    ## Example
    ```python
    def count(self, words):
        for word in words:
            if word in self.stop_words:
                continue
            self.counts[word] = self.counts.get(word, 0) + 1
    ```

    Use instead:
    ```python
    def count(self, words):
        counts = self.counts
        for word in words:
            if word in self.stop_words:
                continue
            counts[word] = counts.get(word, 0) + 1
    ```

    ## Fix safety
    The fix binds each chain to a new local (named after its last
    attribute, a name used nowhere in the file) in a statement before the
    loop and reads the local in the loop. It is always unsafe: the chain
    is now looked up once even when the loop runs no iteration (an
    attribute that does not exist then raises where the loop did not), a
    property or `__getattr__` runs once instead of on every iteration, and
    a call in the loop may rebind the attribute through another name for
    its object. Where the loop calls a method of the chain's first name
    other than through the chain itself (`self.reset()` while hoisting
    `self.counts`), or passes that name to a call (`update(self)`), that
    call could rebind the attribute: the chain is reported (and fixed)
    only when no function of the file but the loop's own and
    `__init__`/`__new__` assigns or deletes an attribute of that name (on
    any object; a `setattr` or `delattr` call anywhere counts for every
    name). Code in other files that rebinds it is not seen: `perf-lint
    profile --fix` compares the program's output. No fix is offered where
    the loop is the first statement of its block (the new statement goes
    after the statement before the loop).
    """

    CODE = "PRF603"
    NAME = "loop-invariant-lookup"
    SUMMARY = "attribute chain looked up on every iteration of a hot loop → local before the loop"
    MESSAGE = (
        "{chains} looked up on each iteration of this loop in `{function}` "
        "({evidence}); bind to locals before the loop"
    )
    FIX_MESSAGE = "Bind {locals} before the loop"
    FIX = Fix.UNSAFE
    OPTIONS = LoopInvariantOptions
    NEEDS_PROFILE = True
    #: Every finding is in a function and its loops.
    PATTERN = (r"\bdef\b", FOR_OR_WHILE)
    FILE_WIDE = True
    VALID = (
        Valid("def f(self, xs):\n    for x in xs:\n        self.a.append(x)\n"),
        Valid(
            "def f(self, xs):\n    for x in xs:\n        self.a.append(x)\n"
            "        self.a = []\n        self.a.append(x)\n"
        ),
        Valid("def f(self, xs):\n    self.a.append(1)\n    self.a.append(2)\n"),
        Valid("def f(self, xs):\n    for x in xs:\n        self.f(x)\n        self.f(x)\n"),
        Valid("def f(xs):\n    for x in xs:\n        print(x.a, x.a)\n"),
        Valid("def f(xs):\n    for x, (y, z) in xs:\n        print(z.a, z.a)\n"),
    )
    INVALID = (
        Invalid(
            "def f(self, xs):\n    n = 0\n    for x in xs:\n"
            "        self.counts[x] = self.counts.get(x, 0) + 1\n",
            unsafe_fixed="def f(self, xs):\n    n = 0\n    counts = self.counts\n"
            "    for x in xs:\n        counts[x] = counts.get(x, 0) + 1\n",
        ),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.functions = Functions(context)
        self.heat_of: Dict[cst.FunctionDef, FunctionHeat] = {}
        #: The locals this analysis gave each function.
        self.names: Dict[cst.CSTNode, Set[str]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        heat = self.functions.heat(node)
        if heat is not None:
            self.heat_of[node] = heat

    def visit_For(self, node: cst.For) -> None:
        self._loop(node)

    def visit_While(self, node: cst.While) -> None:
        self._loop(node)

    def _loop(self, node: cst.CSTNode) -> None:
        frames = self.context.scopes
        if any(frame.node is not node for frame in frames.loops()):
            return  # inside a loop of its function: the outer one reports
        function = frames.function()
        heat = self.heat_of.get(function) if function is not None else None
        if heat is None or heat.self_share * 100 < self.options.min_share:
            return
        lookups = _Lookups()
        if isinstance(node, cst.For):  # its target changes on every iteration
            lookups.bound.update(target_names(node.target))
        for part in iteration(node):
            traversal.visit(part, lookups)
        if lookups.reflective:
            return
        found: List[Tuple[str, List[cst.Attribute]]] = []
        for chain, loads in lookups.loads.items():
            if len(loads) < self.options.min_repeats or "." not in chain:
                continue
            if all(load in lookups.called for load in loads):
                continue  # a method: its receiver is hoisted, not a bound method
            names = chain.split(".")
            if names[0] in lookups.bound or lookups.stored_attributes & set(names[1:]):
                continue
            if _reaches(chain, lookups) and self._stored_elsewhere(chain, function):
                continue  # a call in the loop may rebind it
            found.append((chain, loads))
        # A chain whose every load is part of a longer chain found: the
        # longer one is hoisted instead.
        found = [
            (chain, loads)
            for chain, loads in found
            if not any(
                other.startswith(chain + ".") and len(more) == len(loads) for other, more in found
            )
        ]
        if not found:
            return
        self._report(node, function, heat, found, lookups)  # type: ignore[arg-type]

    def _report(
        self,
        node: cst.CSTNode,
        function: cst.FunctionDef,
        heat: FunctionHeat,
        found: List[Tuple[str, List[cst.Attribute]]],
        lookups: _Lookups,
    ) -> None:
        found.sort(key=lambda item: (-len(item[1]), item[0]))
        name = heat.function or function.name.value
        # The shares are in the ranking's suffix (and the JSON `profile`).
        calls = heat.calls
        evidence = "hot in the profile"
        if calls is not None:
            evidence = f"{count(calls)} call" + ("s" if calls != 1 else "")
        chains = ", ".join(f"`{chain}` ({len(loads)}x)" for chain, loads in found)
        data = {
            "function": name,
            "calls": heat.calls,
            "lookups": {chain: len(loads) for chain, loads in found},
            "evidence": f"`{name}`: {evidence}; per iteration: {chains}",
        }
        fix = self._fix(node, found, lookups)
        if fix is None:
            self.report(node, data=data, chains=chains, function=name, evidence=evidence, locals="")
            return
        replacement, anchor, statements, names = fix
        self.report(
            node,
            replacement=replacement,
            data=data,
            insert_after=[(anchor, statements)],
            chains=chains,
            function=name,
            evidence=evidence,
            locals=", ".join(f"`{n}`" for n in names),
        )

    def _fix(
        self,
        node: cst.CSTNode,
        found: List[Tuple[str, List[cst.Attribute]]],
        lookups: _Lookups,
    ) -> Optional[Tuple[cst.CSTNode, cst.CSTNode, List[cst.BaseStatement], List[str]]]:
        suite = self.context.scopes.suite()
        body = list(getattr(suite, "body", ()))
        index = next((i for i, s in enumerate(body) if s is node), None)
        if not index:
            return None
        hoisted: Dict[cst.Attribute, str] = {}
        statements: List[cst.BaseStatement] = []
        names: List[str] = []
        function = self.context.scopes.function()
        for chain, loads in found:
            local = self._local(chain, function)
            if local is None:
                return None
            names.append(local)
            for load in loads:
                hoisted[load] = local
            statements.append(
                cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(local))], loads[0])])
            )
        replacement = node.visit(_Replace(hoisted))
        if isinstance(node, cst.For):  # its iterable runs once: left as it was
            replacement = replacement.with_changes(iter=node.iter)  # type: ignore[attr-defined]
        return replacement, body[index - 1], statements, names

    def _stored_elsewhere(self, chain: str, function: Optional[cst.FunctionDef]) -> bool:
        """Whether a function of the file other than ``function`` and the
        ``__init__`` methods assigns or deletes an attribute named like one
        of ``chain``'s (a method the loop calls could then rebind it)."""
        stores = _attribute_stores(self.context)
        own = function.name.value if function is not None else ""
        for name in chain.split(".")[1:]:
            if stores.get(name, set()) - {own, "__init__", "__new__"}:
                return True
        return False

    def _local(self, chain: str, function: Optional[cst.FunctionDef]) -> Optional[str]:
        """A new local variable for ``chain`` in ``function``: named after its
        last attribute, and not a name the function uses, the file binds,
        a builtin's or one this analysis gave the function already."""
        last = chain.split(".")[-1].lstrip("_")
        if not last.isidentifier() or function is None:
            return None
        base = last if last.islower() else re.sub(r"(?<!^)(?=[A-Z])", "_", last).lower()
        used = self.context.scopes.names(function).uses
        taken = self.names.setdefault(function, set())
        bound = self.context.facts.bindings.counts
        candidate, number = base, 1
        while (
            candidate in taken
            or candidate in used
            or candidate in bound
            or candidate in _BUILTIN_NAMES
            or keyword.iskeyword(candidate)
            or candidate in ("self", "cls")
        ):
            number += 1
            candidate = f"{base}_{number}"
        taken.add(candidate)
        return candidate
