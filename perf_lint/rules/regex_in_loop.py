"""PRF501 regex-in-loop."""

from __future__ import annotations

import ast
import dataclasses
import re
import warnings
from typing import Dict, NamedTuple, Optional, Set, Tuple, Union

import libcst as cst

from perf_lint import repeats, syntax, traversal
from perf_lint.context import FileContext
from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._imports import is_import_line, top_level_imports
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.scopes import qualified_name

#: Each function of ``re`` the rule knows, with its parameters; the first
#: ``required`` of them have no default. The pattern's methods take the
#: same parameters less ``pattern`` and ``flags``, by the same names.
_SIGNATURES: Dict[str, Tuple[Tuple[str, ...], int]] = {
    "match": (("pattern", "string", "flags"), 2),
    "search": (("pattern", "string", "flags"), 2),
    "fullmatch": (("pattern", "string", "flags"), 2),
    "findall": (("pattern", "string", "flags"), 2),
    "finditer": (("pattern", "string", "flags"), 2),
    "sub": (("pattern", "repl", "string", "count", "flags"), 3),
    "subn": (("pattern", "repl", "string", "count", "flags"), 3),
    "split": (("pattern", "string", "maxsplit", "flags"), 2),
    "compile": (("pattern", "flags"), 1),
}
_FUNCTIONS = frozenset(_SIGNATURES)

#: The flags of ``re`` by name (``I`` and ``IGNORECASE``...).
_FLAGS: Dict[str, int] = {
    name: int(value)
    for name, value in vars(re).items()
    if isinstance(value, re.RegexFlag) and name.isupper()
}

#: Builtins that list a module's globals (``dir``, ``vars`` and ``locals``
#: when called without arguments at module level).
_LISTING = frozenset({"globals", "dir", "vars", "locals"})

Pattern = Union[str, bytes]


# -- the shape, on the ast ------------------------------------------------------------


def _may_compile(node: ast.AST) -> bool:
    """A call that the rule may report: ``<x>.<function>(...)`` or
    ``<function>(...)`` with a function of ``re`` by its own name, whose
    pattern (first positional argument or ``pattern=``) is a ``str`` or
    ``bytes`` literal."""
    if type(node) is not ast.Call:
        return False
    func = node.func  # type: ignore[attr-defined]
    kind = type(func)
    if kind is ast.Attribute:
        name = func.attr
    elif kind is ast.Name:
        name = func.id
    else:
        return False
    if name not in _FUNCTIONS:
        return False
    args = node.args  # type: ignore[attr-defined]
    if args:
        pattern = args[0]
    else:
        pattern = next(
            (k.value for k in node.keywords if k.arg == "pattern"),  # type: ignore[attr-defined]
            None,
        )
    return type(pattern) is ast.Constant and isinstance(pattern.value, (str, bytes))  # type: ignore[union-attr]


def compiles_in_loop(node: ast.AST, source: str) -> bool:
    """The shape of PRF501: a loop (or comprehension) that runs such a call
    on every iteration, not inside a nested function, lambda or class."""
    stack = repeats.iteration(node)
    while stack:
        inner = stack.pop()
        if isinstance(inner, repeats.SCOPES):
            continue
        if _may_compile(inner):
            return True
        stack.extend(syntax.children(inner))
    return False


# -- the rule ----------------------------------------------------------------------------


class _Compile(NamedTuple):
    """A call of a function of ``re`` with a constant pattern: the function,
    the pattern's node and value, the flags' value and node (``None`` when
    absent), and the other arguments, as written."""

    call: cst.Call
    function: str
    pattern_node: cst.BaseExpression
    pattern: Pattern
    flags: int
    flags_node: Optional[cst.BaseExpression]
    dropped: Tuple[cst.Arg, ...]
    kept: Tuple[cst.Arg, ...]

    @property
    def key(self) -> Tuple[type, Pattern, int]:
        return (type(self.pattern), self.pattern, self.flags)


def _literal(node: cst.BaseExpression) -> Optional[Pattern]:
    """The value of a ``str`` or ``bytes`` literal (implicit concatenations
    included, f-strings not)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        with warnings.catch_warnings():  # "\d" in a plain string: a warning, not an error
            warnings.simplefilter("ignore")
            try:
                value = node.evaluated_value
            except Exception:  # libcst evaluates with ast.literal_eval
                return None
        if isinstance(value, (str, bytes)):
            return value
    return None


def _flags_value(node: cst.BaseExpression, context: FileContext) -> Optional[int]:
    """The value of a constant flags expression: flags of ``re`` (through
    the file's imports), integers, joined by ``|`` or ``+``."""
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitOr, cst.Add)):
        left = _flags_value(node.left, context)
        right = _flags_value(node.right, context)
        if left is None or right is None:
            return None
        return left | right if isinstance(node.operator, cst.BitOr) else left + right
    name = qualified_name(node, context.facts)
    if name is not None and name.startswith("re.") and name[3:] in _FLAGS:
        return _FLAGS[name[3:]]
    return None


def _bind(call: cst.Call, function: str) -> Optional[Dict[str, cst.Arg]]:
    """The call's arguments by parameter, as Python binds them; ``None``
    for a call Python would reject or that unpacks arguments."""
    params, required = _SIGNATURES[function]
    bound: Dict[str, cst.Arg] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if position >= len(params):
                return None
            name = params[position]
            position += 1
        else:
            name = arg.keyword.value
            if name not in params:
                return None
        if name in bound:
            return None
        bound[name] = arg
    if any(param not in bound for param in params[:required]):
        return None
    return bound


def match_compile(call: cst.Call, context: FileContext) -> Optional[_Compile]:
    """``call`` as a call of a function of ``re`` with a constant pattern
    and constant flags; ``None`` otherwise."""
    func = call.func
    if isinstance(func, cst.Attribute):
        own_name = func.attr.value
    elif isinstance(func, cst.Name):
        own_name = func.value
    else:
        return None
    if own_name not in _FUNCTIONS or qualified_name(func, context.facts) != "re." + own_name:
        return None
    bound = _bind(call, own_name)
    if bound is None:
        return None
    pattern = _literal(bound["pattern"].value)
    if pattern is None:
        return None
    flags, flags_node = 0, None
    if "flags" in bound:
        flags_node = bound["flags"].value
        value = _flags_value(flags_node, context)
        if value is None:
            return None
        flags = value
    dropped = tuple(bound[name] for name in ("pattern", "flags") if name in bound)
    kept = tuple(arg for arg in call.args if arg not in dropped)
    return _Compile(
        call, own_name, bound["pattern"].value, pattern, flags, flags_node, dropped, kept
    )


class _Text(str):
    """A pattern of a type no program uses, so that ``re``'s cache never
    answers for it: a pattern the program compiled (with its warning
    ignored) is compiled again here."""


class _Bytes(bytes):
    """``_Text`` for ``bytes`` patterns."""


def compiles(pattern: Pattern, flags: int) -> bool:
    """``re.compile(pattern, flags)`` succeeds here without a warning, and
    the flags do not ask for debugging output (which ``re`` prints on every
    compilation, cached or not)."""
    if flags & re.DEBUG:
        return False
    fresh = _Text(pattern) if isinstance(pattern, str) else _Bytes(pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(fresh, flags)
        except (re.error, ValueError, TypeError, OverflowError, RecursionError, Warning):
            return False
    return True


class _Comments(cst.CSTVisitor):
    def __init__(self, skip: Optional[cst.CSTNode]) -> None:
        super().__init__()
        self.skip = skip
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.skip:
            return False
        if isinstance(node, cst.Comment):
            self.found = True
        return not self.found


def _has_comment(node: cst.CSTNode, skip: Optional[cst.CSTNode]) -> bool:
    """``node`` holds a comment outside ``skip``."""
    finder = _Comments(skip)
    traversal.visit(node, finder)
    return finder.found


@dataclasses.dataclass
class _Constant:
    """A module-level pattern constant: its name, the statement that binds
    it (``None`` for one this analysis adds) and, for an existing one, its
    index among the module's statements."""

    name: str
    statement: Optional[cst.SimpleStatementLine]
    index: int


class _Module:
    """What the fix needs from the module's own statements (read once per
    file): the name the module ``re`` (or ``re.compile``) is imported as,
    unconditionally at module level; the statement the constants go after;
    the pattern constants already there."""

    def __init__(self, context: FileContext) -> None:
        body = context.module.body
        self.compile: Optional[str] = None
        self.module_name: Optional[str] = None
        self.anchor: Optional[int] = None
        self.existing: Dict[Tuple[type, Pattern, int], _Constant] = {}
        binding: Optional[int] = None
        for local, (qualified, index) in top_level_imports(context).items():
            if qualified == "re" and self.module_name is None:
                self.module_name, binding = local, index
            elif qualified == "re.compile" and self.compile is None:
                self.compile = local
                binding = index if binding is None else binding
        if self.module_name is not None:
            binding = top_level_imports(context)[self.module_name][1]
        for index, statement in enumerate(body):
            found = self._constant(statement, context)
            if found is not None:
                key, name = found
                self.existing.setdefault(key, _Constant(name, statement, index))  # type: ignore[arg-type]
        if binding is None:
            return
        anchor = binding
        while anchor + 1 < len(body) and (
            is_import_line(body[anchor + 1]) or self._constant(body[anchor + 1], context)
        ):
            anchor += 1
        self.anchor = anchor

    def compile_function(self) -> cst.BaseExpression:
        """``re.compile`` as the module names it."""
        if self.module_name is not None:
            return cst.Attribute(cst.Name(self.module_name), cst.Name("compile"))
        return cst.Name(self.compile)  # type: ignore[arg-type]

    @staticmethod
    def _constant(
        statement: cst.CSTNode, context: FileContext
    ) -> Optional[Tuple[Tuple[type, Pattern, int], str]]:
        """``NAME = re.compile(<literal>[, <flags>])`` alone on its line, with
        ``NAME`` bound nowhere else in the file: its key and name."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if (
            not isinstance(small, cst.Assign)
            or len(small.targets) != 1
            or not isinstance(small.targets[0].target, cst.Name)
            or not isinstance(small.value, cst.Call)
        ):
            return None
        name = small.targets[0].target.value
        bindings = context.facts.bindings
        if bindings.counts.get(name) != 1 or name in bindings.declared:
            return None
        found = match_compile(small.value, context)
        if found is None or found.function != "compile" or found.kept:
            return None
        return found.key, name


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_UNDERSCORES = re.compile(r"_+")


def constant_stem(name: str) -> str:
    """``parse_line`` and ``parseLine`` give ``PARSE_LINE``; a name that
    gives no ASCII identifier gives ``""``."""
    stem = _UNDERSCORES.sub("_", _CAMEL.sub("_", name)).strip("_").upper()
    return stem if stem.isascii() and stem.isidentifier() else ""


class RegexInLoop(Rule):
    """## What it does
    Checks for calls of `re.match`, `re.search`, `re.fullmatch`,
    `re.findall`, `re.finditer`, `re.sub`, `re.subn`, `re.split` and
    `re.compile` with a constant pattern (a `str` or `bytes` literal) and
    constant flags, on every iteration of a `for` or `while` loop or of a
    comprehension (not in its first iterable, which runs once), in the
    same function. The module `re` is recognised through the file's
    imports (`import re as r`, `from re import match`). A pattern that
    varies from one iteration to the next, and a method of a compiled
    pattern, are not reported.

    ## Why is this bad?
    The functions of `re` compile their pattern on each call. CPython keeps
    the compiled patterns in a cache, so a constant pattern is compiled
    once; what each call still costs is the call into `re`'s Python code,
    the cache lookup (a dictionary keyed by the pattern's type, the pattern
    and the flags) and the checks around it: about a quarter of a
    microsecond, as much as a short search itself takes. Where a program
    uses more patterns than the cache holds (512 in CPython), they push one
    another out and the pattern is compiled again, which costs far more. A
    pattern compiled once at module level, whose method is called in the
    loop, costs neither, and names the pattern.

    ## Example
    ```python
    import re

    def parse(lines):
        for line in lines:
            if re.match(r"\\s*#", line):
                continue
            yield re.split(r"\\s*,\\s*", line, maxsplit=2)
    ```

    Use instead:
    ```python
    import re

    _PARSE_PATTERN_1 = re.compile(r"\\s*#")
    _PARSE_PATTERN_2 = re.compile(r"\\s*,\\s*")

    def parse(lines):
        for line in lines:
            if _PARSE_PATTERN_1.match(line):
                continue
            yield _PARSE_PATTERN_2.split(line, maxsplit=2)
    ```

    ## Fix safety
    The fix adds `_<FUNCTION>_PATTERN_<n> = re.compile(<pattern>, <flags>)`
    after the import of `re` (and the imports and pattern constants that
    follow it directly), named after the enclosing function (or class), and
    calls the constant's method in the loop with the other arguments as
    they were, positional or keyword (`re.sub(p, repl, s, count, flags)`
    becomes `<constant>.sub(repl, s, count)`, the flags written `re.<FLAG>`
    in the constant); `re.compile(...)` itself becomes the constant. A
    constant already at module level for the same pattern and flags, up to
    where the new one would go, is reused, whether a fix added it or not;
    the fixes of several calls with the same pattern and flags add one
    constant. A fix is offered only when:

    - the pattern is a literal and the flags are integers or flags of `re`,
      which `re.compile` accepts here without a warning (so that the
      constant cannot raise, or warn, when the module is imported) and
      which do not ask for `re.DEBUG` output;
    - `re` (or `re.compile`) is imported by an `import` statement of the
      module itself, not in a `try`, `if` or function, and the file binds
      that name nowhere else; the loop comes after the statement the
      constant goes after (it cannot run before the constant exists);
    - the new name is used nowhere in the file;
    - the arguments the call loses (the pattern, unless it moves into a
      constant this fix adds, and the flags) hold no comment.

    It is safe, except in a module that can list its own globals (it calls
    `globals()`, or `dir()`, `vars()` or `locals()` without arguments),
    which would see the new constant: there it is unsafe. A compiled
    pattern is immutable and `re` hands out the same object for as long as
    the pattern stays in its cache, so the program cannot tell the
    constant apart. The pattern is compiled when the module is imported,
    once, even where the loop never runs. A pattern that this Python
    compiles but another rejects (one written for a newer `re`) would fail
    at import instead of in the loop. On Python 3.13 and later, `re.sub`,
    `re.subn` and `re.split` warn about a positional count or maxsplit;
    the pattern's methods do not. Calls through another name (`from re
    import match as m`) are not reported.
    """

    # The constant a fix adds is named and shared across the file's loops.
    FILE_WIDE = True
    CODE = "PRF501"
    NAME = "regex-in-loop"
    SUMMARY = '`re.match(r"...", s)` in a loop → module-level `re.compile` constant'
    MESSAGE = "`re.{function}` with a constant pattern in a loop; compile it once at module level"
    FIX_MESSAGE = "Use the module-level pattern `{constant}`"
    FIX = Fix.SAFE_WHEN_PROVEN
    PATTERN = (
        FOR_OR_WHILE,
        r"(?:match|search|fullmatch|findall|finditer|sub|split|compile)(?!\w)",
        # `re` is resolved through an import of it (or of a name from it):
        # an import statement names it (searched from its keyword, which is
        # far faster than from the two letters).
        r"(?:import|from)(?:[^\n]|\\\n)*?(?<![\w.])re(?!\w)",
    )
    SHAPE_NODES = LOOPS
    shape = staticmethod(compiles_in_loop)
    VALID = (
        Valid("import re\nP = re.compile('a')\nfor x in xs:\n    P.match(x)\n"),
        Valid("import re\nfor p in ps:\n    re.match(p, s)\n"),
        Valid("import re\nfor x in xs:\n    re.match('a', x, flags)\n"),
        Valid("import re\nre.match('a', s)\nfor x in re.findall('a', s):\n    pass\n"),
        Valid("import regex as re\nfor x in xs:\n    re.match('a', x)\n"),
        Valid("import re\nfor x in xs:\n    f = lambda s: re.match('a', s)\n"),
    )
    INVALID = (
        Invalid(
            "import re\n\n\ndef parse(lines):\n    for line in lines:\n"
            "        yield re.sub(r'\\s+', ' ', line, flags=re.I)\n",
            fixed="import re\n\n_PARSE_PATTERN_1 = re.compile(r'\\s+', re.I)\n\n\n"
            "def parse(lines):\n    for line in lines:\n"
            "        yield _PARSE_PATTERN_1.sub(' ', line)\n",
        ),
        Invalid(
            "from re import compile, match\n\nok = [x for x in xs if match(b'a', x)]\n",
            fixed="from re import compile, match\n\n_PATTERN_1 = compile(b'a')\n\n"
            "ok = [x for x in xs if _PATTERN_1.match(x)]\n",
        ),
        Invalid("import re\nwhile re.search('(', s):\n    pass\n"),
        Invalid(
            "try:\n    import re\nexcept ImportError:\n    pass\n"
            "for x in xs:\n    re.match('a', x)\n"
        ),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self._module: Optional[_Module] = None
        self._before_anchor: Optional[Set[cst.CSTNode]] = None
        #: The constant of each pattern and flags, as this analysis adds it.
        self.added: Dict[
            Tuple[type, Pattern, int], Tuple[str, cst.SimpleStatementLine, cst.CSTNode]
        ] = {}
        self.names: Set[str] = set()
        self.numbers: Dict[str, int] = {}

    # -- the report --------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self.context.scopes.loop() is None:  # not run on every iteration
            return
        found = match_compile(node, self.context)
        if found is None:
            return
        fix = self._fix(found)
        if fix is None:
            self.report(node, function=found.function)
            return
        replacement, constant, insertion = fix
        self.report(
            node,
            replacement=replacement,
            safe=not self._lists_globals(),
            insert_after=insertion,
            function=found.function,
            constant=constant,
        )

    def _fix(self, found: _Compile) -> Optional[tuple]:  # type: ignore[type-arg]
        """The replacement of the call, the constant's name and what the fix
        inserts; ``None`` where no safe fix can be offered."""
        module = self._module_facts()
        if module.anchor is None or self._runs_early(found.call):
            return None
        if not compiles(found.pattern, found.flags):
            return None
        if found.flags_node is not None and found.flags and module.module_name is None:
            return None
        existing = module.existing.get(found.key)
        if existing is not None and existing.index <= module.anchor:
            moved: Optional[cst.CSTNode] = None
        elif found.key in self.added:
            moved = self.added[found.key][2]
        else:
            moved = found.pattern_node
        # The pattern's node moves into the constant when this call's fix
        # adds it; the rest of what the call loses must hold no comment.
        if any(_has_comment(arg, moved) for arg in found.dropped):
            return None
        insertion: tuple = ()  # type: ignore[type-arg]
        if existing is not None and existing.index <= module.anchor:
            name = existing.name
        else:
            if found.key not in self.added:
                name = self._new_name()
                statement = self._statement(name, found, module)
                self.added[found.key] = (name, statement, found.pattern_node)
            name, statement, _ = self.added[found.key]
            insertion = ((self.context.module.body[module.anchor], (statement,)),)
        return self._replacement(found, name), name, insertion

    def _lists_globals(self) -> bool:
        """The file may list the module's globals, which the constant joins:
        it calls ``globals()``, or ``dir()``, ``vars()`` or ``locals()``
        without arguments (the builtins)."""
        key = ("lists-globals",)
        cache = self.context.cache
        if key not in cache:
            facts = self.context.facts
            cache[key] = facts.tree is None or any(
                type(node) is ast.Call
                and type(node.func) is ast.Name
                and node.func.id in _LISTING
                and (node.func.id == "globals" or not (node.args or node.keywords))
                and facts.is_builtin(node.func.id)
                for node in syntax.walk(facts.tree)
            )
        return cache[key]  # type: ignore[no-any-return]

    def _module_facts(self) -> _Module:
        if self._module is None:
            self._module = _Module(self.context)
        return self._module

    def _runs_early(self, call: cst.Call) -> bool:
        """``call`` lies in a statement of the module before the constant
        (or in the one the constant follows)."""
        module = self._module_facts()
        if self._before_anchor is None:
            finder = _Calls()
            for statement in self.context.module.body[: module.anchor + 1]:  # type: ignore[operator]
                traversal.visit(statement, finder)
            self._before_anchor = finder.calls
        return call in self._before_anchor

    def _new_name(self) -> str:
        scope = self.context.scopes.scope()
        stem = "" if isinstance(scope, cst.Module) else constant_stem(scope.name.value)
        prefix = f"_{stem}_PATTERN_" if stem else "_PATTERN_"
        number = self.numbers.get(prefix, 0)
        while True:
            number += 1
            name = f"{prefix}{number}"
            if self._free(name):
                break
        self.numbers[prefix] = number
        self.names.add(name)
        return name

    def _free(self, name: str) -> bool:
        bindings = self.context.facts.bindings
        return (
            name not in self.names
            and name not in bindings.counts
            and name not in bindings.typing_names
            and name not in bindings.typing_modules
            and re.search(rf"(?<!\w){name}(?!\w)", self.context.source) is None
        )

    def _statement(self, name: str, found: _Compile, module: _Module) -> cst.SimpleStatementLine:
        """``<name> = re.compile(<pattern>[, <flags>])``, after a blank line
        when it follows an import."""
        args = [cst.Arg(found.pattern_node)]
        if found.flags_node is not None and found.flags:
            args[0] = args[0].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            args.append(cst.Arg(_spelled_flags(found.flags_node, module.module_name)))  # type: ignore[arg-type]
        call = cst.Call(func=module.compile_function(), args=args)
        anchor = self.context.module.body[module.anchor]  # type: ignore[index]
        return cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=call)],
            leading_lines=[cst.EmptyLine()] if is_import_line(anchor) else [],
        )

    @staticmethod
    def _replacement(found: _Compile, name: str) -> cst.BaseExpression:
        call = found.call
        if found.function == "compile":
            return cst.Name(name, lpar=call.lpar, rpar=call.rpar)
        kept = list(found.kept)
        if kept and kept[-1] is not call.args[-1]:
            kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)
        func = cst.Attribute(cst.Name(name), cst.Name(found.function))
        return call.with_changes(func=func, args=kept)


def _spelled_flags(node: cst.BaseExpression, module_name: str) -> cst.BaseExpression:
    """The flags expression with every flag written ``<re>.<FLAG>``."""
    if isinstance(node, cst.BinaryOperation):
        return node.with_changes(
            left=_spelled_flags(node.left, module_name),
            right=_spelled_flags(node.right, module_name),
        )
    if isinstance(node, cst.Integer):
        return node
    last = node.attr.value if isinstance(node, cst.Attribute) else node.value  # type: ignore[attr-defined]
    return cst.Attribute(
        cst.Name(module_name),
        cst.Name(last),
        lpar=node.lpar,  # type: ignore[attr-defined]
        rpar=node.rpar,  # type: ignore[attr-defined]
    )


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Set[cst.CSTNode] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.add(node)
