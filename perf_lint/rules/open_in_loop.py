"""PRF502 open-in-loop."""

from __future__ import annotations

import ast
from typing import Optional, Set, Tuple

import libcst as cst

from perf_lint import traversal
from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import (
    OPEN,
    PATH_IO_METHODS,
    LoopRule,
    binding_values,
    positional,
    runs_once,
    summary,
    words,
)
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.scopes import VariableVisitor, dotted, qualified_name

#: Functions that open the file named by their first argument.
_OPEN_FUNCTIONS = frozenset({"io.open", "codecs.open"})
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
#: Calls that build a path from their arguments alone (the same arguments
#: give the same path): a path made of these does not change unless what
#: it reads does.
_PURE_FUNCTIONS = words(
    "os.path.join os.path.abspath os.path.realpath os.path.normpath os.path.dirname"
    " os.path.basename os.path.expanduser os.path.expandvars os.path.relpath os.fspath os.fsencode"
    " os.fsdecode pathlib.Path pathlib.PurePath pathlib.PosixPath pathlib.WindowsPath"
    " pathlib.PurePosixPath pathlib.PureWindowsPath"
)
_PURE_BUILTINS = frozenset({"str", "repr", "format", "bytes", "Path"})
_PURE_METHODS = words(
    "format join replace strip lstrip rstrip lower upper encode decode joinpath with_name"
    " with_suffix with_stem expanduser absolute resolve"
)


class OpenInLoop(LoopRule):
    """## What it does
    Checks for a file opened inside a loop by a path that does not change
    from one iteration to the next, for reading or appending:
    `open(path)`, `io.open(path)`, `codecs.open(path)`, `Path(...).open()`
    (a `pathlib.Path` built in the call, or a name bound only to one), and
    `.read_text()`, `.read_bytes()`, `.write_text(data)`,
    `.write_bytes(data)` on any receiver, when the arguments fit
    `pathlib.Path`'s (`stream.read_bytes(size)` is another class's method,
    and is not reported). "Inside a loop" means a `for`,
    `async for` or `while` body, a `while` test, or a comprehension's
    element, conditions and inner iterables, in the same function; the
    iterable of a nested `for` is in the outer loop.

    The path *depends on the loop* when it reads a name the loop binds
    (the loop variable, or any name assigned in the loop body, by `=`,
    `+=`, `:=`, `with ... as`, a nested loop...) or an object the loop
    changes (`self.path = ...`, `paths.pop()`), or when it calls anything
    but a path builder (`os.path.join`, `Path`, `str`, `.format`,
    `.joinpath` and the like): `open(next_name())` may open another file
    each time. Such opens are not reported.

    Not reported either, since each iteration may see another file:
    - any other argument that depends on the loop (a mode, an encoding,
      the data of `write_text`);
    - a mode that truncates or creates the file (`"w"`, `"x"`), or a mode
      that is not a string literal: the loop replaces the file each time,
      presumably for code in the loop that reads it;
    - a loop that passes the path (or a name it is built from) to another
      call, or calls a method on it: that code may write the file;
    - a loop that calls a `sleep` function (polling a file that changes,
      as in `while True: read(status); time.sleep(1)`).

    Nor are opens followed, in their block or a block around them, by
    `break`, `return` or `raise`, or inside such a statement, or in a
    `with` whose body ends with one (a search or retry loop opens the file
    once); opens in a nested function, lambda or class; and opens in loops
    that only run over a display or a `range` of constants (a number of
    iterations written in the code).

    ## Why is this bad?
    Opening a file costs system calls, buffer allocation and, for text,
    a decoder, every time; reading it again and again reads the same bytes.
    Opening the same file on every iteration (for example to append one
    line) multiplies that cost by the number of iterations.

    ## Example
    ```python
    for record in records:
        with open("out.log", "a") as log:
            log.write(f"{record}\\n")
    ```

    Use instead:
    ```python
    with open("out.log", "a") as log:
        for record in records:
            log.write(f"{record}\\n")
    ```

    ## Fix safety
    There is no fix: moving the open changes when the file is created and
    flushed, and what other code and processes see meanwhile.
    """

    CODE = "PRF502"
    NAME = "open-in-loop"
    SUMMARY = "`open(path)` of the same path on every iteration; no fix"
    MESSAGE = (
        "`{call}` opens the same file on every iteration; open it once before the loop"
        " or batch the I/O"
    )
    FIX = Fix.NONE
    PATTERN = (FOR_OR_WHILE, r"open|read_text|write_text|read_bytes|write_bytes")
    SHAPE_NODES = LOOPS
    VALID = (
        Valid("for name in names:\n    with open(name) as f:\n        pass\n"),
        Valid("with open('log', 'a') as f:\n    for x in xs:\n        f.write(x)\n"),
        Valid(
            "import time\nwhile True:\n    with open('status') as f:\n        s = f.read()\n"
            "    time.sleep(1)\n"
        ),
    )
    INVALID = (
        Invalid("for x in xs:\n    with open('log', 'a') as f:\n        f.write(x)\n"),
        Invalid(
            "from pathlib import Path\nfor x in xs:\n    text = Path('config.ini').read_text()\n"
        ),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A loop whose repeated part calls ``open``, ``.open`` or a
        ``pathlib`` reading or writing method."""
        return bool(summary(node, source) & OPEN)

    def visit_Call(self, node: cst.Call) -> None:
        found = self._opened(node)
        if found is None:
            return
        label, path = found
        frame = self.loop()
        if frame is None or self.fixed_count():
            return
        scan = self.scan(frame)
        if scan.sleeps or scan.depends(path) or self._varies(path):
            return
        if any(scan.depends(arg.value) for arg in node.args):
            return  # another mode, encoding or content on each iteration
        if _replaces(node, label):
            return
        if scan.shares(node, _reads(self, path)):
            return
        if runs_once(self.names(), node, frame.node):
            return
        self.report(node, call=label)

    def _opened(self, node: cst.Call) -> Optional[Tuple[str, cst.CSTNode]]:
        """What the call is (for the message) and the path it opens."""
        func = node.func
        facts = self.context.facts
        if isinstance(func, cst.Name):
            if func.value == "open" and facts.is_builtin("open"):
                return "open()", _path_argument(node)
            qualified = qualified_name(func, facts)
            if qualified in _OPEN_FUNCTIONS:
                return f"{qualified}()", _path_argument(node)
            return None
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        qualified = qualified_name(func, facts)
        if qualified in _OPEN_FUNCTIONS:
            return f"{qualified}()", _path_argument(node)
        if method in PATH_IO_METHODS:
            return (f".{method}()", func.value) if _path_io_call(method, node) else None
        if method == "open" and self._path(func.value):
            return "Path.open()", func.value
        return None

    def _path(self, node: cst.CSTNode) -> bool:
        """``node`` is a ``pathlib.Path(...)`` call, or a name that the
        function binds only to such calls."""
        if isinstance(node, cst.Call):
            return self._path_class(node.func)
        if isinstance(node, cst.Name):
            bindings = binding_values(self.names(), self.scope(), node.value)
            return bool(bindings) and all(
                kind == "value" and isinstance(value, cst.Call) and self._path_class(value.func)
                for kind, value in bindings  # type: ignore[union-attr]
            )
        return False

    def _path_class(self, func: cst.CSTNode) -> bool:
        return qualified_name(func, self.context.facts) in _PATH_CLASSES

    def _varies(self, path: Optional[cst.CSTNode]) -> bool:
        """``path`` calls something other than a path builder (or there is
        no path to look at)."""
        if path is None:
            return True
        finder = _Calls(self)
        traversal.visit(path, finder)
        return finder.impure


def _replaces(call: cst.Call, label: str) -> bool:
    """An ``open`` whose mode may truncate or create the file (``w``,
    ``x``), or is not a literal. (The ``pathlib`` methods take no mode: a
    ``write_text`` whose data does not change with the loop is reported.)"""
    if label.startswith((".read_", ".write_")):
        return False
    mode: Optional[cst.CSTNode] = None
    args = positional(call)
    index = 0 if label == "Path.open()" else 1
    if len(args) > index:
        mode = args[index]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "mode":
            mode = arg.value
    if mode is None:
        return False
    if not isinstance(mode, cst.SimpleString):
        return True
    text = mode.evaluated_value
    return not isinstance(text, str) or "w" in text or "x" in text


#: What ``pathlib.Path``'s reading and writing methods accept: the number
#: of positional arguments (at least, at most) and the keywords. A call
#: outside them is another class's method of the same name, such as
#: tornado's ``IOStream.read_bytes(num_bytes)``.
_PATH_IO_SIGNATURES = {
    "read_bytes": (0, 0, frozenset()),
    "read_text": (0, 3, frozenset({"encoding", "errors", "newline"})),
    "write_bytes": (1, 1, frozenset({"data"})),
    "write_text": (1, 4, frozenset({"data", "encoding", "errors", "newline"})),
}


def _path_io_call(method: str, call: cst.Call) -> bool:
    """``call`` of ``method`` fits ``pathlib.Path``'s signature (a call with
    ``*args`` or ``**kwargs`` cannot be told apart, and is left out)."""
    least, most, keywords = _PATH_IO_SIGNATURES[method]
    given = 0
    for arg in call.args:
        if arg.star:
            return False
        if arg.keyword is None:
            given += 1
        elif arg.keyword.value in keywords:
            given += 1 if arg.keyword.value == "data" else 0
        else:
            return False
    return least <= given <= most and len(call.args) <= max(most, len(keywords))


def _path_argument(call: cst.Call) -> Optional[cst.CSTNode]:
    args = positional(call)
    if args:
        return args[0]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("file", "filename"):
            return arg.value
    return None


def _pure(rule: OpenInLoop, func: cst.CSTNode) -> bool:
    """``func`` builds a path from its arguments alone."""
    if isinstance(func, cst.Name) and func.value in _PURE_BUILTINS:
        return True
    if (
        qualified_name(func, rule.context.facts) in _PURE_FUNCTIONS
        or dotted(func) in _PURE_FUNCTIONS
    ):
        return True
    return isinstance(func, cst.Attribute) and func.attr.value in _PURE_METHODS


def _reads(rule: OpenInLoop, path: cst.CSTNode) -> Set[str]:
    """The names and dotted names ``path`` is built from (not the path
    builders it calls)."""
    finder = _PathNames(rule)
    traversal.visit(path, finder)
    return finder.names


class _PathNames(VariableVisitor):
    def __init__(self, rule: OpenInLoop) -> None:
        super().__init__()
        self.rule = rule
        self.names: Set[str] = set()

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Attribute) and _pure(self.rule, node.func):
            if not _pure(self.rule, node.func.value):
                traversal.visit(node.func.value, self)
        elif not _pure(self.rule, node.func):
            traversal.visit(node.func, self)
        for arg in node.args:
            traversal.visit(arg.value, self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        if name:
            self.names.add(name)
            return False
        return True


class _Calls(cst.CSTVisitor):
    """Whether an expression calls anything but a path builder."""

    def __init__(self, rule: OpenInLoop) -> None:
        super().__init__()
        self.rule = rule
        self.impure = False

    def visit_Call(self, node: cst.Call) -> None:
        if not _pure(self.rule, node.func):
            self.impure = True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.impure = True
        return False
