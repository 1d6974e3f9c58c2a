"""PRF602: a pure-looking function that a real run called over and over
with the same arguments."""

from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from perf_lint import traversal
from perf_lint.context import FileContext
from perf_lint.heat import FunctionHeat, Repeats, StaticHeat, hot
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._heat import Functions, count, enclosing
from perf_lint.rules._imports import is_import_line, top_level_imports
from perf_lint.scopes import all_params, qualified_name


@dataclasses.dataclass(frozen=True)
class CacheableOptions:
    min_calls: int = dataclasses.field(
        default=1000,
        metadata={
            "min": 1,
            "help": "fewest calls of a function in the profile for PRF601 and PRF602 to report it",
        },
    )
    min_call_microseconds: int = dataclasses.field(
        default=3,
        metadata={
            "min": 0,
            "help": "least time per call (microseconds, with callees, as cProfile measured "
            "it) of a function PRF602 reports",
        },
    )
    min_hit_rate: int = dataclasses.field(
        default=50,
        metadata={
            "min": 1,
            "help": "least share (percent) of calls a cache would have answered, for PRF602",
        },
    )


#: Builtins taken as pure: they read their arguments and return a value.
PURE_BUILTINS = frozenset(
    {
        "abs",
        "all",
        "any",
        "ascii",
        "bin",
        "bool",
        "bytes",
        "chr",
        "divmod",
        "float",
        "format",
        "frozenset",
        "hex",
        "int",
        "isinstance",
        "issubclass",
        "len",
        "max",
        "min",
        "oct",
        "ord",
        "pow",
        "range",
        "repr",
        "round",
        "str",
        "sum",
        "tuple",
        "enumerate",
        "zip",
        "sorted",
        "list",
        "dict",
        "set",
        "reversed",
    }
)
#: Modules whose functions are taken as pure.
PURE_MODULES = ("math.", "re.", "unicodedata.", "string.", "operator.")
#: Method names taken as reads of their receiver (``str``, ``bytes``,
#: ``tuple``, ``dict`` reads, compiled patterns and their matches).
PURE_METHODS = frozenset(
    {
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "splitlines",
        "join",
        "replace",
        "startswith",
        "endswith",
        "find",
        "rfind",
        "index",
        "rindex",
        "count",
        "format",
        "encode",
        "decode",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "isupper",
        "islower",
        "isidentifier",
        "isdecimal",
        "isnumeric",
        "partition",
        "rpartition",
        "zfill",
        "ljust",
        "rjust",
        "center",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "expandtabs",
        "translate",
        "get",
        "keys",
        "values",
        "items",
        "match",
        "search",
        "fullmatch",
        "findall",
        "sub",
        "subn",
        "group",
        "groups",
        "groupdict",
        "span",
        "start",
        "end",
    }
)
#: Displays and calls whose value is a new mutable object: a cached
#: function returning one would hand every caller the same object.
_MUTABLE_RESULTS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
_MUTABLE_CALLS = frozenset({"list", "dict", "set", "sorted", "bytearray"})
#: Methods that change a list, dict or set in place.
MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "update",
        "add",
        "discard",
        "setdefault",
        "sort",
        "reverse",
        "popitem",
    }
)
_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.GeneratorExp)


class _Purity(cst.CSTVisitor):
    """Reads one function body (``PURITY`` in the rule's docstring); the
    first reason it is not pure-looking is in ``why``."""

    def __init__(self, rule: CacheableFunction, fresh: Set[str]) -> None:
        super().__init__()
        self.rule = rule
        #: Local variables bound only to new lists, dicts or sets.
        self.fresh = fresh
        self.why: Optional[str] = None
        #: A ``return`` hands out a new mutable object.
        self.returns_mutable = False

    def _no(self, why: str) -> bool:
        if self.why is None:
            self.why = why
        return False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.why is not None:
            return False
        if isinstance(node, _NESTED):
            return self._no("defines a function, class, lambda or generator")
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            return self._no("declares a global or nonlocal name")
        if isinstance(node, (cst.Yield, cst.Await)):
            return self._no("is a generator or coroutine")
        if isinstance(node, (cst.AssignTarget, cst.Del, cst.AugAssign)) and self._writes(node):
            return self._no("writes an attribute, or an item of what it did not build")
        if isinstance(node, cst.Call):
            why = self.rule.impure_call(node, self.fresh)
            if why is not None:
                return self._no(why)
        if isinstance(node, cst.Return) and (
            _mutable(node.value)
            or (isinstance(node.value, cst.Name) and node.value.value in self.fresh)
        ):
            self.returns_mutable = True
        return True

    def _writes(self, node: cst.CSTNode) -> bool:
        """``node`` writes an attribute, or an item of something else than
        a list, dict or set the function built."""
        target = node.target  # type: ignore[attr-defined]
        found = [target]
        while found:
            item = found.pop()
            if isinstance(item, cst.Attribute):
                return True
            if isinstance(item, cst.Subscript) and not (
                isinstance(item.value, cst.Name) and item.value.value in self.fresh
            ):
                return True
            if isinstance(item, (cst.Tuple, cst.List)):
                found.extend(e.value for e in item.elements)
            elif isinstance(item, cst.StarredElement):
                found.append(item.value)
        return False


class CacheableFunction(Rule):
    """## What it does
    With a profile taken by `perf-lint profile` (which records, besides
    the cProfile dump, how often the busiest functions repeat their
    arguments), checks functions that were called at least `min-calls`
    times (default 1000) with arguments equal to an earlier call's at
    least `min-hit-rate` percent of the time (default 50), and that look
    pure when read. A function is *pure-looking* when its body (read as
    written; nothing else is checked):

    - defines no function, class, lambda or generator expression, and
      declares no `global` or `nonlocal` name;
    - is no generator or coroutine (`yield`, `await`);
    - assigns, augments and deletes only plain names (no `x.a = ...`,
      `x[k] = ...`, `del x[k]`, `x.a += ...`);
    - calls only: the builtins `abs all any ascii bin bool bytes chr
      divmod float format frozenset hex int isinstance issubclass len max
      min oct ord pow range repr round str sum tuple enumerate zip sorted
      list dict set reversed` (not rebound in the file); functions of
      `math`, `re`, `unicodedata`, `string` and `operator`; functions
      defined at the top level of the same file that are pure-looking
      themselves; and methods named `lower upper strip lstrip rstrip split
      rsplit splitlines join replace startswith endswith find rfind index
      rindex count format encode decode is... partition rpartition zfill
      ljust rjust center title capitalize casefold swapcase expandtabs
      translate get keys values items match search fullmatch findall sub
      subn group groups groupdict span start end` on any object (taken as
      reads: a method of that name with side effects is not detected);
      anything else (`print`, `open`, `time.time`, `random.random`, an
      unknown function) makes it not pure-looking;
    - reads no module-level name that the file binds more than once or
      declares `global` anywhere (other global reads are taken as
      constants).

    Writing items of, and calling the methods `append extend insert pop
    remove clear update add discard setdefault sort reverse popitem` of,
    a local variable that the function binds only to a list, dict or set
    it builds (a display, a comprehension, `list()`, `dict()`, `set()`,
    `sorted()`, `bytearray()`, `[x] * n`) is allowed: no caller sees that
    object before it is returned. A function that returns such an object
    is reported with the fix message saying so (`returns_mutable` in the
    JSON `data`): with a cache, every caller gets the same object, which
    is wrong if one of them changes it.

    Without a recording (no profile, a profile not taken by `perf-lint
    profile`, or a function it did not watch) the rule is silent.

    How the calls are recorded: after the profiled run, `perf-lint profile`
    runs the program once more, watching the functions of the project that
    cProfile saw called at least 100 times, the 40 with the most
    cumulative time (lambdas and comprehensions left out). A watched
    function of an imported module is replaced, once its module has run,
    by a wrapper in the module and in the classes it defines (plain and
    static methods); one of the script itself is watched by a
    `sys.settrace` hook, which slows every call of that run. For each call
    the tuple of its arguments (keyword arguments sorted after the
    positional ones: a call by keyword is another key, as for
    `lru_cache`) is hashed when every argument is hashable by value
    (numbers, strings, bytes, `None`, tuples and frozensets of such, and
    objects whose class defines `__hash__`), and a repeat is counted when
    the hash was seen before; an unhashable argument, or one hashed by
    identity (a plain object, `self`), makes the call count as one a cache
    cannot answer. Only hashes are kept (no object is kept alive), at most
    10,000 per function (past that, a new one counts as a miss), so the
    recording holds at most about 30 MB. Calls through a reference taken
    before the wrapping (an alias bound while the module ran, a callback
    registered then) are not seen. Overhead, measured on the two programs
    tried (CPU time of the recording run against a plain run): 1.7x for
    markdown (630,000 calls recorded), 3.7x for sqlparse (2.3 million).

    ## Why is this bad?
    A function that computes the same result from the same arguments tens
    of thousands of times spends all but the first of those calls
    recomputing what it knew. `functools.lru_cache` answers a repeated
    call with a dictionary lookup. The message gives the evidence, as in
    "called 96,000 times with 212 distinct arguments; a cache would have
    answered 99.8%" (the JSON `data` holds the counts).

    ## Example
    ```python
    def normalize(name):
        return unicodedata.normalize("NFKC", name).casefold().strip()
    ```

    Use instead:
    ```python
    @functools.lru_cache(maxsize=512)
    def normalize(name):
        return unicodedata.normalize("NFKC", name).casefold().strip()
    ```

    ## Fix safety
    The fix is unsafe: a pure-looking function may still depend on
    something the reading does not see (a global container mutated
    elsewhere, a method with side effects under a listed name, an
    argument object whose attributes change), callers of a cached
    function share the objects it returns, and a cache keeps its
    arguments and results alive. It adds `@functools.lru_cache(maxsize=N)`
    (N: the smallest power of two at least twice the distinct arguments
    recorded, at least 128; `@functools.cache` for a function of no
    parameters), and `import functools` after the module's imports where
    the file does not import it (no fix where the module starts with the
    function). No fix is offered for a method (a function in a class
    body): `lru_cache` on a method keeps every instance alive in the
    cache (flake8-bugbear's B019); move the computation to a module-level
    function of the values it needs and cache that, or cache per instance
    (`functools.cached_property` for a method of no arguments). Functions
    with any other decorator are not reported. A `@staticmethod` has no
    instance to keep alive: it gets the fix, the cache below
    `@staticmethod`.
    """

    CODE = "PRF602"
    NAME = "cacheable-function"
    SUMMARY = "pure-looking function called again and again with the same arguments → `lru_cache`"
    MESSAGE = (
        "`{function}` was called {calls} times with {distinct}; a cache "
        "would have answered {rate} of the calls, and it looks pure: cache it"
    )
    FIX_MESSAGE = "Decorate with `{decorator}`{shared}"
    FIX = Fix.UNSAFE
    OPTIONS = CacheableOptions
    NEEDS_PROFILE = True
    #: Every finding is in a function.
    PATTERN = r"\bdef\b"
    READS_REPEATS = True
    # Whether a function is pure-looking depends on the file's other functions.
    FILE_WIDE = True
    VALID = (
        Valid("def f(x):\n    print(x)\n    return x\n"),
        Valid("def f(x):\n    x.a = 1\n    return x\n"),
        Valid("def f(x):\n    x[0] = 1\n    return x\n"),
        Valid("def f(x):\n    x.append(1)\n    return 1\n"),
        Valid("def f(x):\n    y: list = x\n    y.append(1)\n    return 1\n"),
        Valid("import time\n\n\ndef f(x):\n    return time.time() + x\n"),
        Valid("class C:\n    @property\n    def f(self):\n        return 1\n"),
        Valid(
            "def f(x):\n    return x * 2\n",
            heat=StaticHeat(default=hot(repeats=Repeats(10_000, 10_000, 9_000))),
        ),
    )
    INVALID = (
        Invalid(
            "import math\n\n\ndef f(x):\n    return math.sqrt(x) * 2\n",
            unsafe_fixed="import math\nimport functools\n\n\n"
            "@functools.lru_cache(maxsize=128)\ndef f(x):\n    return math.sqrt(x) * 2\n",
            heat=StaticHeat(default=hot(repeats=Repeats(10_000, 10_000, 12))),
        ),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.functions = Functions(context)
        #: Top-level functions of the file: pure-looking or not (computed lazily).
        self._pure: Dict[str, Optional[bool]] = {}
        #: Whether a function read returns a new mutable object.
        self.returns_mutable: Dict[cst.FunctionDef, bool] = {}

    # -- purity ------------------------------------------------------------------
    def _top_level(self, name: str) -> Optional[cst.FunctionDef]:
        found = [
            s
            for s in self.context.module.body
            if isinstance(s, cst.FunctionDef) and s.name.value == name
        ]
        return found[0] if len(found) == 1 else None

    def impure_call(self, call: cst.Call, fresh: Set[str]) -> Optional[str]:
        """Why ``call`` makes a function not pure-looking (``None``: it does
        not); ``fresh``: the local variables bound only to new lists, dicts
        and sets, whose mutating methods the function may call."""
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in fresh
            and func.attr.value in MUTATORS
        ):
            return None
        if isinstance(func, cst.Name):
            name = func.value
            if name in PURE_BUILTINS and self.context.facts.is_builtin(name):
                return None
            if self.context.facts.bindings.counts.get(name) == 1:
                defined = self._top_level(name)
                if defined is not None and self.pure(defined) is None:
                    return None
            return f"calls `{name}`"
        qualified = qualified_name(func, self.context.facts)
        if qualified is not None and qualified.startswith(PURE_MODULES):
            return None
        if isinstance(func, cst.Attribute) and func.attr.value in PURE_METHODS:
            return None
        return "calls an unknown function"

    def pure(self, node: cst.FunctionDef) -> Optional[str]:
        """Why ``node`` is not pure-looking (``None``: it is)."""
        name = node.name.value
        top = self._top_level(name) is node
        if top and name in self._pure:
            # Known, or being read (recursion): taken as pure meanwhile.
            return None if self._pure[name] in (True, None) else "calls an impure function"
        if top:
            self._pure[name] = None
        params = {p.name.value for p in all_params(node.params)}
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                params.add(star.name.value)
        purity = _Purity(self, self._fresh(node, params))
        traversal.visit(node.body, purity)
        why = purity.why or self._globals(node, params)
        if top:
            self._pure[name] = why is None
        self.returns_mutable[node] = purity.returns_mutable
        return why

    def _fresh(self, node: cst.FunctionDef, params: Set[str]) -> Set[str]:
        """The local variables (not parameters) that every binding in the
        function binds to a new list, dict or set (``[None] * n`` too)."""
        names = self.context.scopes.names(node)
        fresh = set()
        for name, uses in names.uses.items():
            stores = [use for use in uses if use.role == "store"]
            if name in params or name in names.declared or not stores:
                continue
            if all(_fresh_binding(use.node, names.parents) for use in stores):
                fresh.add(name)
        return fresh

    def _globals(self, node: cst.FunctionDef, params: Set[str]) -> Optional[str]:
        """A module-level name the function reads that the file binds more
        than once or declares global."""
        names = self.context.scopes.names(node)
        bindings = self.context.facts.bindings
        for name, uses in names.uses.items():
            if name in params or any(use.role == "store" for use in uses):
                continue
            if name in bindings.declared or bindings.counts.get(name, 0) > 1:
                return f"reads the global `{name}`, which changes"
        return None

    # -- reporting ---------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        heat = self.functions.heat(node)
        if heat is None or heat.repeats is None:
            return
        repeats = heat.repeats
        if repeats.calls < self.options.min_calls:
            return
        if repeats.hit_rate * 100 < self.options.min_hit_rate:
            return
        per_call = heat.seconds_per_call
        if per_call is not None and per_call * 1e6 < self.options.min_call_microseconds:
            return  # a cache lookup costs about as much as the call
        method = isinstance(enclosing(self.context)[-1], cst.ClassDef)
        decorators = [d.decorator for d in node.decorators]
        static = method and any(
            isinstance(d, cst.Name) and d.value == "staticmethod" for d in decorators
        )
        if len(decorators) > (1 if static else 0):
            return
        if self.pure(node) is not None:
            return
        self._report(node, heat, repeats, method and not static)

    def _report(
        self, node: cst.FunctionDef, heat: FunctionHeat, repeats: Repeats, method: bool
    ) -> None:
        """``method``: a method with an instance or class (no fix)."""
        function = heat.function or node.name.value
        rate = f"{math.floor(repeats.hit_rate * 1000) / 10:.1f}%"
        distinct = count(repeats.distinct) + ("+" if repeats.capped else "")
        distinct += " distinct argument" + ("s" if distinct != "1" else "")
        evidence = (
            f"called {count(repeats.calls)} times with {distinct}; "
            f"a cache would have answered {rate}"
        )
        params = bool(all_params(node.params)) or any(
            isinstance(star, cst.Param) for star in (node.params.star_arg, node.params.star_kwarg)
        )
        maxsize = max(128, 1 << max(2 * repeats.distinct - 1, 1).bit_length())
        data: Dict[str, object] = {
            "function": function,
            "calls": heat.calls,
            **repeats.as_json(),
            "maxsize": None if not params else maxsize,
            "returns_mutable": self.returns_mutable.get(node, False),
            "evidence": evidence,
        }
        slots = {"function": function, "calls": count(repeats.calls), "distinct": distinct}
        slots["rate"] = rate
        fix = None if method else self._fix(node, bool(params), maxsize)
        shared = ""
        if data["returns_mutable"]:
            shared = " (it returns a new list, dict or set: every caller will get the same one)"
        if fix is None:
            self.report(node.name, data=data, decorator="", shared=shared, **slots)
            return
        replacement, insertions, decorator = fix
        self.report(
            node,
            replacement=replacement,
            data=data,
            insert_after=insertions,
            decorator=decorator,
            shared=shared,
            **slots,
        )

    def _fix(
        self, node: cst.FunctionDef, has_params: bool, maxsize: int
    ) -> Optional[Tuple[cst.FunctionDef, list, str]]:  # type: ignore[type-arg]
        imports = top_level_imports(self.context)
        insertions: List[Tuple[cst.CSTNode, List[cst.BaseStatement]]] = []
        body = list(self.context.module.body)
        module: Optional[str] = None
        for local, (qualified, _index) in imports.items():
            if qualified == "functools":
                module = local
        if module is None:
            anchor = None
            for statement in body:
                if is_import_line(statement) or (
                    anchor is None and _docstring(statement) and statement is body[0]
                ):
                    anchor = statement
                    continue
                break
            if (
                anchor is None
                or anchor is node
                or "functools" in self.context.facts.bindings.counts
            ):
                return None
            module = "functools"
            new = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("functools"))])])
            insertions.append((anchor, [new]))
        if has_params:
            text = f"{module}.lru_cache(maxsize={maxsize})"
            decorator: cst.BaseExpression = cst.Call(
                cst.Attribute(cst.Name(module), cst.Name("lru_cache")),
                [
                    cst.Arg(
                        cst.Integer(str(maxsize)),
                        keyword=cst.Name("maxsize"),
                        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                    )
                ],
            )
        else:
            text = f"{module}.cache"
            decorator = cst.Attribute(cst.Name(module), cst.Name("cache"))
        # Below a ``staticmethod`` (the cache wraps the function itself).
        replacement = node.with_changes(decorators=[*node.decorators, cst.Decorator(decorator)])
        return replacement, insertions, f"@{text}"


def _mutable(value: Optional[cst.BaseExpression]) -> bool:
    """``value`` is a new mutable object (a display, comprehension or call
    of ``list``, ``dict``, ``set``, ``sorted``, ``bytearray``)."""
    if isinstance(value, _MUTABLE_RESULTS):
        return True
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value in _MUTABLE_CALLS
    )


def _fresh_binding(name: cst.Name, parents: Dict[cst.CSTNode, cst.CSTNode]) -> bool:
    """``name`` is bound by ``name = <new list, dict or set>`` (annotated
    or not)."""
    target = parents.get(name)
    if isinstance(target, cst.AnnAssign) and target.target is name:
        value = target.value
    else:
        assign = parents.get(target) if target is not None else None
        if not isinstance(target, cst.AssignTarget) or not isinstance(assign, cst.Assign):
            return False
        value = assign.value
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        return isinstance(value.left, cst.List) or isinstance(value.right, cst.List)
    return _mutable(value)


def _docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
