"""PRF503 query-in-loop."""

from __future__ import annotations

import ast
import re
from typing import Optional, Set, Tuple

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
from perf_lint.rules.await_in_loop import test_code
from perf_lint.scopes import last_part

_CURSOR = re.compile(r"(?i)(?:cursor|^_*cur|_cur|^_*curs|^_*crsr)$")
_CONNECTION = re.compile(r"(?i)(?:conn|connection|^_*con|^_*cnx|^_*db)$")
_SESSION = re.compile(r"(?i)sess")
_SQL_KEYWORDS = ("sql", "operation", "query", "statement")

#: Django queryset methods that only build a queryset (no query runs
#: until it is evaluated).
_LAZY = words(
    "filter exclude all order_by distinct annotate values values_list select_related"
    " prefetch_related only defer raw using alias extra reverse none"
)
#: The manager and queryset methods that return a queryset (a chain of them
#: on a manager is a queryset; ``in_bulk`` returns a dict, ``get`` a row).
_QUERYSET_METHODS = _LAZY | words(
    "union intersection difference select_for_update dates datetimes complex_filter"
)
#: Calls that evaluate a queryset given to them.
_EVALUATORS = words(
    "list tuple set frozenset dict len bool sorted sum any all min max enumerate zip iter"
    " next repr str print reversed"
)
#: Test assertions that do not evaluate the queryset given to them.
_NOT_EVALUATING = words("assertIsInstance assertNotIsInstance assertIs assertIsNot isinstance type")
#: SQLAlchemy ``Query`` methods that make a statement to embed, not a
#: round trip.
_EMBEDDED = words("subquery scalar_subquery cte exists as_scalar label statement")

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
      `_default_manager`, `_base_manager`, a reverse manager `obj.item_set`,
      also through `using(alias)`: `Model.objects.using(alias).get(...)`)
      or a queryset (`get_queryset()`, a name or attribute called `qs` or
      `queryset`, a name bound only to a chain of queryset methods on a
      manager: not to the dict `in_bulk(...)` returns). A chain
      (`Model.objects.filter(...).first()`) is reported once;
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
    `bulk_update`, `in_bulk`, queries with an `__in` lookup, such as
    `filter(pk__in=chunk)`, and SQLAlchemy statements of many rows:
    `session.execute(insert(t).values(rows))`, `session.execute(stmt,
    [params, ...])`); a queryset the loop builds but does not evaluate: a
    chain of lazy methods (`filter`, `exclude`, `all`, `order_by`,
    `values`, `using`..., slices) whose result is thrown away, assigned
    back to the name it refines (`qs = qs.filter(...)`), assigned to a
    name that the loop only calls methods on (the query is reported where
    one runs, `qs.count()`), or passed to a call that does not evaluate it
    (`Subquery(...)`, `Exists(...)`, `UniqueValidator(queryset=...)`: any
    call but `list`, `len`, `sorted`... and the `assert*` methods other than
    `assertIsInstance`); a chain that ends in a custom manager method
    (whether it runs a query is not known); a `session.query(...)` made
    into a subquery (`.subquery()`, `.cte()`, `.exists()`...) or passed
    on; a manager or queryset that is the loop variable (another query on
    each iteration); loops
    over a display or a `range` of constants (a number of queries fixed in
    the code, not N+1); `while` loops (paging, polling and retrying, where
    each query depends on the last one's result); queries followed by
    `break`, `return` or `raise` (run once); queries in a nested function,
    lambda or class.

    **Test code is not checked**: a file named `test_*.py`, `*_test.py`,
    `tests.py` or `conftest.py`, or a function named `test`, `test_*`, or
    `test` then a capital letter or digit (`testFoo`; not
    `testimonials`). Tests create their rows and assert on each case one query at a
    time on purpose, and their speed is not the product's: in Django's own
    sources and three apps, 66 of 70 findings were in tests. Helpers of
    tests in other files (factories) are checked.

    Measured on Django 5.2, Django REST framework, django-filter,
    django-allauth, django-oscar, django-import-export,
    django-simple-history, django-guardian, django-mptt, django-taggit,
    django-reversion, django-treebeard, django-celery-beat and
    django-polymorphic (sources from PyPI, none used to tune the rule;
    every finding read): 36 findings, 36 right (each a query per item
    that one query, `in_bulk`, `__in` or `bulk_create`/`update` could
    serve). Before the exclusions above, 30 findings outside tests of which
    5 were wrong (lazy querysets passed on or refined, a queryset per
    iteration), and 83 in tests.

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
        if frame is None or self.fixed_count() or test_code(self.context):
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
            if method == "execute" and _batched_statement(node):
                return None  # many rows in one statement
            if method == "query" and self._embedded(node):
                return None  # a subquery: no round trip here
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
            if method in _LAZY and self._not_run(node, receiver, scan):
                return None
            return "django"
        return None

    def _chain_top(self, node: cst.Call) -> cst.Call:
        """The last call of the method chain ``node`` starts
        (``Model.objects.filter(...).order_by(...)`` for the ``filter``
        call)."""
        parents = self.names().parents
        top = node
        while True:
            attribute = parents.get(top)
            call = parents.get(attribute) if isinstance(attribute, cst.Attribute) else None
            if not (isinstance(call, cst.Call) and call.func is attribute):
                return top
            top = call

    def _not_run(self, node: cst.Call, receiver: cst.CSTNode, scan: LoopScan) -> bool:
        """A chain of lazy queryset methods that the loop does not evaluate:
        its result is thrown away, assigned back to the name it was called
        on (``qs = qs.filter(...)``), assigned to a name that the loop only
        refines, slices or passes on (each query is reported where it runs),
        or given to a call that does not evaluate it (a ``Subquery``,
        ``filter(pk__in=...)``, a validator's ``queryset=``); or a chain
        that ends in a method of a custom manager or queryset, whose result
        is not known."""
        top = self._chain_top(node)
        if callee(top) in DJANGO_METHODS and callee(top) not in _LAZY:
            return False  # the chain ends in a query (`.get`, `.count()`...)
        if callee(top) not in _LAZY:
            return True  # a custom method: what it returns is not known
        top, parent = self._climb(top)
        if isinstance(parent, cst.Expr) or self._passed_on(parent):
            return True
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            if not isinstance(target, cst.Name):
                return False
            if isinstance(receiver, cst.Name) and target.value == receiver.value:
                return True
            frame = self.loop()
            return frame is not None and self._not_evaluated(target.value, frame.node)
        return False

    def _climb(self, node: cst.CSTNode) -> Tuple[cst.CSTNode, Optional[cst.CSTNode]]:
        """``node`` and the node around it, past what keeps a queryset lazy:
        a branch of a conditional expression, a slice (``qs[:1]``), a lazy
        method (``qs.filter(...)``)."""
        parents = self.names().parents
        parent = parents.get(node)
        while True:
            if (isinstance(parent, cst.IfExp) and parent.test is not node) or (
                isinstance(parent, cst.Subscript) and parent.value is node
            ):
                node, parent = parent, parents.get(parent)
            elif (
                isinstance(parent, cst.Attribute)
                and parent.value is node
                and parent.attr.value in _LAZY
                and isinstance(parents.get(parent), cst.Call)
            ):
                node = parents.get(parent)
                parent = parents.get(node)
            else:
                return node, parent

    def _passed_on(self, parent: Optional[cst.CSTNode]) -> bool:
        """``parent`` is the argument of a call that does not evaluate a
        queryset (anything but ``list``, ``len``..., and ``assert*``
        methods other than ``assertIsInstance``/``assertIs``)."""
        if not isinstance(parent, cst.Arg):
            return False
        call = self.names().parents.get(parent)
        if not isinstance(call, cst.Call):
            return False
        name = callee(call)
        if name in _NOT_EVALUATING:
            return True
        return name not in _EVALUATORS and not name.startswith("assert")

    def _not_evaluated(self, name: str, loop: cst.CSTNode) -> bool:
        """Every read of ``name`` in ``loop`` calls a method on it (reported
        there if it runs a query), or slices it or passes it on unevaluated."""
        names = self.names()
        for use in names.uses.get(name, ()):
            if use.role != "load" or not names.inside(use.node, loop):
                continue
            parent = names.parents.get(use.node)
            if isinstance(parent, cst.Attribute) and parent.value is use.node:
                continue
            if not self._passed_on(self._climb(use.node)[1]):
                return False
        return True

    def _embedded(self, node: cst.Call) -> bool:
        """``session.query(...)...subquery()``: a statement to embed in
        another, or a query given to another call."""
        top = self._chain_top(node)
        if callee(top) in _EMBEDDED:
            return True
        parent = self.names().parents.get(top)
        call = self.names().parents.get(parent) if isinstance(parent, cst.Arg) else None
        return isinstance(call, cst.Call) and callee(call) not in _EVALUATORS

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
            if isinstance(node, cst.Name) and node.value in scan.targets:
                return True  # a queryset per iteration: another query each time
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
        if not isinstance(func, cst.Attribute) or func.attr.value not in _QUERYSET_METHODS:
            return False  # `in_bulk(...)` is a dict, `get(...)` a row
        node = func.value


def _batched_statement(call: cst.Call) -> bool:
    """``session.execute(insert(T).values(rows))`` or
    ``session.execute(stmt, [params, ...])``: many rows in one statement
    (``executemany`` style)."""
    args = positional(call)
    params = args[1] if len(args) > 1 else None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("params", "parameters"):
            params = arg.value
    if isinstance(params, (cst.List, cst.ListComp)):
        return True
    node = args[0] if args else None
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value == "values":
            values = positional(node)
            if len(values) == 1 and not isinstance(values[0], (cst.Dict, cst.Tuple)):
                return True
        node = node.func.value
    return False
