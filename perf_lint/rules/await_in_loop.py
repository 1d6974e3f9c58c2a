"""PRF504 await-in-loop."""

from __future__ import annotations

import ast
import re
from typing import Iterator, Optional, Set, Tuple

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import (
    AWAIT_CALL,
    LoopRule,
    LoopScan,
    positional,
    reads,
    summary,
    sync_loop,
    words,
)
from perf_lint.rules._loops import FOR
from perf_lint.scopes import last_part, qualified_name


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
      `readline`, `acquire`...) on the same object on every iteration, or
      a function named like one (ASGI's `send`); `put`, `get` or `join` on
      a queue (a name containing `queue`, or `q`); a database statement
      (a method whose name contains `execute`, `sql`, `query`, `commit`,
      `rollback`, or `fetchone`/`fetchall`/`fetchrow`...), which one
      connection runs one at a time;
    - an argument of the awaited call reads a group of
      `itertools.groupby(...)`, the loop's iterable: the groups share one
      iterator and each is empty once the loop has moved on.

    Not reported either: an `await` under a `with` or `async with` in the
    loop body (a lock, a timeout, `pytest.raises`: a context entered on
    each iteration); awaits of a task or future already running, and of
    `asyncio.gather`/`asyncio.wait`/`asyncio.as_completed` (already
    concurrent); `async for` loops (a stream consumed in order), `while`
    loops, comprehensions with `async for`, generator expressions (an async
    generator is consumed lazily), and awaits in a nested function or
    lambda. The rule cannot tell whether the awaited coroutine waits for
    I/O at all: a CPU-bound coroutine gains nothing from concurrency.

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
        scan = self.scan(frame)
        if scan.exits or scan.sleeps or scan.carried:
            return
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

    def _ordered(self, call: cst.Call, scan: LoopScan) -> bool:
        """A call on one stream, queue or lock, the same object on every
        iteration (or a function named like such a method, such as ASGI's
        ``send``), or a database statement: its calls must happen in
        order."""
        func = call.func
        if isinstance(func, cst.Name):
            return func.value in _STREAM_METHODS and func.value not in scan.bound
        if not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        if _DATABASE.search(method):
            return True  # statements, in order, usually on one connection
        if scan.rebinds(func.value):
            return False
        if method in _STREAM_METHODS:
            return True
        return method in _QUEUE_METHODS and bool(_QUEUE.search(last_part(func.value)))
