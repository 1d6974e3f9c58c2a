"""PRF503 query-in-loop."""

from __future__ import annotations

import ast
import re
from typing import Optional, Set

import libcst as cst

from perf_lint.repeats import LOOPS
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._hazards import (
    DJANGO_MANAGERS,
    DJANGO_METHODS,
    QUERY,
    QUERYSET_NAMES,
    SESSION_METHODS,
    LoopRule,
    LoopScan,
    binding_values,
    callee,
    is_capwords,
    positional,
    runs_once,
    summary,
    words,
)
from perf_lint.rules._loops import FOR
from perf_lint.scopes import last_part

_CURSOR = re.compile(r"(?i)(?:cursor|^_*cur|_cur|^_*curs|^_*crsr)$")
_CONNECTION = re.compile(r"(?i)(?:conn|connection|^_*con|^_*cnx|^_*db)$")
_SESSION = re.compile(r"(?i)sess")
_SQL_KEYWORDS = ("sql", "operation", "query", "statement")

#: Django queryset methods that only build a queryset (no query runs
#: until it is evaluated).
_LAZY = words(
    "filter exclude all order_by distinct annotate values values_list select_related"
    " prefetch_related only defer raw"
)

_ADVICE = {
    "cursor": "use `executemany` or one query for all the rows",
    "django": "fetch everything in one query (`filter(..._in=...)`, `in_bulk`, "
    "`select_related`/`prefetch_related`, `bulk_create`)",
    "session": "load everything in one query (`in_(...)`, `selectinload`, one `execute`)",
}


class QueryInLoop(LoopRule):
    """## What it does
    Checks for a database query run on every iteration of a `for` or
    `async for` loop, or of a comprehension, in the same function (the N+1
    query problem):

    - DB-API: `cursor.execute(sql, params)` where the receiver is a cursor
      or connection (`cursor`, `cur`, `self.cursor`, `conn`, `connection`,
      `db`, `x.cursor()`, or a name bound to `x.cursor()`/`connect(...)`,
      also with `with ... as`), when the SQL text does not depend on the
      loop (`executemany` can then take every row);
    - Django: a query method (`get`, `filter`, `exclude`, `all`, `first`,
      `count`, `exists`, `create`, `get_or_create`, `update`, `delete`,
      `values`... and their `a`-prefixed async forms) on a manager
      (`Model.objects`, `self.model.objects`, `get_user_model().objects`,
      `_default_manager`, `_base_manager`, a reverse manager `obj.item_set`)
      or a queryset (`get_queryset()`, a name or attribute called `qs` or
      `queryset`, a name bound only to a manager or queryset chain). A
      chain (`Model.objects.filter(...).first()`) is reported once;
    - SQLAlchemy: `session.execute`, `scalar`, `scalars`, `query`,
      `get_one`, and `get(Model, key)` (a class, then a key: not
      `requests.Session.get(url)`), on a name or attribute whose name
      contains `sess` or a name bound to a call of one (`Session(engine)`,
      `async_session()`).

    An expression *depends on the loop* when it reads a name the loop binds
    (its variable, or a name assigned in it) or an object it changes.
    Queries whose target changes with the loop are not reported: SQL text
    built from the loop (DDL or introspection per table), `model.objects`
    (or a queryset the loop builds from it) and `session.query(model)` for
    each `model` of a list, a statement that is the loop variable. Each
    iteration runs another statement, which no single query replaces.

    Not reported either: batched calls (`executemany`, `bulk_create`,
    `bulk_update`, `in_bulk`, and queries with an `__in` lookup, such as
    `filter(pk__in=chunk)`); a lazy queryset method (`filter`, `exclude`,
    `all`, `order_by`...) whose result is thrown away or assigned back to
    the name it refines (`qs = qs.filter(...)`), which runs no query; loops
    over a display or a `range` of constants (a number of queries fixed in
    the code, not N+1); `while` loops (paging, polling and retrying, where
    each query depends on the last one's result); queries followed by
    `break`, `return` or `raise` (run once); queries in a nested function,
    lambda or class.

    ## Why is this bad?
    Each query is a round trip to the database: network latency, parsing,
    planning. A loop that runs one query per item (the N+1 problem) is
    slow in proportion to the number of items, where a single query that
    fetches or writes them all costs little more than one.

    ## Example
    ```python
    for order in orders:
        customer = Customer.objects.get(pk=order.customer_id)
    ```

    Use instead:
    ```python
    customers = Customer.objects.in_bulk([order.customer_id for order in orders])
    for order in orders:
        customer = customers[order.customer_id]
    ```

    ## Fix safety
    There is no fix: one query for all the items changes the code around
    the loop, and may change results (missing rows, ordering).
    """

    CODE = "PRF503"
    NAME = "query-in-loop"
    SUMMARY = "database query on every iteration (N+1); no fix"
    MESSAGE = "Database query in a loop (N+1); {advice}"
    FIX = Fix.NONE
    LOOP_KINDS = frozenset({"for", "async for", "comprehension", "async comprehension"})
    PATTERN = (FOR, r"execute|objects|_manager|_set|queryset|qs|[Ss][Ee][Ss][Ss]")
    SHAPE_NODES = LOOPS
    VALID = (
        Valid("cursor.executemany('INSERT INTO t VALUES (?)', [(x,) for x in xs])\n"),
        Valid("for sql in statements:\n    cursor.execute(sql)\n"),
        Valid("for url in urls:\n    session.get(url)\n"),
    )
    INVALID = (
        Invalid("for x in xs:\n    cursor.execute('INSERT INTO t VALUES (?)', (x,))\n"),
        Invalid("for order in orders:\n    Customer.objects.get(pk=order.customer_id)\n"),
        Invalid("for key in keys:\n    session.get(User, key)\n"),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A ``for`` loop or comprehension whose repeated part calls a
        query method."""
        return type(node) is not ast.While and bool(summary(node, source) & QUERY)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in DJANGO_METHODS and method not in SESSION_METHODS:
            return
        frame = self.loop()
        if frame is None or self.fixed_count():
            return
        scan = self.scan(frame)
        kind = self._kind(node, func, method, scan)
        if kind is None or runs_once(self.names(), node, frame.node):
            return
        self.report(node, advice=_ADVICE[kind], data={"kind": kind})

    def _kind(
        self, node: cst.Call, func: cst.Attribute, method: str, scan: LoopScan
    ) -> Optional[str]:
        receiver = func.value
        if method in SESSION_METHODS and self._session(receiver):
            args = positional(node)
            if method == "get" and not (len(args) >= 2 and is_capwords(last_part(args[0]))):
                return None
            first = args[0] if args else None
            if isinstance(first, cst.Name) and first.value in scan.targets:
                return None  # a statement or model per iteration
            return "session"
        if method == "execute" and self._cursor(receiver):
            sql = _sql(node)
            if sql is None or scan.depends(sql):
                return None
            return "cursor"
        if method in DJANGO_METHODS and self._django(receiver, scan):
            if any(
                arg.keyword is not None and arg.keyword.value.endswith("__in") for arg in node.args
            ):
                return None  # already a batch (`filter(pk__in=chunk)`)
            if method in _LAZY and self._not_run(node, receiver):
                return None
            return "django"
        return None

    def _not_run(self, node: cst.Call, receiver: cst.CSTNode) -> bool:
        """A lazy queryset method whose result is thrown away, or assigned
        back to the name it was called on (``qs = qs.filter(...)``): the
        loop only builds one queryset."""
        parent = self.names().parents.get(node)
        if isinstance(parent, cst.Expr):
            return True
        if isinstance(parent, cst.Assign) and isinstance(receiver, cst.Name):
            return all(
                isinstance(target.target, cst.Name) and target.target.value == receiver.value
                for target in parent.targets
            )
        return False

    # -- receivers ---------------------------------------------------------------
    def _bound_to(self, node: cst.CSTNode, wanted) -> bool:  # type: ignore[no-untyped-def]
        """``node`` is a name that the function binds only to values (or
        ``with`` items) for which ``wanted`` holds."""
        if not isinstance(node, cst.Name):
            return False
        bindings = binding_values(self.names(), self.scope(), node.value)
        return bool(bindings) and all(
            kind in ("value", "with") and value is not None and wanted(value)
            for kind, value in bindings  # type: ignore[union-attr]
        )

    def _cursor(self, receiver: cst.CSTNode) -> bool:
        if callee(receiver) == "cursor":
            return True
        name = last_part(receiver)
        if name and (_CURSOR.search(name) or _CONNECTION.search(name)):
            return True
        return self._bound_to(receiver, lambda value: callee(value) in ("cursor", "connect"))

    def _session(self, receiver: cst.CSTNode) -> bool:
        name = last_part(receiver)
        if name and _SESSION.search(name):
            return True
        return self._bound_to(receiver, lambda value: bool(_SESSION.search(callee(value))))

    def _django(self, receiver: cst.CSTNode, scan: LoopScan) -> bool:
        manager = _manager(receiver)
        if manager is not None:
            if manager.attr.value == "objects" and not _model(manager.value):
                return False
        elif not (
            _related_manager(receiver)
            or callee(receiver) == "get_queryset"
            or last_part(receiver) in QUERYSET_NAMES
            or self._bound_to(receiver, _queryset)
        ):
            return False
        # `model.objects` for each model of a list: another table each time.
        return not self._table_varies(receiver, scan, set())

    def _table_varies(self, node: cst.CSTNode, scan: LoopScan, seen: Set[str]) -> bool:
        """The model a manager or queryset expression queries may change
        from one iteration to the next: its manager's model depends on the
        loop, or it is a name the loop binds to such an expression."""
        while True:
            manager = _manager(node)
            if manager is not None:
                return scan.depends(manager.value)
            if _related_manager(node):
                return False  # the same related model for every object
            if isinstance(node, cst.Call):
                func = node.func
                if callee(node) == "get_queryset":
                    return isinstance(func, cst.Attribute) and scan.depends(func.value)
                if not isinstance(func, cst.Attribute):
                    return False
                node = func.value
                continue
            if isinstance(node, cst.Name) and node.value in scan.bound:
                if node.value in seen:
                    return False
                seen.add(node.value)
                bindings = binding_values(self.names(), self.scope(), node.value) or []
                return any(
                    value is not None and self._table_varies(value, scan, seen)
                    for _, value in bindings
                )
            return False


def _sql(call: cst.Call) -> Optional[cst.CSTNode]:
    args = positional(call)
    if args:
        return args[0]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in _SQL_KEYWORDS:
            return arg.value
    return None


def _manager(node: cst.CSTNode) -> Optional[cst.Attribute]:
    """``X.objects`` / ``X._default_manager`` / ``X._base_manager``."""
    if isinstance(node, cst.Attribute) and node.attr.value in DJANGO_MANAGERS:
        return node
    return None


def _model(node: cst.CSTNode) -> bool:
    """A model class, as Django code names one: ``User``, ``models.User``,
    ``self.model``, ``get_user_model()``, ``apps.get_model(...)``."""
    name = last_part(node)
    if name:
        return is_capwords(name) or name == "model"
    return callee(node) in ("get_user_model", "get_model")


def _related_manager(node: cst.CSTNode) -> bool:
    """``obj.item_set``: a reverse foreign-key manager."""
    if not isinstance(node, cst.Attribute):
        return False
    name = node.attr.value
    return len(name) > 4 and name.endswith("_set") and name.islower()


def _queryset(node: cst.CSTNode) -> bool:
    """A manager, or a chain of calls on one (``Model.objects.filter(...)``,
    ``self.get_queryset().all()``)."""
    while True:
        if _manager(node) is not None or _related_manager(node):
            return True
        if not isinstance(node, cst.Call):
            return False
        if callee(node) == "get_queryset":
            return True
        func = node.func
        if not isinstance(func, cst.Attribute):
            return False
        node = func.value
