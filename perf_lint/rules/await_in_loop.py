"""PRF504 await-in-loop."""

from __future__ import annotations

import ast
import re
from typing import Iterator, Optional, Set, Tuple

import libcst as cst

from perf_lint import traversal
from perf_lint.context import FileContext
from perf_lint.frames import Frame
from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import (
    AWAIT_CALL,
    LoopRule,
    LoopScan,
    binding_values,
    callee,
    positional,
    reads,
    runs_once,
    summary,
    sync_loop,
    words,
)
from perf_lint.rules._loops import FOR
from perf_lint.scopes import dotted, last_part, qualified_name


def _up_to(
    pairs: Iterator[Tuple[cst.CSTNode, cst.CSTNode]], stop: cst.CSTNode
) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
    for pair in pairs:
        if pair[1] is stop:
            return
        yield pair


def _clauses(loop: cst.CSTNode) -> Iterator[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """The target and iterable of each ``for`` of a loop or comprehension."""
    if isinstance(loop, cst.For):
        yield loop.target, loop.iter
        return
    clause = getattr(loop, "for_in", None)
    while clause is not None:
        yield clause.target, clause.iter
        clause = clause.inner_for_in


#: Calls that already run their awaitables concurrently.
_BATCHES = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed"})
#: Calls that wrap one awaitable, their first argument.
_WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.shield"})
#: Methods of streams, sockets, websockets and locks: calls on the same
#: object must come one after another.
_STREAM_METHODS = words(
    "write writelines drain flush write_eof send sendall sendto sendmsg sendfile send_bytes"
    " send_str send_json recv recv_into recvfrom receive receive_bytes receive_str receive_json"
    " read readline readlines readexactly readuntil readany readchunk acquire release wait"
)
#: Methods of queues (``put``, ``get``: also HTTP verbs, so only on a
#: receiver named like a queue).
_QUEUE_METHODS = frozenset({"put", "get", "join"})
_QUEUE = re.compile(r"(?i)queue|^_*q$|_q$")
#: Methods of a database connection or cursor, which runs one statement at a
#: time (``execute``, ``execute_query``, ``_run_sql``, ``fetchrow``...).
_DATABASE = re.compile(r"(?i)execute|sql|query|commit|rollback|fetch(?:one|all|many|row|val)")
#: Methods that write to or send on their object (``write_frame``,
#: ``send_all``): the writes to one object must stay in order.
_WRITES = re.compile(r"(?i)^_*(?:write|send)")
#: Receivers that serve one call at a time: a database session,
#: connection, engine, cursor or transaction, a protocol, stream or
#: channel (``session``, ``db_conn``, ``self._protocol``, ``writer``).
_ONE_AT_A_TIME = re.compile(
    r"(?i)(?:^|_)(?:session|sess|conn|connection|engine|cursor|cur|db|tx|txn|transaction"
    r"|protocol|transport|stream|writer|channel|chan|ws|websocket|socket|sock|pipe|pipeline)$"
)
#: Calls whose result is one session, connection or transaction
#: (``AsyncSession(engine)``, ``engine.connect()``, ``engine.begin()``).
_OPENS_ONE = words(
    "AsyncSession Session session async_session sessionmaker connect begin begin_nested"
    " acquire cursor transaction pipeline"
)
#: Files of test code (``test_x.py``, ``x_test.py``, ``tests.py``,
#: ``conftest.py``).
_TEST_FILE = re.compile(r"^(?:test_.*|.*_tests?|tests?|conftest)\.pyi?$")
#: Test functions (``test``, ``test_x``, ``testX``; not ``testimonials``).
_TEST_FUNCTION = re.compile(r"test(?:$|_|[A-Z0-9])")


class AwaitInLoop(LoopRule):
    """## What it does
    Checks for `await f(...)` in the body of a `for` loop, or in a list,
    set or dict comprehension, when an argument of the call depends on the
    loop and the iterations do not depend on each other, so that the
    awaited calls could run concurrently. A loop is reported once, at its
    first such `await`. `asyncio.wait_for(f(...), ...)` and
    `asyncio.shield(f(...))` count as awaiting `f(...)`.

    An argument *depends on the loop* when it reads a name the loop binds
    (the loop variable, or a name assigned in the loop body) or an object
    the loop changes. The same call on every iteration (`await
    client.get("/ping")`, a benchmark or a poll) and a method called on
    each object of the loop with nothing else changing (`await
    site.start()`, `await ws.close()`, fan-outs that often must run in
    order) are not reported.

    The iterations *depend on each other*, and nothing is reported in the
    loop, when:

    - a name assigned in the body can be read by a later iteration: a
      read that is not preceded, on every way through the body from its
      start, by an assignment of the name (`total += await price(x)`; a
      name assigned in one branch of an `if` and read in another);
    - the loop can stop early: a `break` of this loop or a `return` in it
      (`if await exists(name): break`), since running every call at once
      would run calls that the loop never makes;
    - the loop calls a `sleep` function (`await asyncio.sleep(...)`): it is
      paced on purpose;
    - the loop awaits calls that must stay in order: a stream, socket,
      websocket or lock method (`write`, `drain`, `send`, `recv`,
      `readline`, `acquire`..., and any method whose name starts with
      `write` or `send`, such as `write_frame` or `send_all`) on the same
      object on every iteration, or a function named like one (ASGI's
      `send`), or a function of the file that awaits one (a local wrapper
      such as `async def body(chunk): await send(...)`); `put`, `get` or
      `join` on a queue (a name containing `queue`, or `q`); a database
      statement (a method whose name contains `execute`, `sql`, `query`,
      `commit`, `rollback`, or `fetchone`/`fetchall`/`fetchrow`..., or a
      name bound to such a method), which one connection runs one at a
      time;
    - the loop awaits any method of one object that serves one call at a
      time, the same object on every iteration: a receiver named like a
      session, connection, engine, cursor, transaction, protocol,
      transport, stream, writer, channel, websocket, socket or pipeline
      (`session`, `conn`, `self.db_conn`, `self._protocol`), or a name
      bound to `AsyncSession(...)`, `Session(...)`, `....connect()`,
      `....begin()`, `....acquire()`, `....cursor()` (`async with
      engine.begin() as c:` then `await c.run_sync(...)`);
    - the loop changes state that a later iteration reads: an attribute it
      assigns (`self.alive = False`), not one of an object bound by the
      iteration, is read in the loop, or the test of a `while` loop around
      it reads a name or object that the loop changes (`while cursors:`
      around `cursors[name] = cur`);
    - an argument of the awaited call reads a group of
      `itertools.groupby(...)`, the loop's iterable: the groups share one
      iterator and each is empty once the loop has moved on.

    Not reported either: test code (a file named `test_*.py`, `*_test.py`,
    `tests.py` or `conftest.py`, or a function named `test`, `test_*`,
    or `test` then a capital letter or digit, as `testFoo`), which awaits
    one step after another on purpose; an `await` that a `raise`
    follows (run once at most); a loop that yields (an async generator
    hands out one item at a time); an `await` under a `with` or `async
    with` in the loop body (a lock, a timeout, `pytest.raises`: a context entered on
    each iteration); awaits of a task or future already running, and of
    `asyncio.gather`/`asyncio.wait`/`asyncio.as_completed` (already
    concurrent); `async for` loops (a stream consumed in order), `while`
    loops, comprehensions with `async for`, generator expressions (an async
    generator is consumed lazily), and awaits in a nested function or
    lambda. The rule cannot tell whether the awaited coroutine waits for
    I/O at all: a CPU-bound coroutine gains nothing from concurrency.

    **Opt-in.** Whether two awaited calls may overlap depends on what they
    call, which the code of the loop rarely shows: measured on ten async
    projects from PyPI that no rule was tuned on (aiohttp, anyio, uvicorn,
    tortoise-orm, asyncpg, redis, aiosqlite, fastapi, websockets,
    databases) and Django, every finding outside test code read: 19 of 26
    findings are right (73%) after the exclusions above. Before them there
    were 242: 207 in test code, which awaits in order on purpose, and 35
    outside, 19 of them right (54%). The wrong ones await in-process work
    (recording metrics), calls on one pub/sub connection under another
    name, handlers that must run in order, and migrations whose state
    carries from one step to the next. Select it (`--extend-select
    PRF504`) to review async code by hand.

    ## Why is this bad?
    Each `await` in the loop waits for its call to finish before the next
    one starts: ten requests of 100 ms take a second, where running them
    concurrently takes about 100 ms.

    ## Example
    ```python
    async def fetch_all(urls):
        pages = []
        for url in urls:
            pages.append(await fetch(url))
        return pages
    ```

    Use instead:
    ```python
    async def fetch_all(urls):
        return await asyncio.gather(*(fetch(url) for url in urls))
    ```

    or, from Python 3.11, a `TaskGroup`.

    ## Fix safety
    There is no fix: running the calls concurrently changes their order and
    the load on what they call (a server may need a limit, such as an
    `asyncio.Semaphore`), and an exception no longer stops the calls that
    come after it.
    """

    CODE = "PRF504"
    NAME = "await-in-loop"
    SUMMARY = "`await` of independent calls one after another; no fix"
    MESSAGE = (
        "`await` in a loop runs the calls one after another; run them concurrently"
        " with `asyncio.gather` or a `TaskGroup`"
    )
    FIX = Fix.NONE
    OPT_IN = True
    LOOP_KINDS = frozenset({"for", "comprehension"})
    PATTERN = (FOR, r"await")
    SHAPE_NODES = LOOPS
    VALID = (
        Valid("async def f(xs):\n    async for x in xs:\n        await g(x)\n"),
        Valid(
            "async def f(xs):\n    for x in xs:\n        if await exists(x):\n            break\n"
        ),
        Valid("async def f(xs):\n    for x in xs:\n        await asyncio.sleep(1)\n"),
    )
    INVALID = (Invalid("async def f(urls):\n    for url in urls:\n        await fetch(url)\n"),)

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A ``for`` loop or a list, set or dict comprehension without
        ``async for`` whose repeated part awaits a call."""
        return (
            type(node) is not ast.GeneratorExp
            and sync_loop(node)
            and bool(summary(node, source) & AWAIT_CALL)
        )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.reported: Set[cst.CSTNode] = set()

    def visit_Await(self, node: cst.Await) -> None:
        call = self._started(node.expression)
        if call is None:
            return
        frame = self.loop()
        if frame is None or isinstance(frame.node, cst.GeneratorExp):
            return  # an async generator expression is consumed lazily
        if frame.node in self.reported:
            return  # one report per loop
        if test_code(self.context):
            return  # tests await in order on purpose
        scan = self.scan(frame)
        if scan.exits or scan.sleeps or scan.carried:
            return
        if runs_once(self.names(), node, frame.node):
            return  # a `raise` follows: awaited once at most
        if _yields(frame.node):
            return  # an async generator: its consumer takes each item in turn
        if self._carries_state(frame, scan):
            return  # the next iteration reads what this one changes
        if not any(scan.depends(arg.value) for arg in call.args):
            return  # the same call each time, or a method called on each object
        if any(self._ordered(awaited, scan) for awaited in scan.awaited):
            return  # the loop writes to a stream, a queue... in order
        if self._reads_group(frame.node, call):
            return  # groupby's groups are gone once the loop moves on
        if any(
            isinstance(parent, cst.With)
            for _, parent in _up_to(self.names().ancestors(node), frame.node)
        ):
            return  # under a context entered on each iteration
        self.reported.add(frame.node)
        self.report(node)

    def _started(self, node: cst.BaseExpression) -> Optional[cst.Call]:
        """The call whose work the ``await`` starts: ``node`` itself, or the
        call in ``asyncio.wait_for(call, ...)``/``asyncio.shield(call)``;
        ``None`` for an awaitable made elsewhere (a task or future already
        running) and for ``asyncio.gather``/``asyncio.wait`` (already
        concurrent)."""
        if not isinstance(node, cst.Call):
            return None
        name = qualified_name(node.func, self.context.facts)
        if name in _BATCHES:
            return None
        if name in _WRAPPERS:
            args = positional(node)
            return self._started(args[0]) if args else None
        return node

    def _reads_group(self, loop: cst.CSTNode, call: cst.Call) -> bool:
        """Whether an argument of ``call`` reads a name bound to a group by
        a ``for k, group in itertools.groupby(...)`` clause of ``loop``."""
        groups: Set[str] = set()
        for target, iterable in _clauses(loop):
            if not (
                isinstance(iterable, cst.Call)
                and qualified_name(iterable.func, self.context.facts) == "itertools.groupby"
            ):
                continue
            if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
                group = target.elements[1].value
                if isinstance(group, cst.Name):
                    groups.add(group.value)
        return bool(groups) and any(reads(arg.value) & groups for arg in call.args)

    def _carries_state(self, frame: Frame, scan: LoopScan) -> bool:
        """The loop changes state that a later iteration reads: an attribute
        it assigns (not one of an object of the iteration) read in the loop,
        or something the test of a ``while`` around it reads (``while
        cursors:`` around ``cursors[name] = cur``)."""
        own = {name for name in scan.assigned if name.split(".")[0] not in scan.bound}
        if own:
            finder = _AttributeReads()
            traversal.visit(frame.node, finder)
            if any(
                read == name or read.startswith(name + ".") or name.startswith(read + ".")
                for read in finder.dotted
                for name in own
            ):
                return True
        for outer in self.context.scopes.loops():
            if isinstance(outer.node, cst.While) and scan.depends(outer.node.test):
                return True
        return False

    def _ordered(self, call: cst.Call, scan: LoopScan) -> bool:
        """A call on one stream, queue, lock, database session or
        connection, the same object on every iteration (or a function named
        like a stream method, such as ASGI's ``send``, or a local function
        that awaits one), or a database statement: its calls must happen in
        order."""
        func = call.func
        if isinstance(func, cst.Name):
            if func.value in scan.bound:
                return False
            return (
                func.value in _STREAM_METHODS
                or func.value in self._wrappers()
                or self._bound_to_statement(func.value)
            )
        if not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        if _DATABASE.search(method):
            return True  # statements, in order, usually on one connection
        if scan.rebinds(func.value):
            return False
        if method in _STREAM_METHODS or _WRITES.match(method):
            return True
        if _ONE_AT_A_TIME.search(last_part(func.value)) or self._opened_one(func.value):
            return True  # one session, connection or stream on every iteration
        return method in _QUEUE_METHODS and bool(_QUEUE.search(last_part(func.value)))

    def _bindings(self, name: str) -> list:
        found = binding_values(self.names(), self.scope(), name)
        return list(found) if found else []

    def _opened_one(self, receiver: cst.BaseExpression) -> bool:
        """``receiver`` is a name bound to a session, connection or
        transaction: ``session = AsyncSession(engine)``, ``async with
        engine.begin() as conn``, ``conn = await pool.acquire()``."""
        if not isinstance(receiver, cst.Name):
            return False
        for _, value in self._bindings(receiver.value):
            while isinstance(value, cst.Await):
                value = value.expression
            if callee(value) in _OPENS_ONE:
                return True
        return False

    def _bound_to_statement(self, name: str) -> bool:
        """``name`` is bound to a database method (``run =
        self.immediate_execute_command``)."""
        return any(
            isinstance(value, cst.Attribute) and bool(_DATABASE.search(value.attr.value))
            for _, value in self._bindings(name)
        )

    def _wrappers(self) -> Set[str]:
        """The functions of the file that await a stream method or call
        named like one (``async def body(chunk): await send(...)``)."""
        key = ("await-in-loop-wrappers", self.context.path)
        found = self.context.cache.get(key)
        if found is None:
            found = self.context.cache[key] = _stream_wrappers(self.context.tree)
        return found  # type: ignore[no-any-return]


def _stream_wrappers(tree: Optional[ast.Module]) -> Set[str]:
    """The names of the functions in ``tree`` whose own body awaits a
    stream method, or a function named like one (ASGI's ``send``)."""
    found: Set[str] = set()
    if tree is None:
        return found
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        args = node.args
        params = {
            arg.arg
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs)
            if arg.arg != "self"
        }
        for inner in ast.walk(node):
            if not (isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call)):
                continue
            func = inner.value.func
            if isinstance(func, ast.Name):
                name = func.id
            elif isinstance(func, ast.Attribute):
                receiver = func.value
                if isinstance(receiver, ast.Name) and receiver.id in params:
                    continue  # the stream of each call's own argument
                name = func.attr
            else:
                continue
            if name in _STREAM_METHODS or _WRITES.match(name):
                found.add(node.name)
                break
    return found


class _AttributeReads(cst.CSTVisitor):
    """The dotted names of the attributes a node reads (not those it only
    assigns), outside nested functions and classes."""

    def __init__(self) -> None:
        super().__init__()
        self.dotted: Set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return isinstance(node.target, (cst.Tuple, cst.List))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        if name:
            self.dotted.add(name)
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


class _Yield(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _yields(loop: cst.CSTNode) -> bool:
    """The loop's body yields (in an async generator)."""
    finder = _Yield()
    traversal.visit(loop, finder)
    return finder.found


def test_code(context: FileContext) -> bool:
    """The visited node is test code: in a file named ``test_*.py``,
    ``*_test.py``, ``tests.py`` or ``conftest.py``, or in a function whose
    name is ``test`` or starts with ``test_`` or ``test`` and a capital
    letter or digit."""
    if _TEST_FILE.match(re.split(r"[\\/]", context.path)[-1]):
        return True
    return any(
        isinstance(scope, cst.FunctionDef) and _TEST_FUNCTION.match(scope.name.value) is not None
        for scope in context.scopes.chain()
    )
