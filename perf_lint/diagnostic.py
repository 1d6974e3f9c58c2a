"""The records a run produces: ``Diagnostic`` with its ``Location`` and fix,
and the ``FileResult`` of checking one file.

This module does not import libcst, so that the fronts and the results cache
can handle diagnostics without loading the parser."""

from __future__ import annotations

import collections
import dataclasses
from typing import Any, Counter, List, Mapping, Optional, Tuple

from perf_lint.trust import Applicability

#: The code of every problem with a file itself (it cannot be read, decoded
#: or parsed), in every output format: ruff's ``E902``.
FILE_PROBLEM = "E902"


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
    """One finding. ``code`` is ``FILE_PROBLEM`` (``E902``) for problems
    with the file itself (unreadable, undecodable, syntax errors), whose
    ``name`` says which (``io-error``, ``decode-error``, ``syntax-error``,
    ``parse-error``): no rule selection hides them, only ``ignore``."""

    code: Optional[str]
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    fix: Optional[FixRecord] = None
    #: Structured details for machine-readable output (PRF201's split plan).
    data: Optional[Mapping[str, Any]] = None

    @property
    def is_file_problem(self) -> bool:
        return self.code == FILE_PROBLEM

    def without_fix(self) -> Diagnostic:
        return dataclasses.replace(self, fix=None)

    @property
    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.location.row, self.location.column, self.code or "")


@dataclasses.dataclass
class FileResult:
    """The outcome for one file: the diagnostics left, and when fixing, the
    new text and what was fixed."""

    path: str
    source: str
    encoding: str = "utf-8"
    diagnostics: List[Diagnostic] = dataclasses.field(default_factory=list)
    fixed_source: Optional[str] = None
    fixed: Counter[str] = dataclasses.field(default_factory=collections.Counter)
    messages: List[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.source

    def fixed_bytes(self) -> bytes:
        return (self.fixed_source if self.fixed_source is not None else self.source).encode(
            self.encoding
        )
