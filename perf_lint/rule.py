"""The pieces every rule is made of: the two kinds of rule, fix levels,
examples and the ``Diagnostic`` record the engine hands to the fronts.

Every rule declares what ``BaseRule`` lists (code, name, messages, fix
level, options, examples, pre-filter). It is one of two kinds:

- a tree rule, ``Rule`` (also named ``TreeRule``): a libcst visitor, one
  instance per file fed by the engine's single batched traversal, which
  calls ``report`` on the nodes it finds; it may offer fixes;
- a source rule, ``SourceRule``: a class whose ``check_source`` reports
  from the text and its ``ast`` alone (the size rules); it offers no fix,
  and a file that only such rules admit is never parsed by libcst."""

from __future__ import annotations

import ast
import dataclasses
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import libcst as cst

# The records the fronts use live in a module that does not import libcst (a
# warm run never loads it); they are re-exported here.
from perf_lint import traversal
from perf_lint.diagnostic import (  # noqa: F401
    Diagnostic,
    Edit,
    FixRecord,
    Location,
)
from perf_lint.trust import Applicability, Fix

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.context import FileContext


class Valid(NamedTuple):
    """Code the rule must leave alone (with ``heat``, a
    ``perf_lint.heat.HeatSource``, as a profile describes it: for the rules
    that need a profile, every function is hot when it is not given)."""

    code: str
    heat: Any = None


class Invalid(NamedTuple):
    """Code the rule must report; ``fixed`` is the output of ``--fix`` and
    ``unsafe_fixed`` the output with unsafe fixes where that differs, with
    the configuration keys of ``options`` set (``target-version``) and,
    for the rules that need a profile, the profile's facts ``heat`` (a
    ``perf_lint.heat.HeatSource``; every function hot when not given)."""

    code: str
    fixed: Optional[str] = None
    unsafe_fixed: Optional[str] = None
    options: Tuple[Tuple[str, Any], ...] = ()
    heat: Any = None


@dataclasses.dataclass(frozen=True)
class NoOptions:
    """Options of a rule that has none."""


@dataclasses.dataclass
class Report:
    """What a rule hands the engine: the node, the formatted message and,
    where it can fix, the replacement node and whether it is safe."""

    node: cst.CSTNode
    message: str
    replacement: Optional[cst.CSTNode] = None
    applicability: Optional[Applicability] = None
    fix_message: Optional[str] = None
    data: Optional[Mapping[str, Any]] = None
    #: Sibling statements the fix deletes along with replacing ``node`` (the
    #: ``lst = []`` a comprehension absorbs); removed only when ``node``'s
    #: replacement is applied.
    removals: Tuple[cst.CSTNode, ...] = ()
    #: Further places the same fix changes: (node, replacement) pairs, each
    #: outside one another, and outside ``node`` unless ``node`` stays as it
    #: is (``replacement is node``): both clock readings of a duration.
    also: Tuple[Tuple[cst.CSTNode, cst.CSTNode], ...] = ()
    #: Statements the fix inserts after an anchor statement of a module or
    #: an indented block: (anchor, statements) pairs (a module-level
    #: constant). One round inserts equal statements after one anchor once,
    #: however many fixes bring them.
    insertions: Tuple[Tuple[cst.CSTNode, Tuple[cst.BaseStatement, ...]], ...] = ()

    @property
    def compound(self) -> bool:
        """The fix changes more than ``node`` and the statements it removes:
        such a fix is applied in a round only where no other chosen fix
        overlaps it, so that all of its parts are applied together."""
        return bool(self.also or self.insertions)


@dataclasses.dataclass(frozen=True)
class SourceReport:
    """What a source rule (``SourceRule``) hands the engine: a range as
    libcst gives one (1-based rows, 0-based columns in characters) and the
    formatted message. Such a rule has no fixes."""

    start: Tuple[int, int]
    end: Tuple[int, int]
    message: str
    data: Optional[Mapping[str, Any]] = None


class BaseRule:
    """What every rule declares (the class attributes below), whatever its
    kind: subclass ``Rule`` (a tree rule) or ``SourceRule``, never this."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    #: What the fix does, in a few words (the README's table of rules).
    SUMMARY: ClassVar[str] = ""
    MESSAGE: ClassVar[str]
    FIX_MESSAGE: ClassVar[str] = ""
    FIX: ClassVar[Fix] = Fix.NONE
    OPTIONS: ClassVar[type] = NoOptions
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    #: A regular expression found in every source in which the rule can
    #: report anything (a sound pre-filter), or a tuple of them all found
    #: there; ``None`` means "always run".
    PATTERN: ClassVar[Union[str, Tuple[str, ...], None]] = None
    #: The ``ast`` node classes at which the rule's shape (``shape``) can
    #: hold; empty: the rule has no shape, and every file its ``PATTERN``
    #: admits is given to it whole.
    SHAPE_NODES: ClassVar[Tuple[type, ...]] = ()
    #: ``True`` for a rule that reads every use of a name in the scope
    #: around its shape (``Scopes.names``): a module or class scope holding
    #: its shape is never reduced.
    SCOPE_WIDE: ClassVar[bool] = False
    #: ``True`` for a rule whose findings in one definition may depend on
    #: other definitions of the file beyond ``FileContext.facts`` (the
    #: language server then analyses the whole file on every edit when the
    #: rule's ``PATTERN`` occurs in it, instead of reusing findings).
    FILE_WIDE: ClassVar[bool] = False
    #: ``True`` for a source rule (``SourceRule`` sets it; a rule never
    #: does): it takes no part in the libcst traversal.
    SOURCE_ONLY: ClassVar[bool] = False
    #: ``True`` for a rule left out of the default selection: it runs only
    #: where a selector names it (``--select PRF2``, ``extend-select``).
    OPT_IN: ClassVar[bool] = False
    #: ``False`` for a rule that does not run on ``.pyi`` stub files.
    STUBS: ClassVar[bool] = True
    #: ``True`` for a rule that reports only what a profile of a real run
    #: shows hot (``FileContext.heat``): it does not run without a profile,
    #: and a profile's identity enters the cache key of the files it runs on.
    NEEDS_PROFILE: ClassVar[bool] = False
    #: ``True`` for a rule that reads the argument repeats ``perf-lint
    #: profile`` records (one more run of the program, made only then).
    READS_REPEATS: ClassVar[bool] = False

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """Whether the rule could report at ``node`` (an instance of one of
        ``SHAPE_NODES`` in the ``ast`` of ``source``): a necessary condition
        of a report, read off the rule's matcher, never false where the rule
        reports. Rules that share one predicate share one call per node."""
        return True

    @classmethod
    def admits(cls, source: str, options: Any) -> bool:
        """A sound pre-filter beyond ``PATTERN``, given the rule's options:
        ``False`` only when the rule cannot report anything in ``source``.
        The engine skips the rule (and libcst, when no rule is left) when
        ``PATTERN`` does not match or this says ``False``."""
        return True

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation: its docstring, dedented."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


class TreeRule(BaseRule, cst.BatchableCSTVisitor):
    """A tree rule: one instance per file, fed by the engine's single
    batched traversal. Subclasses define ``BaseRule``'s class attributes
    and ``visit_<Node>``/``leave_<Node>`` methods, and call ``report``."""

    def __init__(self, context: FileContext, options: Any = None) -> None:
        super().__init__()
        self.context = context
        self.options = options if options is not None else self.OPTIONS()
        self.reports: List[Report] = []

    def report(
        self,
        node: cst.CSTNode,
        *,
        replacement: Optional[cst.CSTNode] = None,
        safe: Optional[bool] = None,
        data: Optional[Mapping[str, Any]] = None,
        removals: Sequence[cst.CSTNode] = (),
        also: Sequence[Tuple[cst.CSTNode, cst.CSTNode]] = (),
        insert_after: Sequence[Tuple[cst.CSTNode, Sequence[cst.BaseStatement]]] = (),
        **slots: Any,
    ) -> None:
        """Report ``node``. ``replacement`` is the node that fixes it; ``safe``
        overrides the rule's fix level for this one report; ``data`` is
        carried to machine-readable output; ``removals`` are statements in
        the same block that the fix deletes. A fix that changes more than one
        place gives the other places in ``also`` ((node, replacement) pairs)
        and the statements it adds in ``insert_after`` ((anchor statement,
        new statements) pairs); ``replacement`` may then be ``node`` itself
        when ``node`` stays as it is. Reporting the ``Module`` makes a
        file-level diagnostic at 1:1 (a ``# noqa`` for it goes on line 1)."""
        applicability = None
        if replacement is not None:
            if self.FIX is Fix.NONE:
                raise TypeError(f"{self.CODE} has fix level none but offered a fix")
            if safe is None:
                safe = self.FIX is Fix.SAFE
            applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        self.reports.append(
            Report(
                node=node,
                message=self.MESSAGE.format(**slots),
                replacement=replacement,
                applicability=applicability,
                fix_message=self.FIX_MESSAGE.format(**slots) if replacement is not None else None,
                data=data,
                removals=tuple(removals) if replacement is not None else (),
                also=tuple(also) if replacement is not None else (),
                insertions=tuple((anchor, tuple(new)) for anchor, new in insert_after)
                if replacement is not None
                else (),
            )
        )

    def get_visitors(self) -> Dict[str, Callable[..., Any]]:
        """libcst's ``get_visitors`` without its per-instance inspection
        (see ``traversal.visitor_methods``)."""
        return traversal.visitor_methods(self)


#: The usual base of a rule: a tree rule.
Rule = TreeRule


class SourceRule(BaseRule):
    """A source rule: it reports from the source text and its ``ast`` alone,
    in ``check_source`` (a class method: no instance, no traversal), with
    ``report_at``. It has no fixes."""

    SOURCE_ONLY: ClassVar[bool] = True

    @classmethod
    def check_source(
        cls, source: str, tree: Optional[ast.Module], options: Any
    ) -> List[SourceReport]:
        """Everything the rule reports in ``source``, whose ``ast`` is
        ``tree`` (``None`` where this Python rejects the text and libcst
        accepts it), given the rule's options."""
        raise NotImplementedError(f"{cls.CODE} defines no check_source")

    @classmethod
    def report_at(
        cls,
        start: Tuple[int, int],
        end: Tuple[int, int],
        *,
        data: Optional[Mapping[str, Any]] = None,
        **slots: Any,
    ) -> SourceReport:
        """A ``SourceReport`` from ``check_source``, with the message's slots
        filled as ``report`` fills them."""
        return SourceReport(start, end, cls.MESSAGE.format(**slots), data)
