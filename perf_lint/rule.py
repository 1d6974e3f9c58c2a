"""The pieces every rule is made of: the ``Rule`` base, fix levels, examples
and the ``Diagnostic`` record the engine hands to the fronts."""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any, ClassVar, List, Optional, Sequence, Tuple

import libcst as cst

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.context import FileContext


class Fix(enum.Enum):
    """How far a rule's fixes can be trusted."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    SAFE_WHEN_PROVEN = "safe when proven"
    NONE = "none"

    @property
    def can_fix(self) -> bool:
        return self is not Fix.NONE


class Applicability(str, enum.Enum):
    """The applicability of one concrete fix (ruff's vocabulary)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclasses.dataclass(frozen=True)
class Valid:
    """Code the rule must leave alone."""

    code: str


@dataclasses.dataclass(frozen=True)
class Invalid:
    """Code the rule must report; ``fixed`` is the output of ``--fix`` and
    ``unsafe_fixed`` the output with unsafe fixes where that differs."""

    code: str
    fixed: Optional[str] = None
    unsafe_fixed: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Location:
    """A 1-based row and 1-based column (in characters)."""

    row: int
    column: int


@dataclasses.dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclasses.dataclass(frozen=True)
class FixRecord:
    applicability: Applicability
    message: str
    edits: Tuple[Edit, ...]


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One finding. ``code`` is ``None`` for problems with the file itself
    (syntax errors, unreadable files), which no selection can hide."""

    code: Optional[str]
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    fix: Optional[FixRecord] = None

    @property
    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.location.row, self.location.column, self.code or "")


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
    #: Sibling statements the fix deletes along with replacing ``node`` (the
    #: ``lst = []`` a comprehension absorbs); removed only when ``node``'s
    #: replacement is applied.
    removals: Tuple[cst.CSTNode, ...] = ()


class Rule(cst.BatchableCSTVisitor):
    """Base class of every rule: one instance per file, fed by the engine's
    single batched traversal. Subclasses define the class attributes below
    and ``visit_<Node>``/``leave_<Node>`` methods, and call ``report``."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    MESSAGE: ClassVar[str]
    FIX_MESSAGE: ClassVar[str] = ""
    FIX: ClassVar[Fix] = Fix.NONE
    OPTIONS: ClassVar[type] = NoOptions
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    #: A regular expression that matches every source in which the rule can
    #: report anything (a sound pre-filter); ``None`` means "always run".
    PATTERN: ClassVar[Optional[str]] = None

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
        removals: Sequence[cst.CSTNode] = (),
        **slots: Any,
    ) -> None:
        """Report ``node``. ``replacement`` is the node that fixes it; ``safe``
        overrides the rule's fix level for this one report; ``removals`` are
        statements in the same block that the fix deletes."""
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
                removals=tuple(removals) if replacement is not None else (),
            )
        )

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation: its docstring, dedented."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")
